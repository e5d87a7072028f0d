/**
 * The legal clock end to end, on the real stack and without waiting a month:
 * requests entered with a receipt date in the past are due tomorrow (the team
 * is reminded) or overdue at once (flagged in the API, the search attributes
 * and the admin list); extensions, pauses and denials follow their regime's
 * rules or are refused with them; an appeal has its own clock.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clockDates } from '../lib/calendar.ts';
import { regimeTable } from '../lib/regimes.ts';
import { BUILT_IN_REGIMES, type Regime } from '../model/regime.ts';
import { adminCookie, FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';

const DAY = 86_400_000;
const TEAM = 'privacy-team@example.com';

/** An exporter slow enough to pause the clock while it runs. */
const slowManifest = `version: 1
exporters:
  - key: slow-numbers
    name: Slow numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 10
    settings: { total: 100000, delayMs: 200 }
`;

describe('the legal clock', () => {
  let stack: Stack;
  let slow: Stack;
  let email = 0;
  const nextEmail = () => `clock-${++email}-${Date.now()}@example.com`;

  before(async () => {
    stack = await startStack({ clock: { reminderOffsetsMs: [7 * DAY, 2 * DAY], teamEmails: [TEAM] } });
    slow = await startStack({ manifest: slowManifest, clock: { teamEmails: [TEAM] } });
  });
  after(async () => {
    await stack?.close();
    await slow?.close();
  });

  test('a new request is due one calendar month after receipt under the GDPR, with its history', async () => {
    const created = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'export' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { deadline } = created.body;
    const expected = clockDates(BUILT_IN_REGIMES.gdpr as Regime, deadline.receivedAt, 0, 0, regimeTable().calendar(BUILT_IN_REGIMES.gdpr as Regime));
    assert.equal(deadline.regime, 'gdpr');
    assert.equal(deadline.dueAt, expected.dueAt);
    assert.equal(deadline.maxDueAt, expected.maxDueAt);
    assert.equal(deadline.overdue, false);
    assert.ok(deadline.daysLeft >= 27 && deadline.daysLeft <= 33, `about a month left, got ${deadline.daysLeft}`);
    assert.deepEqual(
      deadline.history.map((event: { event: string }) => event.event),
      ['received', 'started'],
    );
  });

  test('an unknown regime, a receipt date in the future or over a year back is refused with what to fix', async () => {
    const unknown = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'export', regime: 'mars' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /regime: expected one of "gdpr", "uk-gdpr", "ccpa", "us-va"/);
    const future = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'export', receivedAt: new Date(Date.now() + DAY).toISOString() });
    assert.equal(future.status, 400);
    assert.match(future.body.error.message, /receivedAt: cannot be in the future/);
    const old = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'export', receivedAt: new Date(Date.now() - 400 * DAY).toISOString() });
    assert.equal(old.status, 400);
    assert.match(old.body.error.message, /receivedAt: cannot be more than a year ago/);
  });

  test('CCPA, received 44 days ago: acknowledged to the person at once, the team reminded before the due date', async () => {
    const person = nextEmail();
    const receivedAt = new Date(Date.now() - 44 * DAY).toISOString();
    const created = await stack.api('POST', '/api/requests', { email: person, action: 'export', regime: 'ccpa', receivedAt });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { id } = created.body;
    assert.equal(created.body.deadline.receivedAt, receivedAt);
    assert.ok(created.body.deadline.acknowledgeBy, 'CCPA wants an acknowledgement');
    const ack = await stack.mail.waitFor((m) => m.to.includes(person) && /We received your request/.test(m.subject));
    assert.match(ack.text, /We will answer by/);
    const reminder = await stack.mail.waitFor((m) => m.to.includes(TEAM) && m.subject.includes(id));
    assert.match(reminder.subject, /Due soon: export request/);
    assert.match(reminder.text, new RegExp(`${stack.baseUrl}/admin/requests/${id}`));
    assert.doesNotMatch(reminder.text, new RegExp(person), 'the team mail names the request, not the person');
    const after = (await stack.api('GET', `/api/requests/${id}`)).body;
    assert.ok(after.deadline.acknowledgedAt);
    const events = after.deadline.history.map((event: { event: string }) => event.event);
    assert.ok(events.includes('acknowledged') && events.includes('reminded'), events.join(','));
    // Several offsets had passed: one mail, not one per offset.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(stack.mail.messages().filter((m) => m.to.includes(TEAM) && m.subject.includes(id)).length, 1);
  });

  test('received 100 days ago under the GDPR: overdue at once, in the API, the search attributes, the team’s mail and the admin list', async () => {
    const receivedAt = new Date(Date.now() - 100 * DAY).toISOString();
    const created = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'export', receivedAt });
    const { id } = created.body;
    assert.equal(created.body.deadline.overdue, true);
    const alert = await stack.mail.waitFor((m) => m.to.includes(TEAM) && m.subject.includes(id) && /Overdue/.test(m.subject));
    assert.match(alert.text, /has not been answered/);
    let found = false;
    for (let i = 0; i < 50 && !found; i++) {
      for await (const execution of stack.client.workflow.list({ query: `DsrOverdue = true AND DsrRequestId = '${id}'` })) {
        found = execution.workflowId.length > 0;
      }
      if (!found) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(found, 'DsrOverdue = true lists it in the Temporal UI');
    const overdueHistory = (await stack.api('GET', `/api/requests/${id}`)).body.deadline.history.map((event: { event: string }) => event.event);
    assert.ok(overdueHistory.includes('overdue'));
    // The admin list puts it first, flagged, and its page shows the clock with the reason extending is refused.
    const cookie = await adminCookie(stack);
    const list = await (await fetch(`${stack.baseUrl}/admin`, { headers: { Cookie: cookie } })).text();
    const firstRow = /<tbody>\s*<tr([^>]*)>([\s\S]*?)<\/tr>/.exec(list);
    assert.ok(firstRow, 'the list has rows');
    assert.match(firstRow[1] ?? '', /class="due-overdue"/, 'the most urgent (overdue) request comes first, flagged');
    assert.match(firstRow[2] ?? '', new RegExp(id));
    assert.match(firstRow[2] ?? '', /Overdue by \d+ days/);
    const page = await (await fetch(`${stack.baseUrl}/admin/requests/${id}`, { headers: { Cookie: cookie } })).text();
    assert.match(page, /Legal clock/);
    assert.match(page, /Due date missed/);
    assert.match(page, /Not now: the due date .* has passed/);
    const extend = await stack.api('POST', `/api/requests/${id}/extend`, { reason: 'too late' });
    assert.equal(extend.status, 409);
    assert.match(
      extend.body.error.message,
      /Cannot extend: the due date \(.*\) has passed; GDPR Art\. 12\(3\) requires the person to be told of an extension before it/,
    );
  });

  test('an extension: the person is told the new date and why; a second one is refused', async () => {
    const person = nextEmail();
    const created = await stack.api('POST', '/api/requests', { email: person, action: 'export' });
    const { id } = created.body;
    const missing = await stack.api('POST', `/api/requests/${id}/extend`, {});
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /reason/);
    const extended = await stack.api('POST', `/api/requests/${id}/extend`, { reason: 'The request covers ten years of records held in three systems.' });
    assert.equal(extended.status, 200, JSON.stringify(extended.body));
    assert.equal(extended.body.deadline.extensions, 1);
    assert.equal(extended.body.deadline.dueAt, created.body.deadline.maxDueAt, 'GDPR: three months from receipt in all');
    assert.equal(extended.body.deadline.extendedTo, created.body.deadline.maxDueAt);
    const mail = await stack.mail.waitFor((m) => m.to.includes(person) && /more time/.test(m.subject));
    assert.match(mail.text, /ten years of records held in three systems/);
    assert.match(mail.text, /We will answer by/);
    const second = await stack.api('POST', `/api/requests/${id}/extend`, { reason: 'again' });
    assert.equal(second.status, 409);
    assert.match(second.body.error.message, /GDPR \(EU\/EEA\) allows one extension, and it has been used/);
  });

  test('pausing: refused under the GDPR, allowed under the UK GDPR while the request runs, then resumed', async () => {
    const gdpr = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'export' });
    const refused = await stack.api('POST', `/api/requests/${gdpr.body.id}/pause`, { reason: 'waiting for the person' });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /GDPR \(EU\/EEA\) does not let the clock stop/);

    const uk = await slow.api('POST', '/api/requests', { email: nextEmail(), action: 'export', regime: 'uk-gdpr' });
    assert.equal(uk.body.deadline.startedAt, undefined, 'the UK clock waits for the person’s confirmation');
    const early = await slow.api('POST', `/api/requests/${uk.body.id}/pause`, { reason: 'which account?' });
    assert.equal(early.status, 409);
    assert.match(early.body.error.message, /the clock has not started yet/);
    await slow.api('POST', `/api/requests/${uk.body.id}/confirm`);
    const running = await waitForStatus(slow, uk.body.id, 'processing');
    let started = running.deadline;
    for (let i = 0; i < 50 && started.startedAt === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      started = (await slow.api('GET', `/api/requests/${uk.body.id}`)).body.deadline;
    }
    assert.ok(started.startedAt >= running.confirmedAt, 'the clock starts at confirmation');
    const paused = await slow.api('POST', `/api/requests/${uk.body.id}/pause`, { ground: 'clarification', reason: 'Which of the two accounts is meant?' });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.ok(paused.body.deadline.pausedSince);
    const twice = await slow.api('POST', `/api/requests/${uk.body.id}/pause`, { reason: 'again' });
    assert.equal(twice.status, 409);
    assert.match(twice.body.error.message, /already paused/);
    const resumed = await slow.api('POST', `/api/requests/${uk.body.id}/resume`, { reason: 'The person answered.' });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.deadline.pausedSince, undefined);
    assert.equal(resumed.body.deadline.dueAt, started.dueAt, 'paused and resumed on the same day: no day added');
    const events = resumed.body.deadline.history.map((event: { event: string }) => event.event);
    assert.deepEqual(events.slice(-3), ['started', 'paused', 'resumed']);
    const notPaused = await slow.api('POST', `/api/requests/${uk.body.id}/resume`, {});
    assert.equal(notPaused.status, 409);
    await slow.api('POST', `/api/requests/${uk.body.id}/cancel`);
  });

  test('a denial ends the request with its reasons and the right to complain; a running request cannot be denied', async () => {
    const person = nextEmail();
    const created = await stack.api('POST', '/api/requests', { email: person, action: 'erase' });
    const { id } = created.body;
    const badGround = await stack.api('POST', `/api/requests/${id}/deny`, { ground: 'boredom', reason: 'x' });
    assert.equal(badGround.status, 400);
    assert.match(badGround.body.error.message, /ground: expected one of "manifestly-unfounded", "excessive", "identity-not-verified", "exemption"/);
    const denied = await stack.api('POST', `/api/requests/${id}/deny`, {
      ground: 'identity-not-verified',
      reason: 'The address does not match any account we hold.',
    });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));
    assert.equal(denied.body.status, 'denied');
    assert.equal(denied.body.denial.ground, 'identity-not-verified');
    assert.equal(denied.body.deadline.onTime, true);
    assert.equal(denied.body.deadline.closedOnDay, 1);
    const mail = await stack.mail.waitFor((m) => m.to.includes(person) && /declined/.test(m.subject));
    assert.match(mail.text, /could not verify that the request comes from the person/);
    assert.match(mail.text, /does not match any account we hold/);
    assert.match(mail.text, /supervisory authority/);
    assert.doesNotMatch(mail.text, /appeal/i, 'the GDPR has no appeal to the controller');
    // A denied request is closed: a new one for the same person is accepted at once.
    const again = await stack.api('POST', '/api/requests', { email: person, action: 'erase' });
    assert.equal(again.status, 201);
    const confirmed = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'export', skipConfirmation: true });
    await waitForStatus(stack, confirmed.body.id, 'completed');
    const late = await stack.api('POST', `/api/requests/${confirmed.body.id}/deny`, { ground: 'excessive', reason: 'x' });
    assert.equal(late.status, 409);
  });

  test('Virginia: the denial carries an appeal link; the appeal has its own 60-day clock and a decision', async () => {
    const person = nextEmail();
    const created = await stack.api('POST', '/api/requests', { email: person, action: 'export', regime: 'us-va' });
    const { id } = created.body;
    const denied = await stack.api('POST', `/api/requests/${id}/deny`, { ground: 'excessive', reason: 'This is the fourth request this month.' });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));
    assert.ok(denied.body.denial.appealUntil);
    const mail = await stack.mail.waitFor((m) => m.to.includes(person) && /declined/.test(m.subject));
    const link = stack.linkIn(mail, `${stack.baseUrl}/appeal?`);
    assert.match(mail.text, /Attorney General of Virginia/);

    const early = await stack.api('POST', `/api/requests/${id}/appeal/decision`, { decision: 'upheld', reason: 'x' });
    assert.equal(early.status, 409);
    assert.match(early.body.error.message, /has not appealed/);

    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Appeal/);
    const url = new URL(link);
    const appealed = await fetch(`${stack.baseUrl}/appeal`, {
      method: 'POST',
      headers: { Origin: stack.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id: url.searchParams.get('id') ?? '', key: url.searchParams.get('key') ?? '', statement: 'I only asked once.' }).toString(),
    });
    assert.equal(appealed.status, 200);
    assert.match(await appealed.text(), /received your appeal/);
    const forged = await fetch(`${stack.baseUrl}/appeal`, {
      method: 'POST',
      headers: { Origin: stack.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id, key: 'wrong', statement: 'x' }).toString(),
    });
    assert.equal(forged.status, 404);

    const withAppeal = (await stack.api('GET', `/api/requests/${id}`)).body;
    const { appeal } = withAppeal.denial;
    assert.equal(appeal.statement, 'I only asked once.');
    const days = Math.round((Date.parse(appeal.dueAt) - Date.parse(appeal.receivedAt)) / DAY);
    assert.ok(days >= 60 && days <= 61, `the appeal is due in 60 days, got ${days}`);

    const decided = await stack.api('POST', `/api/requests/${id}/appeal/decision`, {
      decision: 'reversed',
      reason: 'The earlier requests were from another address.',
    });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    const decision = await stack.mail.waitFor((m) => m.to.includes(person) && /decision on your appeal/.test(m.subject));
    assert.match(decision.text, /reversed our decision/);
    // The reversal runs the request again, confirmed, and it completes.
    let rerun: string | undefined;
    for (let i = 0; i < 100 && rerun === undefined; i++) {
      rerun = (await stack.api('GET', `/api/requests/${id}`)).body.denial.rerun?.requestId;
      if (rerun === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(rerun, 'the reversal started the request again');
    const done = await waitForStatus(stack, rerun, 'completed');
    assert.equal(done.deadline.dueAt, appeal.dueAt, 'due when the appeal was');
    const twice = await stack.api('POST', `/api/requests/${id}/appeal/decision`, { decision: 'upheld', reason: 'x' });
    assert.equal(twice.status, 409);
  });

  test('metrics: per action and regime, from the requests themselves (this stack’s only)', async () => {
    const bad = await stack.api('GET', '/api/metrics?from=2026-13-01');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /from: expected a date/);
    const reversed = await stack.api('GET', '/api/metrics?from=2026-06-01&to=2026-01-01');
    assert.equal(reversed.status, 400);
    assert.match(reversed.body.error.message, /"from" must be before "to"/);

    const from = new Date(Date.now() - 200 * DAY).toISOString();
    const metrics = await stack.api('GET', `/api/metrics?from=${from}`);
    assert.equal(metrics.status, 200, JSON.stringify(metrics.body));
    const row = (action: string, regime: string) =>
      metrics.body.rows.find((r: { action: string; regime: string }) => r.action === action && r.regime === regime);
    const all = row('all', 'all');
    // Created in this file on this stack: seven exports or erasures under the GDPR, one under the CCPA, two under Virginia's law (one the appeal's rerun).
    assert.equal(all.received, 10, JSON.stringify(metrics.body.rows));
    assert.equal(all.denied, 2);
    assert.deepEqual(all.deniedByGround, { 'identity-not-verified': 1, excessive: 1 });
    assert.ok(all.completed >= 2, 'the confirmed export and the appeal’s rerun');
    assert.equal(all.overdueNow, 1, 'the export received 100 days ago');
    assert.equal(row('export', 'gdpr').overdueNow, 1);
    assert.equal(row('erase', 'gdpr').denied, 1);
    assert.equal(row('export', 'ccpa').received, 1);
    assert.ok(all.medianDaysToClose !== undefined && all.p90DaysToClose >= all.medianDaysToClose);
  });

  test('a request in German: confirmation, acknowledgement, extension and refusal mails in German, dates too', async () => {
    const person = nextEmail();
    const created = await stack.api('POST', '/api/requests', { email: person, action: 'export', regime: 'ccpa', locale: 'de' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const confirm = await stack.mail.waitFor((m) => m.to.includes(person) && /Aktion bestätigen/.test(m.subject));
    assert.match(confirm.subject, /Aktion bestätigen: Personenbezogene Daten exportieren/);
    assert.match(confirm.text, /^Hallo,/);
    assert.match(confirm.text, /Der Link gilt bis \d{1,2}\. [A-Z][a-zä]+ \d{4}, \d\d:\d\d UTC\./);
    const ack = await stack.mail.waitFor((m) => m.to.includes(person) && /Wir haben Ihren Antrag erhalten/.test(m.subject));
    assert.match(ack.text, /Wir haben Ihren Antrag auf eine Kopie Ihrer personenbezogenen Daten am/);
    await stack.api('POST', `/api/requests/${created.body.id}/extend`, { reason: 'Drei Systeme müssen durchsucht werden.' });
    const extension = await stack.mail.waitFor((m) => m.to.includes(person) && /mehr Zeit/.test(m.subject));
    assert.match(extension.text, /Drei Systeme müssen durchsucht werden\./);
    const denied = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'erase', locale: 'fr' });
    await stack.api('POST', `/api/requests/${denied.body.id}/deny`, { ground: 'excessive', reason: 'Quatrième demande ce mois-ci.' });
    const refusal = await stack.mail.waitFor((m) => /refusée/.test(m.subject));
    assert.match(refusal.text, /^Bonjour,/);
    assert.match(refusal.text, /la demande est manifestement excessive/);
    const bad = await stack.api('POST', '/api/requests', { email: nextEmail(), action: 'export', locale: 'es' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /locale: expected one of "en", "de", "fr"/);
  });
});
