/**
 * One log line for each failure of an activity's work, with what an operator
 * needs to find it: the request, the plugin and page, the attempt (added by
 * the activity logger with the rest of the activity's info), and the error's
 * name and code (ENOSPC, ECONNREFUSED…). The worker's logger withholds the
 * error's message (lib/redacting-logger.ts): it may quote personal data.
 */
import { log } from '@temporalio/activity';

/** What names the work in the log line: ids and keys only, never an email or a value. */
export type FailureContext = { requestId: string } & Record<string, string | number | boolean | undefined>;

/**
 * Runs `work`; if it throws, logs `"<what> failed"` with `context` and the error, then rethrows.
 * @example await loggingFailure('plugin page', { requestId, plugin: 'crm', page: 3 }, () => callPage(…));
 */
export async function loggingFailure<T>(what: string, context: FailureContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    log.warn(`${what} failed`, { ...context, error });
    throw error;
  }
}
