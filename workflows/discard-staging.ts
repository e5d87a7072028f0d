/**
 * Deletes the staged pages of a failed export that nobody retried, after a
 * while (24 h by default): long enough for an admin to fix the cause and
 * retry from where it stopped, not so long that personal data lies around.
 * A retry that takes the pages over leaves nothing here to delete. Runs as a
 * child that outlives the failed request, like delete-export.ts.
 */
import { cleanup } from './activity-proxies.ts';
import { deleteLater } from './delete-later.ts';

export async function discardStagingLater(input: { requestId: string; delayMs: number }): Promise<{ discardedAt: string; early: boolean }> {
  const { at, early } = await deleteLater(input.delayMs, () => cleanup.discardStaging({ requestId: input.requestId }));
  return { discardedAt: at, early };
}
