/**
 * Deletes the staged pages of a failed export that nobody retried, after a
 * while (24 h by default): long enough for an admin to fix the cause and
 * retry from where it stopped, not so long that personal data lies around.
 * A retry that takes the pages over leaves nothing here to delete. Runs as a
 * child that outlives the failed request, like delete-export.ts.
 */
import * as wf from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../lib/errors.ts';
import { type Activities, cleanup } from './activity-proxies.ts';
import { deleteLater } from './delete-later.ts';

export async function discardStagingLater(input: {
  requestId: string;
  delayMs: number;
  /** The worker host holding the pages (its task queue); absent: any worker, one shared disk. */
  stagingQueue?: string;
}): Promise<{ discardedAt: string; early: boolean }> {
  // On their own host; a host that never comes back took its disk, and the pages, with it.
  const onHost = input.stagingQueue
    ? wf.proxyActivities<Activities>({
        taskQueue: input.stagingQueue,
        startToCloseTimeout: '1m',
        scheduleToStartTimeout: '7d',
        retry: { initialInterval: '5s', maximumInterval: '10m', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
      })
    : cleanup;
  const { at, early } = await deleteLater(input.delayMs, () =>
    onHost.discardStaging({ requestId: input.requestId }).catch((error: unknown) => {
      if (!(error instanceof wf.ActivityFailure && error.cause instanceof wf.TimeoutFailure)) throw error;
    }),
  );
  return { discardedAt: at, early };
}
