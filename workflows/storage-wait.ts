/**
 * Waiting out an outage of the store. Temporal's retries of an activity are
 * few and quick (a bug should fail a request within seconds, and a full disk
 * needs an operator); an object store that does not answer is different: it
 * comes back by itself. So an activity that failed with
 * `StorageUnavailableError` is called again after a durable timer, backing
 * off to every 5 minutes, for up to a day; the request stays where it is,
 * nothing done twice (a ZIP appears only when its upload completes, a mail's
 * ledger claim is a conditional write).
 */
import * as wf from '@temporalio/workflow';

const FIRST_WAIT_MS = 10_000;
const MAX_WAIT_MS = 5 * 60_000;
/** After this long without an answer the outage is not transient any more: the request fails with the reason. */
export const STORAGE_OUTAGE_LIMIT_MS = 24 * 3_600_000;

/** The activity failed because the store did not answer (after its own retries). */
export function isStorageOutage(error: unknown): boolean {
  return error instanceof wf.ActivityFailure && error.cause instanceof wf.ApplicationFailure && error.cause.type === 'StorageUnavailableError';
}

/** Calls `call` until it gets past a storage outage (or the outage outlasts `limitMs`). */
export async function untilStorageAnswers<T>(call: () => Promise<T>, limitMs = STORAGE_OUTAGE_LIMIT_MS): Promise<T> {
  const since = Date.now();
  let waitMs = FIRST_WAIT_MS;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isStorageOutage(error) || Date.now() - since >= limitMs) throw error;
      wf.log.warn('storage did not answer; waiting', { waitMs });
      await wf.sleep(waitMs);
      waitMs = Math.min(waitMs * 2, MAX_WAIT_MS);
    }
  }
}
