/**
 * Deletes the staged pages of a failed export that nobody retried, after a
 * while (24 h by default): long enough for an admin to fix the cause and
 * retry from where it stopped, not so long that personal data lies around.
 * A retry that takes the pages over leaves nothing here to delete. Runs as a
 * child that outlives the failed request, like delete-export.ts.
 */
import * as wf from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import { deleteNowSignal } from './definitions.ts';

const { discardStaging } = wf.proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumInterval: '10m' },
});

export async function discardStagingLater(input: { requestId: string; delayMs: number }): Promise<{ discardedAt: string; early: boolean }> {
  let early = false;
  wf.setHandler(deleteNowSignal, () => {
    early = true;
  });
  await wf.condition(() => early, input.delayMs);
  await discardStaging({ requestId: input.requestId });
  return { discardedAt: new Date().toISOString(), early };
}
