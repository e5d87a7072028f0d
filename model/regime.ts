/**
 * The laws a request can be answered under, and what each says about time:
 * when the clock starts, when the answer is due, how far and how often it may
 * be extended, whether it may pause and why, whether receipt must be
 * acknowledged, what a denial must tell the person, and whether a denial can
 * be appealed. The table below ships with the project; REGIMES_FILE may
 * change an entry or add one (lib/regimes.ts reads it with this schema).
 *
 * Sources (see docs/DEADLINES.md): GDPR Art. 12(3)–(4) and Regulation 1182/71
 * (calendar months); the ICO's guidance under the UK GDPR (the clock starts at
 * confirmed identity and stops for a clarification); 11 CCR §7021 (CCPA: 10
 * business days to acknowledge, 45 days, one extension of 45); Va. Code
 * §59.1-577 (45 + 45 days, an appeal answered within 60 days).
 */
import { z } from 'zod';
import { PAUSE_GROUNDS } from './grounds.ts';

export { DENIAL_GROUND_NAMES, DENIAL_GROUNDS, type DenialGround, PAUSE_GROUNDS, type PauseGround } from './grounds.ts';

/** A length of time as the law counts it: calendar months, or calendar days. */
const periodSchema = z.union([z.strictObject({ months: z.number().int().positive() }), z.strictObject({ days: z.number().int().positive() })]);

export const regimeSchema = z.strictObject({
  /** What the admin pages and the person's form call it. */
  name: z.string().min(1),
  /** The text it comes from, cited in the person's mails. */
  law: z.string().min(1),
  /** `receipt`: the day the request arrived; `confirmation`: the day the person's identity was confirmed. */
  clockStarts: z.enum(['receipt', 'confirmation']),
  /** How long the organisation has to answer, counted from the start. */
  due: periodSchema,
  /** How much longer each extension gives, counted on from the start, and how many there may be. */
  extension: z.strictObject({ by: periodSchema, times: z.number().int().positive() }).optional(),
  /** Why the clock may stop (none: it never stops). */
  pauseGrounds: z.array(z.enum(PAUSE_GROUNDS)).default([]),
  /** Receipt must be acknowledged within this many business days. */
  acknowledgeWithinBusinessDays: z.number().int().positive().optional(),
  /** A due date on a weekend or a public holiday moves to the next working day. */
  rollToWorkingDay: z.boolean().default(true),
  /** The public holidays that are not working days (a date-holidays code: "DE", "GB-ENG", "US-CA"); HOLIDAY_CALENDAR when unset. */
  holidays: z.string().min(2).optional(),
  /** What a refusal must tell the person besides its reasons: where to complain. */
  complaint: z.string().min(1),
  /** A refusal may be appealed: the person has `windowDays` to appeal, the organisation `answerDays` to decide. */
  appeal: z.strictObject({ windowDays: z.number().int().positive(), answerDays: z.number().int().positive() }).optional(),
});

export type Regime = z.output<typeof regimeSchema>;
export type Period = Regime['due'];

/** The regimes that ship with the project. */
export const BUILT_IN_REGIMES: Record<string, Regime> = {
  gdpr: {
    name: 'GDPR (EU/EEA)',
    law: 'GDPR Art. 12(3)',
    clockStarts: 'receipt',
    due: { months: 1 },
    extension: { by: { months: 2 }, times: 1 },
    pauseGrounds: [],
    rollToWorkingDay: true,
    complaint:
      'You have the right to lodge a complaint with a supervisory authority, in particular in the EU member state where you live or work (GDPR Art. 77), and to seek a judicial remedy (Art. 79).',
  },
  'uk-gdpr': {
    name: 'UK GDPR',
    law: 'UK GDPR Art. 12(3) and the Data (Use and Access) Act 2025',
    clockStarts: 'confirmation',
    due: { months: 1 },
    extension: { by: { months: 2 }, times: 1 },
    pauseGrounds: ['clarification', 'identity'],
    rollToWorkingDay: true,
    holidays: 'GB-ENG',
    complaint:
      "You have the right to complain to the Information Commissioner's Office (ico.org.uk/make-a-complaint) and to seek to enforce your rights through the courts.",
  },
  ccpa: {
    name: 'CCPA (California)',
    law: 'Cal. Code Regs. tit. 11, §7021',
    clockStarts: 'receipt',
    due: { days: 45 },
    extension: { by: { days: 45 }, times: 1 },
    pauseGrounds: [],
    acknowledgeWithinBusinessDays: 10,
    rollToWorkingDay: true,
    holidays: 'US-CA',
    complaint: 'You may contact the California Privacy Protection Agency (cppa.ca.gov) or the California Attorney General (oag.ca.gov/privacy).',
  },
  'us-va': {
    name: 'Virginia CDPA',
    law: 'Va. Code §59.1-577',
    clockStarts: 'receipt',
    due: { days: 45 },
    extension: { by: { days: 45 }, times: 1 },
    pauseGrounds: [],
    rollToWorkingDay: true,
    holidays: 'US-VA',
    complaint: 'If your appeal is denied, you may contact the Attorney General of Virginia to submit a complaint (oag.state.va.us).',
    appeal: { windowDays: 45, answerDays: 60 },
  },
};

/** A regime id: lowercase letters, digits and dashes. */
export const REGIME_ID_PATTERN = /^[a-z][a-z0-9-]{1,30}$/;

/** "1 month", "45 days". */
export function describePeriod(period: Period): string {
  if ('months' in period) return `${period.months} ${period.months === 1 ? 'month' : 'months'}`;
  return `${period.days} ${period.days === 1 ? 'day' : 'days'}`;
}
