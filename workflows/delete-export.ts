/**
 * Deletes a delivered export at the end of its retention (3 days by default,
 * as WordPress). It runs as a child that outlives the request, so the request
 * completes at delivery; an admin can make it delete early.
 */
import * as wf from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import { deleteNowSignal } from './definitions.ts';

const { deleteExport } = wf.proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumInterval: '10m' },
});

export async function deleteExportLater(input: { file: string; delayMs: number }): Promise<{ deletedAt: string; early: boolean }> {
  let early = false;
  wf.setHandler(deleteNowSignal, () => {
    early = true;
  });
  await wf.condition(() => early, input.delayMs);
  await deleteExport({ file: input.file });
  return { deletedAt: new Date().toISOString(), early };
}
