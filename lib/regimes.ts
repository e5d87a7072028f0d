/**
 * The regimes this installation answers under: the built-in table
 * (model/regime.ts) with REGIMES_FILE's changes on top, and the working
 * calendar of each (the organisation's time zone, the regime's public
 * holidays from date-holidays, and HOLIDAYS). Read once by the worker and the
 * server at start; a request keeps the rules it arrived under.
 */
import { readFile } from 'node:fs/promises';
import Holidays from 'date-holidays';
import { parse } from 'yaml';
import { z } from 'zod';
import { BUILT_IN_REGIMES, REGIME_ID_PATTERN, type Regime, regimeSchema } from '../model/regime.ts';
import type { RequestClock } from '../model/clock.ts';
import { acknowledgeBy, clockDates, type WorkingCalendar } from './calendar.ts';
import type { Config } from './config.ts';
import { ConfigError } from './errors.ts';

export interface RegimeTable {
  regimes: Readonly<Record<string, Regime>>;
  defaultRegime: string;
  /** The working calendar a regime's dates are counted in. */
  calendar(regime: Regime): WorkingCalendar;
}

const fileSchema = z.strictObject({
  /** Each entry changes a built-in regime (only the fields given) or adds a new one (every field). */
  regimes: z.record(z.string().regex(REGIME_ID_PATTERN, 'expected a regime id: lowercase letters, digits and dashes'), z.record(z.string(), z.unknown())),
});

/**
 * The regime table for a configuration.
 * @throws {ConfigError} naming the file, the regime and the field, or the variable to fix
 */
