/**
 * The clock's rules as the workflow's validators and the admin pages apply
 * them: extensions, pauses, denials and appeals, and when reminders are due.
 * Also the regime table REGIMES_FILE changes, and its errors.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../lib/config.ts';
import { loadRegimes, openClock, regimeTable } from '../lib/regimes.ts';
import type { Regime } from '../model/regime.ts';
import { nextReminder, type RequestClock, whyNotAppeal, whyNotDecide, whyNotDeny, whyNotExtend, whyNotPause, whyNotResume } from '../model/clock.ts';

const DAY = 86_400_000;
const table = regimeTable();
const received = '2026-03-02T09:00:00.000Z'; // a Monday
const gdpr = (): RequestClock => openClock(table, { regime: 'gdpr', receivedAt: received, confirmed: false });
const uk = (confirmed: boolean): RequestClock => openClock(table, { regime: 'uk-gdpr', receivedAt: received, confirmed });

describe('opening a clock', () => {
  test('GDPR starts at receipt; the UK waits for confirmation unless an admin vouches; CCPA owes an acknowledgement', () => {
    assert.equal(gdpr().dates?.dueAt, '2026-04-02T23:59:59.999Z');
    assert.equal(uk(false).dates, undefined);
    assert.ok(uk(true).dates);
    const ccpa = openClock(table, { regime: 'ccpa', receivedAt: received, confirmed: false });
    assert.ok(ccpa.acknowledgeBy);
    assert.equal(gdpr().acknowledgeBy, undefined);
    assert.throws(
      () => openClock(table, { regime: 'mars', receivedAt: received, confirmed: false }),
      /no regime "mars"; expected one of gdpr, uk-gdpr, ccpa, us-va/,
    );
  });
});

describe('extensions', () => {
  const before = Date.parse('2026-03-20T00:00:00Z');
  test('allowed once, before the due date, while the request is open', () => {
    const clock = gdpr();
    assert.equal(whyNotExtend(clock, 'pending', before), undefined);
    assert.equal(whyNotExtend(clock, 'processing', before), undefined);
    assert.match(whyNotExtend(clock, 'completed', before) ?? '', /the request is completed/);
    assert.match(whyNotExtend(clock, 'pending', Date.parse('2026-04-03T00:00:00Z')) ?? '', /has passed; GDPR Art\. 12\(3\) requires/);
    assert.match(whyNotExtend({ ...clock, extensions: 1 }, 'pending', before) ?? '', /allows one extension, and it has been used/);
    assert.match(whyNotExtend(uk(false), 'pending', before) ?? '', /has not started yet/);
  });
  test('a regime without extensions refuses them', () => {
    const { extension: _none, ...withoutExtension } = table.regimes.gdpr as Regime;
    const strict = regimeTable({ strict: { ...withoutExtension, name: 'Strict' } }, { ...loadConfig({}).clock, defaultRegime: 'strict' });
    const clock = openClock(strict, { receivedAt: received, confirmed: false });
    assert.match(whyNotExtend(clock, 'pending', before) ?? '', /Strict does not allow the time to answer to be extended/);
  });
});

describe('pauses, denials and appeals', () => {
  test('only where the regime lets the clock stop, on its grounds, once at a time', () => {
    assert.match(whyNotPause(gdpr(), 'pending', 'clarification') ?? '', /does not let the clock stop/);
    const started = uk(true);
    assert.equal(whyNotPause(started, 'processing', 'clarification'), undefined);
    assert.equal(whyNotPause(started, 'processing', 'identity'), undefined);
    assert.match(whyNotPause({ ...started, pausedSince: received }, 'processing', 'clarification') ?? '', /already paused/);
    assert.match(whyNotPause(uk(false), 'pending', 'clarification') ?? '', /has not started yet/);
    assert.match(whyNotPause(started, 'failed', 'clarification') ?? '', /only an open request/);
    assert.equal(whyNotResume(started), 'the clock is not paused');
    assert.equal(whyNotResume({ ...started, pausedSince: received }), undefined);
  });
  test('a denial only before the plugins start; an appeal once, in time; a decision once', () => {
    assert.equal(whyNotDeny('pending'), undefined);
    assert.match(whyNotDeny('processing') ?? '', /cancel it instead/);
    assert.match(whyNotDeny('completed') ?? '', /only a request waiting for confirmation/);
    const until = '2026-05-01T23:59:59.999Z';
    assert.equal(whyNotAppeal(until, undefined, Date.parse('2026-04-01T00:00:00Z')), undefined);
    assert.match(whyNotAppeal(until, undefined, Date.parse('2026-05-02T00:00:00Z')) ?? '', /time to appeal ended/);
    const appeal = { id: 'a', receivedAt: received, dueAt: until };
    assert.match(whyNotAppeal(until, appeal, Date.parse('2026-04-01T00:00:00Z')) ?? '', /appealed already/);
    assert.match(whyNotDecide(undefined) ?? '', /has not appealed/);
    assert.equal(whyNotDecide(appeal), undefined);
    assert.match(whyNotDecide({ ...appeal, decision: 'upheld' }) ?? '', /already decided \(upheld\)/);
  });
});

describe('reminders', () => {
  const due = '2026-04-30T23:59:59.999Z';
  const dueMs = Date.parse(due);
  test('each offset once, at its time', () => {
    const next = nextReminder(due, [], [7 * DAY, 2 * DAY], dueMs - 10 * DAY);
    assert.deepEqual(next, { atMs: dueMs - 7 * DAY, keys: [`${due}|${7 * DAY}`] });
    const second = nextReminder(due, [`${due}|${7 * DAY}`], [7 * DAY, 2 * DAY], dueMs - 5 * DAY);
    assert.deepEqual(second, { atMs: dueMs - 2 * DAY, keys: [`${due}|${2 * DAY}`] });
    assert.equal(nextReminder(due, [`${due}|${7 * DAY}`, `${due}|${2 * DAY}`], [7 * DAY, 2 * DAY], dueMs - DAY), undefined);
  });
  test('offsets already passed (a request entered late) make one reminder now, not one each', () => {
    const now = dueMs - DAY;
    assert.deepEqual(nextReminder(due, [], [7 * DAY, 2 * DAY], now), { atMs: now, keys: [`${due}|${7 * DAY}`, `${due}|${2 * DAY}`] });
  });
  test('past the due date the overdue alert speaks, not a reminder; a new due date gets its own', () => {
    assert.equal(nextReminder(due, [], [7 * DAY], dueMs + 1), undefined);
    const later = '2026-06-30T23:59:59.999Z';
    assert.ok(nextReminder(later, [`${due}|${7 * DAY}`], [7 * DAY], dueMs - DAY));
  });
});

describe('REGIMES_FILE', () => {
  const settings = (file: string, extra: Record<string, string> = {}) => loadConfig({ REGIMES_FILE: file, ...extra }).clock;
  test('changes a built-in regime field by field, and adds a new one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regimes-'));
    const file = join(dir, 'regimes.yaml');
    await writeFile(
      file,
      `regimes:
  gdpr:
    holidays: DE-BY
  us-co:
    name: Colorado Privacy Act
    law: C.R.S. §6-1-1306
    clockStarts: receipt
    due: { days: 45 }
    extension: { by: { days: 45 }, times: 1 }
    complaint: You may contact the Colorado Attorney General.
    appeal: { windowDays: 45, answerDays: 45 }
`,
    );
    const loaded = await loadRegimes(settings(file, { DEFAULT_REGIME: 'us-co' }));
    assert.equal(loaded.regimes.gdpr?.holidays, 'DE-BY');
    assert.equal(loaded.regimes.gdpr?.law, 'GDPR Art. 12(3)', 'the rest of the built-in entry stays');
    assert.equal(loaded.regimes['us-co']?.appeal?.answerDays, 45);
    assert.equal(loaded.defaultRegime, 'us-co');
  });
  test('every problem named with its regime and field; an unknown default or calendar names its variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regimes-'));
    const file = join(dir, 'regimes.yaml');
    await writeFile(file, 'regimes:\n  gdpr:\n    due: { weeks: 4 }\n  new-one:\n    name: New\n');
    await assert.rejects(loadRegimes(settings(file)), (error: Error) => {
      assert.match(error.message, /REGIMES_FILE ".*regimes.yaml"/);
      assert.match(error.message, /regimes\.gdpr\.due/);
      assert.match(error.message, /regimes\.new-one\.law/);
      return true;
    });
    await assert.rejects(loadRegimes(settings(join(dir, 'missing.yaml'))), /REGIMES_FILE: cannot read/);
    await assert.rejects(
      loadRegimes(loadConfig({ DEFAULT_REGIME: 'mars' }).clock),
      /DEFAULT_REGIME: no regime "mars"; expected one of gdpr, uk-gdpr, ccpa, us-va/,
    );
    await assert.rejects(loadRegimes(loadConfig({ HOLIDAY_CALENDAR: 'XX' }).clock), /HOLIDAY_CALENDAR: unknown holiday calendar "XX"/);
  });
  test('the clock’s variables are checked at start', () => {
    assert.throws(() => loadConfig({ ORG_TIME_ZONE: 'Mars/Olympus' }), /ORG_TIME_ZONE: expected an IANA time zone/);
    assert.throws(() => loadConfig({ REMINDER_OFFSETS: '7d,soon' }), /REMINDER_OFFSETS: expected durations separated by commas/);
    assert.throws(() => loadConfig({ ADMIN_EMAIL: 'privacy@example.com,not-an-address' }), /ADMIN_EMAIL/);
    assert.throws(() => loadConfig({ HOLIDAYS: '24.12.2026' }), /HOLIDAYS: expected dates as YYYY-MM-DD/);
    const clock = loadConfig({ ADMIN_EMAIL: 'privacy@example.com, dpo@example.com', REMINDER_OFFSETS: '7d,36h', ORG_TIME_ZONE: 'Europe/Berlin' }).clock;
    assert.deepEqual(clock.teamEmails, ['privacy@example.com', 'dpo@example.com']);
    assert.deepEqual(clock.reminderOffsetsMs, [7 * DAY, 36 * 3_600_000]);
    assert.equal(clock.timeZone, 'Europe/Berlin');
  });
});
