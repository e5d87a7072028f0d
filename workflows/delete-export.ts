/**
 * Deletes a delivered export at the end of its retention (3 days by default,
 * as WordPress). It outlives the request, so the request completes at
 * delivery; an admin can make it delete early. Started by an activity
 * (activities/export-retention.ts); requests begun before the
 * `deletion-by-activity` patch started it as their child.
 */
import { cleanup } from './activity-proxies.ts';
import { deleteLater } from './delete-later.ts';

export async function deleteExportLater(input: { file: string; delayMs: number }): Promise<{ deletedAt: string; early: boolean }> {
  const { at, early } = await deleteLater(input.delayMs, (early, by) => cleanup.deleteExport({ file: input.file, early, ...(by ? { by } : {}) }));
  return { deletedAt: at, early };
}
