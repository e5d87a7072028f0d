/** The body of running a completed erasure again, for the API and the admin form alike. */
import { z } from 'zod';

export const reapplyBody = z.strictObject({
  reason: z.string().trim().min(1, 'say why the erasure runs again, e.g. "backup of 2026-11-20 restored"').max(2000),
});
