/**
 * What the deletion children (delete-export.ts, discard-staging.ts) share:
 * wait out a retention, or less if an admin sends `deleteNow`, then delete.
 */
import * as wf from '@temporalio/workflow';
import type { Actor } from '../model/audit.ts';
import { deleteNowSignal } from './definitions.ts';

/**
 * Waits `delayMs`, or until the delete-now signal, then runs `remove`.
 * @returns when `remove` finished, and whether the signal cut the wait short
 * @example const { at, early } = await deleteLater(input.delayMs, (early) => cleanup.deleteExport({ file, early }));
 */
export async function deleteLater(delayMs: number, remove: (early: boolean, by: Actor | undefined) => Promise<void>): Promise<{ at: string; early: boolean }> {
  let early = false;
  let by: Actor | undefined;
  wf.setHandler(deleteNowSignal, (args) => {
    early = true;
    by ??= args?.by;
  });
  await wf.condition(() => early, delayMs);
  await remove(early, by);
  return { at: new Date().toISOString(), early };
}