export async function loadRegimes(clock: Config['clock']): Promise<RegimeTable> {
  const regimes: Record<string, Regime> = { ...BUILT_IN_REGIMES };
  if (clock.regimesFile !== undefined) {
    let text: string;
    try {
      text = await readFile(clock.regimesFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`Cannot start: REGIMES_FILE: cannot read "${clock.regimesFile}": ${(error as Error).message}`);
    }
    let raw: unknown;
    try {
      raw = parse(text);
    } catch (error) {
      throw new ConfigError(`Cannot start: REGIMES_FILE "${clock.regimesFile}" is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    const file = fileSchema.safeParse(raw);
    if (!file.success) throw new ConfigError(`Cannot start: REGIMES_FILE "${clock.regimesFile}":\n${problems(file.error)}`);
    const errors: string[] = [];
    for (const [id, changes] of Object.entries(file.data.regimes)) {
      const parsed = regimeSchema.safeParse({ ...BUILT_IN_REGIMES[id], ...changes });
      if (parsed.success) regimes[id] = parsed.data;
      else errors.push(problems(parsed.error, `regimes.${id}.`));
    }
    if (errors.length > 0) throw new ConfigError(`Cannot start: REGIMES_FILE "${clock.regimesFile}":\n${errors.join('\n')}`);
  }
  return regimeTable(regimes, clock);
}

/** The clock settings of a configuration without any variable set (the built-in regimes, UTC, GDPR by default). */
export const DEFAULT_CLOCK_SETTINGS: Config['clock'] = {
  defaultRegime: 'gdpr',
  regimesFile: undefined,
  timeZone: 'UTC',
  holidayCalendar: undefined,
  extraHolidays: [],
  reminderOffsetsMs: [],
  teamEmails: [],
};

/**
 * A regime table from regimes already read (the built-in ones by default) and the clock's settings.
 * @throws {ConfigError} for an unknown default regime or holiday calendar
 */
export function regimeTable(regimes: Record<string, Regime> = BUILT_IN_REGIMES, clock: Config['clock'] = DEFAULT_CLOCK_SETTINGS): RegimeTable {
  if (regimes[clock.defaultRegime] === undefined) {
    throw new ConfigError(`Cannot start: DEFAULT_REGIME: no regime "${clock.defaultRegime}"; expected one of ${Object.keys(regimes).join(', ')}`);
  }
  const calendars = new Map<string, WorkingCalendar>();
  const calendarOf = (code: string | undefined): WorkingCalendar => {
    const key = code ?? '';
    let calendar = calendars.get(key);
    if (calendar === undefined) {
      calendar = workingCalendar(clock.timeZone, code, clock.extraHolidays);
      calendars.set(key, calendar);
    }
    return calendar;
  };
  // Every calendar named is checked now, not when a request first needs it.
  for (const [id, regime] of Object.entries(regimes)) {
    const code = regime.holidays ?? clock.holidayCalendar;
    try {
      calendarOf(code);
    } catch (error) {
      const where = regime.holidays !== undefined ? `regime "${id}" (holidays)` : 'HOLIDAY_CALENDAR';
      throw new ConfigError(`Cannot start: ${where}: ${(error as Error).message}`);
    }
  }
  return { regimes, defaultRegime: clock.defaultRegime, calendar: (regime) => calendarOf(regime.holidays ?? clock.holidayCalendar) };
}

/** A working calendar: weekends, the public holidays of `code` (none when undefined) and the extra dates. */
export function workingCalendar(timeZone: string, code: string | undefined, extra: readonly string[] = []): WorkingCalendar {
  const extraDays = new Set(extra);
  if (code === undefined) return { timeZone, isHoliday: (date) => extraDays.has(date) };
  const [country = '', region] = code.split('-');
  const known = new Holidays();
  if (known.getCountries()[country] === undefined)
    throw new Error(`unknown holiday calendar "${code}": no country "${country}" (expected e.g. "DE", "FR", "GB-ENG", "US-CA")`);
  const regions: Record<string, string> = known.getStates(country) ?? {};
  if (region !== undefined && regions[region] === undefined) {
    throw new Error(`unknown holiday calendar "${code}": ${country} has no region "${region}" (it has ${Object.keys(regions).join(', ') || 'none'})`);
  }
  const holidays = region === undefined ? new Holidays(country) : new Holidays(country, region);
  const years = new Map<number, Set<string>>();
  return {
    timeZone,
    isHoliday(date) {
      if (extraDays.has(date)) return true;
      const year = Number(date.slice(0, 4));
      let days = years.get(year);
      if (days === undefined) {
        // Public holidays and bank holidays close offices; observances (Mother's Day) do not.
        days = new Set(
          holidays
            .getHolidays(year)
            .filter((holiday) => holiday.type === 'public' || holiday.type === 'bank')
            .map((holiday) => holiday.date.slice(0, 10)),
        );
        years.set(year, days);
      }
      return days.has(date);
    },
  };
}

function problems(error: z.ZodError, prefix = ''): string {
  return error.issues.map((issue) => `  ${prefix}${issue.path.map(String).join('.')}: ${issue.message}`).join('\n');
}

/** A regime the table does not have. */
export class UnknownRegimeError extends Error {
  override readonly name = 'UnknownRegimeError';
  constructor(id: string, known: readonly string[]) {
    super(`Cannot create the request: no regime "${id}"; expected one of ${known.join(', ')}`);
  }
}

/**
 * The clock a new request starts with: its regime's rules frozen, receipt recorded, the
 * acknowledgement's date, and its dates where the clock starts at receipt (or where an admin
 * vouches for the person's identity: `confirmed`).
 * @throws {UnknownRegimeError} when the table has no such regime
 */
export function openClock(table: RegimeTable, input: { regime?: string | undefined; receivedAt: string; confirmed: boolean }): RequestClock {
  const id = input.regime ?? table.defaultRegime;
  const rules = table.regimes[id];
  if (rules === undefined) throw new UnknownRegimeError(id, Object.keys(table.regimes));
  const calendar = table.calendar(rules);
  const startsNow = rules.clockStarts === 'receipt' || input.confirmed;
  const dates = startsNow ? clockDates(rules, input.receivedAt, 0, 0, calendar) : undefined;
  return {
    regime: id,
    rules,
    timeZone: calendar.timeZone,
    receivedAt: input.receivedAt,
    ...(dates ? { dates } : {}),
    extensions: 0,
    ...(rules.acknowledgeWithinBusinessDays === undefined
      ? {}
      : { acknowledgeBy: acknowledgeBy(input.receivedAt, rules.acknowledgeWithinBusinessDays, calendar) }),
    pausedDays: 0,
    reminded: [],
    history: [{ at: input.receivedAt, event: 'received' }, ...(dates ? [{ at: input.receivedAt, event: 'started' as const, dueAt: dates.dueAt }] : [])],
  };
}

/** A failed request's clock, reopened for its retry: the law's time runs on from the first receipt. */
export function reopenClock(clock: RequestClock, at: string, retryOf: string): RequestClock {
  const { closedAt: _closed, closedOnDay: _day, onTime: _onTime, ...open } = clock;
  return { ...open, history: [...clock.history.filter((event) => event.event !== 'closed'), { at, event: 'started', reason: `retry of ${retryOf}` }] };
}
