/**
 * What the deletion children (delete-export.ts, discard-staging.ts) share:
 * wait out a retention, or less if an admin sends `deleteNow`, then delete.
 */
import * as wf from '@temporalio/workflow';
import { deleteNowSignal } from './definitions.ts';

/**
 * Waits `delayMs`, or until the delete-now signal, then runs `remove`.
 * @returns when `remove` finished, and whether the signal cut the wait short
 * @example const { at, early } = await deleteLater(input.delayMs, (early) => cleanup.deleteExport({ file, early }));
 */
export async function deleteLater(delayMs: number, remove: (early: boolean) => Promise<void>): Promise<{ at: string; early: boolean }> {
  let early = false;
  wf.setHandler(deleteNowSignal, () => {
    early = true;
  });
  await wf.condition(() => early, delayMs);
  await remove(early);
  return { at: new Date().toISOString(), early };
}
