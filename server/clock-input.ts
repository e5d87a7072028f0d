/**
 * What the API and the admin pages accept for the legal clock: a regime the
 * table has, a receipt date in the past (at most a year back), and the
 * bodies of extend, pause, resume, deny and an appeal's decision.
 */
import { z } from 'zod';
import type { RegimeTable } from '../lib/regimes.ts';
import { DENIAL_GROUND_NAMES, PAUSE_GROUNDS } from '../model/grounds.ts';

/** How far back a request entered by hand may have arrived. */
const MAX_BACKDATE_MS = 366 * 24 * 60 * 60 * 1000;
/** Clocks of two machines disagree by a little; "now" from a form is not "the future". */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const reason = z.string().trim().min(1, 'give a reason: the person is told it').max(2000, 'at most 2,000 characters');

export function regimeField(regimes: RegimeTable) {
  const ids = Object.keys(regimes.regimes);
  return z.string().refine((id) => ids.includes(id), `expected one of ${ids.map((id) => `"${id}"`).join(', ')}`);
}

/** When a request arrived, if before now: an ISO date-time with its offset, not in the future, at most a year back. */
export const receivedAtField = z.iso
  .datetime({ offset: true, message: 'expected a date and time such as "2026-11-20T09:30:00Z" or "2026-11-20T10:30:00+01:00"' })
  .refine((text) => Date.parse(text) <= Date.now() + CLOCK_SKEW_MS, 'cannot be in the future')
  .refine((text) => Date.parse(text) >= Date.now() - MAX_BACKDATE_MS, 'cannot be more than a year ago')
  .transform((text) => new Date(text).toISOString());

export const extendBody = z.strictObject({ reason });
export const pauseBody = z.strictObject({
  ground: z.enum(PAUSE_GROUNDS, `expected one of ${PAUSE_GROUNDS.map((g) => `"${g}"`).join(', ')}`).default('clarification'),
  reason,
});
export const resumeBody = z.strictObject({ reason: z.string().trim().max(2000).optional() });
export const denyBody = z.strictObject({
  ground: z.enum(DENIAL_GROUND_NAMES, `expected one of ${DENIAL_GROUND_NAMES.map((g) => `"${g}"`).join(', ')}`),
  reason,
});
export const decideAppealBody = z.strictObject({ decision: z.enum(['upheld', 'reversed'], 'expected "upheld" or "reversed"'), reason });

/** A date (`2026-01-01`, the start of that day in UTC) or a date and time. */
const instant = z.union(
  [z.iso.date(), z.iso.datetime({ offset: true })],
  'expected a date such as "2026-01-01" or a date and time such as "2026-01-01T00:00:00Z"',
);

/** The period of the metrics: `from` (default a year before `to`) up to `to` (default now), at most five years. */
export const metricsRange = z
  .strictObject({ from: instant.optional(), to: instant.optional() })
  .transform(({ from, to }) => {
    const toMs = to === undefined ? Date.now() : Date.parse(to);
    const fromMs = from === undefined ? toMs - 365 * 24 * 60 * 60 * 1000 : Date.parse(from);
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
  })
  .refine(({ from, to }) => Date.parse(from) < Date.parse(to), { message: '"from" must be before "to"', path: ['from'] })
  .refine(({ from, to }) => Date.parse(to) - Date.parse(from) <= 5 * 366 * 24 * 60 * 60 * 1000, { message: 'at most five years at once', path: ['from'] });
