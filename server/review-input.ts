/**
 * What the API and the admin pages accept for review before release
 * (model/review.ts): what to withhold and why, and an approval's note.
 * Rejecting takes the denial's body (server/clock-input.ts denyBody).
 */
import { z } from 'zod';
import { WITHHOLD_GROUND_NAMES } from '../model/review.ts';

export const withholdBody = z.strictObject({
  /** The group's id, as the review page lists them. */
  group: z.string().trim().min(1, 'choose the group').max(200),
  /** One item's id (shown above each item in the preview); empty or absent: the whole group. */
  item: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((item) => (item === '' ? undefined : item)),
  ground: z.enum(WITHHOLD_GROUND_NAMES, `expected one of ${WITHHOLD_GROUND_NAMES.map((g) => `"${g}"`).join(', ')}`),
  reason: z.string().trim().min(1, 'give a reason: the person is told it').max(2000, 'at most 2,000 characters'),
});

export const approveBody = z.strictObject({ note: z.string().trim().max(2000).optional() });
