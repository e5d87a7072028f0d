/**
 * Legal date arithmetic. A period of months ends on the same date in the
 * last month, or on that month's last day where the date does not exist
 * (Regulation 1182/71 Art. 3(2)(c): from 31 January, one month is the last
 * day of February); a period of days ends on the last of them. A period ends
 * with the last moment of its day in the organisation's time zone, and where
 * the regime says so a due date on a weekend or a public holiday moves to
 * the next working day. Pure functions: the holidays are passed in.
 */
import { Temporal } from 'temporal-polyfill';
import type { ClockDates } from '../model/clock.ts';
import type { Period, Regime } from '../model/regime.ts';

/** The organisation's days: where they begin and end, and which are not working days. */
export interface WorkingCalendar {
  timeZone: string;
  /** Whether a date (YYYY-MM-DD) is a public holiday. */
  isHoliday(date: string): boolean;
}

/** The date an instant falls on in the calendar's time zone. */
export function localDate(instant: string, timeZone: string): Temporal.PlainDate {
  return Temporal.Instant.from(instant).toZonedDateTimeISO(timeZone).toPlainDate();
}

/** The last millisecond of a date in a time zone, as an ISO instant (a due date ends then). */
export function endOfDay(date: Temporal.PlainDate, timeZone: string): string {
  return date.add({ days: 1 }).toZonedDateTime({ timeZone }).toInstant().subtract({ milliseconds: 1 }).toString({ smallestUnit: 'millisecond' });
}

/** Monday to Friday and not a holiday. */
export function isWorkingDay(date: Temporal.PlainDate, calendar: WorkingCalendar): boolean {
  return date.dayOfWeek <= 5 && !calendar.isHoliday(date.toString());
}

/** The date itself if it is a working day, else the next one that is. */
export function nextWorkingDay(date: Temporal.PlainDate, calendar: WorkingCalendar): Temporal.PlainDate {
  let day = date;
  // A year without a working day is a misconfigured calendar, not a reason to loop for ever.
  for (let i = 0; i < 366 && !isWorkingDay(day, calendar); i++) day = day.add({ days: 1 });
  return day;
}

/** The date `count` working days after `date` (the day itself not counted). */
export function addBusinessDays(date: Temporal.PlainDate, count: number, calendar: WorkingCalendar): Temporal.PlainDate {
  let day = date;
  for (let left = count; left > 0; ) {
    day = day.add({ days: 1 });
    if (isWorkingDay(day, calendar)) left--;
  }
  return day;
}

/** Periods added to a date: months first (constrained to the month's last day), then days. */
export function addPeriods(date: Temporal.PlainDate, periods: readonly Period[]): Temporal.PlainDate {
  const months = periods.reduce((sum, period) => sum + ('months' in period ? period.months : 0), 0);
  const days = periods.reduce((sum, period) => sum + ('days' in period ? period.days : 0), 0);
  // Months are added in one step from the start: 31 Jan + 3 months is 30 April, not 28 April.
  return date.add({ months }, { overflow: 'constrain' }).add({ days });
}

/**
 * The dates of a clock that started at `startedAt`: due, original, and the latest any extension
 * allows, each pushed back by the days it stood still and rolled to a working day where the regime says so.
 */
export function clockDates(rules: Regime, startedAt: string, extensions: number, pausedDays: number, calendar: WorkingCalendar): ClockDates {
  const start = localDate(startedAt, calendar.timeZone);
  const due = (times: number): string => {
    const extra = rules.extension === undefined ? [] : Array.from({ length: times }, () => (rules.extension as NonNullable<Regime['extension']>).by);
    let date = addPeriods(start, [rules.due, ...extra]).add({ days: pausedDays });
    if (rules.rollToWorkingDay) date = nextWorkingDay(date, calendar);
    return endOfDay(date, calendar.timeZone);
  };
  return { startedAt, dueAt: due(extensions), originalDueAt: due(0), maxDueAt: due(rules.extension?.times ?? 0) };
}

/** When receipt must be acknowledged: that many working days after the day it arrived. */
export function acknowledgeBy(receivedAt: string, businessDays: number, calendar: WorkingCalendar): string {
  return endOfDay(addBusinessDays(localDate(receivedAt, calendar.timeZone), businessDays, calendar), calendar.timeZone);
}

/** The end of the day `days` calendar days after an instant's day (an appeal's answer, the time to appeal). */
export function daysAfter(instant: string, days: number, timeZone: string): string {
  return endOfDay(localDate(instant, timeZone).add({ days }), timeZone);
}

/** Whole calendar days from one instant's day to another's, in the time zone (for days paused). */
export function calendarDaysBetween(from: string, to: string, timeZone: string): number {
  return localDate(from, timeZone).until(localDate(to, timeZone), { largestUnit: 'days' }).days;
}

/** Whether a time zone name is one this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    Temporal.Now.instant().toZonedDateTimeISO(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant a request that arrived on `date` (YYYY-MM-DD) in the time zone is taken to have
 * arrived: now, if that is today there; else noon of that day (any hour of it gives the same dates).
 * @returns undefined when `date` is not a date
 */
export function arrivedOn(date: string, timeZone: string, nowMs = Date.now()): string | undefined {
  let day: Temporal.PlainDate;
  try {
    day = Temporal.PlainDate.from(date, { overflow: 'reject' });
  } catch {
    return undefined;
  }
  const now = new Date(nowMs).toISOString();
  if (day.equals(localDate(now, timeZone))) return now;
  return day.toZonedDateTime({ timeZone, plainTime: '12:00' }).toInstant().toString({ smallestUnit: 'millisecond' });
}
