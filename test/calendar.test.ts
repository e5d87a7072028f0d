/**
 * The legal calendar: calendar months (Regulation 1182/71), days, working
 * days, holidays and time zones, as the regimes use them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { acknowledgeBy, addBusinessDays, addPeriods, calendarDaysBetween, clockDates, endOfDay, localDate, type WorkingCalendar } from '../lib/calendar.ts';
import { workingCalendar } from '../lib/regimes.ts';
import { BUILT_IN_REGIMES, type Regime } from '../model/regime.ts';

const utc: WorkingCalendar = { timeZone: 'UTC', isHoliday: () => false };
const date = (text: string) => Temporal.PlainDate.from(text);
const gdpr = BUILT_IN_REGIMES.gdpr as Regime;
const ccpa = BUILT_IN_REGIMES.ccpa as Regime;
const noRoll: Regime = { ...gdpr, rollToWorkingDay: false };

describe('calendar months (Regulation 1182/71)', () => {
  test('one month from a date is the same date in the next month', () => {
    assert.equal(addPeriods(date('2026-03-15'), [{ months: 1 }]).toString(), '2026-04-15');
  });
  test('from 31 January, one month ends on the last day of February, in common and leap years', () => {
    assert.equal(addPeriods(date('2026-01-31'), [{ months: 1 }]).toString(), '2026-02-28');
    assert.equal(addPeriods(date('2028-01-31'), [{ months: 1 }]).toString(), '2028-02-29');
    assert.equal(addPeriods(date('2028-01-30'), [{ months: 1 }]).toString(), '2028-02-29');
    assert.equal(addPeriods(date('2026-03-31'), [{ months: 1 }]).toString(), '2026-04-30');
  });
  test('an extension counts its months from the start, not from the shortened month', () => {
    // 31 Jan + 1 month = 28 Feb; + 2 further months is 30 April (not 28 April).
    assert.equal(addPeriods(date('2026-01-31'), [{ months: 1 }, { months: 2 }]).toString(), '2026-04-30');
  });
  test('a month across the year end', () => {
    assert.equal(addPeriods(date('2026-12-31'), [{ months: 1 }]).toString(), '2027-01-31');
    assert.equal(addPeriods(date('2026-11-30'), [{ months: 3 }]).toString(), '2027-02-28');
  });
  test('29 February plus a year of months lands on 28 February', () => {
    assert.equal(addPeriods(date('2028-02-29'), [{ months: 12 }]).toString(), '2029-02-28');
  });
  test('days are calendar days', () => {
    assert.equal(addPeriods(date('2026-12-01'), [{ days: 45 }]).toString(), '2027-01-15');
    assert.equal(addPeriods(date('2028-02-01'), [{ days: 45 }, { days: 45 }]).toString(), '2028-05-01');
  });
});

describe('working days and holidays', () => {
  test('a due date on a Saturday or Sunday moves to Monday', () => {
    const dueSaturday = clockDates(gdpr, '2026-09-03T09:00:00Z', 0, 0, utc); // 2026-10-03 is a Saturday → Mon 5th
    assert.equal(dueSaturday.dueAt, '2026-10-05T23:59:59.999Z');
    const dueSunday = clockDates(gdpr, '2026-09-04T09:00:00Z', 0, 0, utc); // 2026-10-04 is a Sunday → Mon 5th
    assert.equal(dueSunday.dueAt, '2026-10-05T23:59:59.999Z');
    assert.equal(clockDates(noRoll, '2026-09-03T09:00:00Z', 0, 0, utc).dueAt, '2026-10-03T23:59:59.999Z');
  });
  test('a due date on a public holiday of the configured calendar moves to the next working day', () => {
    const england = workingCalendar('Europe/London', 'GB-ENG');
    // Received 2026-11-25 → due Fri 2026-12-25 (Christmas) → Sat, Sun, Mon 28th (Boxing Day substitute) → Tue 29th.
    const dates = clockDates(gdpr, '2026-11-25T12:00:00Z', 0, 0, england);
    assert.equal(dates.dueAt, '2026-12-29T23:59:59.999Z');
    // The same day without holidays would have been the 25th.
    assert.equal(clockDates(gdpr, '2026-11-25T12:00:00Z', 0, 0, utc).dueAt, '2026-12-25T23:59:59.999Z');
  });
  test('extra holidays from HOLIDAYS count too', () => {
    const office = workingCalendar('UTC', undefined, ['2026-04-15']);
    assert.equal(clockDates(gdpr, '2026-03-15T08:00:00Z', 0, 0, office).dueAt, '2026-04-16T23:59:59.999Z');
  });
  test('business days skip weekends and holidays (CCPA: acknowledge within 10 business days)', () => {
    assert.equal(addBusinessDays(date('2026-12-01'), 10, utc).toString(), '2026-12-15');
    const california = workingCalendar('America/Los_Angeles', 'US-CA');
    // Tue 2026-12-15 + 10 business days: skips two weekends and Christmas (Fri 25th).
    assert.equal(addBusinessDays(date('2026-12-15'), 10, california).toString(), '2026-12-30');
    assert.equal(addBusinessDays(date('2026-12-15'), 10, utc).toString(), '2026-12-29');
    // The day is Los Angeles's: 18:00 UTC is 10:00 there; the 30th ends at 08:00 UTC on the 31st.
    assert.equal(acknowledgeBy('2026-12-15T18:00:00Z', 10, california), '2026-12-31T07:59:59.999Z');
  });
  test('an unknown holiday calendar is refused with the codes it could be', () => {
    assert.throws(() => workingCalendar('UTC', 'XX'), /unknown holiday calendar "XX": no country "XX"/);
    assert.throws(() => workingCalendar('UTC', 'GB-XYZ'), /GB has no region "XYZ" \(it has .*ENG/);
  });
});

describe('time zones', () => {
  test('the day of receipt is the organisation’s day, not UTC’s', () => {
    // 23:30 UTC on 31 March is already 1 April in Berlin.
    assert.equal(localDate('2026-03-31T23:30:00Z', 'Europe/Berlin').toString(), '2026-04-01');
    assert.equal(localDate('2026-03-31T23:30:00Z', 'UTC').toString(), '2026-03-31');
  });
  test('a due date ends at midnight in the organisation’s time zone, across daylight saving', () => {
    assert.equal(endOfDay(date('2026-03-29'), 'Europe/Berlin'), '2026-03-29T21:59:59.999Z'); // the day summer time begins
    assert.equal(endOfDay(date('2026-01-15'), 'Europe/Berlin'), '2026-01-15T22:59:59.999Z');
    assert.equal(endOfDay(date('2026-07-01'), 'America/Los_Angeles'), '2026-07-02T06:59:59.999Z');
  });
  test('the same instant gives different due dates in Berlin and in Los Angeles', () => {
    const berlin = clockDates(noRoll, '2026-01-31T23:30:00Z', 0, 0, { timeZone: 'Europe/Berlin', isHoliday: () => false });
    const losAngeles = clockDates(noRoll, '2026-01-31T23:30:00Z', 0, 0, { timeZone: 'America/Los_Angeles', isHoliday: () => false });
    assert.equal(berlin.dueAt, '2026-03-01T22:59:59.999Z'); // received 1 Feb in Berlin → 1 March
    assert.equal(losAngeles.dueAt, '2026-03-01T07:59:59.999Z'); // received 31 Jan in LA → 28 Feb
  });
});

describe('a clock’s dates', () => {
  test('GDPR: one month, at most three with the extension', () => {
    const dates = clockDates(noRoll, '2026-01-31T10:00:00Z', 0, 0, utc);
    assert.equal(dates.dueAt, '2026-02-28T23:59:59.999Z');
    assert.equal(dates.originalDueAt, dates.dueAt);
    assert.equal(dates.maxDueAt, '2026-04-30T23:59:59.999Z');
    assert.equal(clockDates(noRoll, '2026-01-31T10:00:00Z', 1, 0, utc).dueAt, '2026-04-30T23:59:59.999Z');
  });
  test('CCPA: 45 days, 90 with the extension', () => {
    const dates = clockDates({ ...ccpa, rollToWorkingDay: false }, '2026-12-01T17:00:00Z', 0, 0, utc);
    assert.equal(dates.dueAt, '2027-01-15T23:59:59.999Z');
    assert.equal(dates.maxDueAt, '2027-03-01T23:59:59.999Z');
  });
  test('days paused push the due date back', () => {
    const paused = clockDates(noRoll, '2026-03-15T10:00:00Z', 0, 5, utc);
    assert.equal(paused.dueAt, '2026-04-20T23:59:59.999Z');
    assert.equal(calendarDaysBetween('2026-03-20T23:00:00Z', '2026-03-25T01:00:00Z', 'UTC'), 5);
    assert.equal(calendarDaysBetween('2026-03-20T08:00:00Z', '2026-03-20T18:00:00Z', 'UTC'), 0);
  });
});
