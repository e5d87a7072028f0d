/**
 * How the request workflows call their activities: timeouts and retry
 * policies in one place. Mail waits out an SMTP outage; contract and
 * configuration errors are never retried.
 */
import * as wf from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import { NON_RETRYABLE_ERROR_TYPES } from '../lib/errors.ts';
import type { PluginSnapshot } from '../manifest/snapshot.ts';

export type Activities = ReturnType<typeof createActivities>;

const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

/**
 * Mail waits out an SMTP outage with backoff; a permanent refusal fails at once. One attempt is
 * short (lib/mailer.ts bounds the SMTP conversation to ~30 s): an attempt lost with its worker is
 * retried within a minute, and the ledger keeps the retry from sending a second copy.
 */
const MAIL_OPTIONS = {
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '2d',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes },
} satisfies wf.ActivityOptions & wf.LocalActivityOptions;

export const mail = wf.proxyActivities<Activities>(MAIL_OPTIONS);

/** Short work of the worker's own (not Temporal's "local activities"): manifest, key hashes, staging clean-up, receipts. */
export const quick = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes },
});

/**
 * The same short steps as {@link quick}, and the same mail as {@link mail}, as local activities:
 * run by the worker that runs the workflow task, within it, without a round trip through the
 * server's task queue. For steps of a few milliseconds that round trip was most of their time.
 */
export const local = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes },
});
export const localMail = wf.proxyLocalActivities<Activities>(MAIL_OPTIONS);

/**
 * The small export's one activity (activities/export-at-once.ts) run within the workflow task, by
 * the worker that runs the task: its exporters, the ZIP and the delivery then take one task, with
 * no trip through the server between them. One attempt: what it leaves undone, the regular path
 * does. A local activity has no heartbeat: if its worker dies, the workflow task times out and
 * another worker runs the task, this step included, again.
 */
export const localAtOnce = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { maximumAttempts: 1 },
});

/**
 * The download mail in that same task: as {@link localMail}, but a retry waits on a server timer,
 * so the workflow task ends and the request's state (processing, not delivered) shows meanwhile.
 */
export const localMailShown = wf.proxyLocalActivities<Activities>({ ...MAIL_OPTIONS, localRetryThreshold: '1s' });

/**
 * Deleting files at the end of a retention (delete-export.ts, discard-staging.ts): a full disk
 * or a locked file is waited out for as long as it takes, a configuration error fails at once.
 */
export const cleanup = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumInterval: '10m', nonRetryableErrorTypes },
});

/** Building a ZIP of a million items takes minutes; a dead worker is noticed by its heartbeat. */
export const heavy = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes },
});

/** Time one plugin activity may spend draining pages before reporting progress. */
export const DEFAULT_BATCH_BUDGET_MS = 10_000;

/**
 * Where a request's staged pages are: the task queue of the worker host that holds them (its local
 * staging file). Activities that read or write them go there; if no worker takes them within
 * `scheduleToStartTimeoutMs`, that host is gone with its disk ({@link isStagingLost}).
 */
export interface StagingPin {
  taskQueue: string;
  scheduleToStartTimeoutMs: number;
}

/** Options that send an activity to the host of a request's staging (none: any worker, one shared disk). */
export function onStagingHost(pin: StagingPin | undefined): Pick<wf.ActivityOptions, 'taskQueue' | 'scheduleToStartTimeout'> {
  return pin ? { taskQueue: pin.taskQueue, scheduleToStartTimeout: pin.scheduleToStartTimeoutMs } : {};
}

/** The staged pages are gone: their host took no task in time, or its staging file is not there any more. */
export function isStagingLost(error: unknown): boolean {
  if (!(error instanceof wf.ActivityFailure)) return false;
  const cause = error.cause;
  if (cause instanceof wf.TimeoutFailure) return cause.timeoutType === 'SCHEDULE_TO_START';
  return cause instanceof wf.ApplicationFailure && cause.type === 'StagingLostError';
}

/**
 * The ZIP's build (and other staging work) on the staging host.
 * @param heartbeatTimeoutMs how soon the small export's one activity counts as lost with its worker
 */
export function stagingActivities(pin: StagingPin | undefined, heartbeatTimeoutMs = 60_000) {
  return {
    heavy: wf.proxyActivities<Activities>({
      startToCloseTimeout: '2h',
      heartbeatTimeout: '1m',
      retry: { maximumAttempts: 5, nonRetryableErrorTypes },
      ...onStagingHost(pin),
    }),
    quick: wf.proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 10, nonRetryableErrorTypes }, ...onStagingHost(pin) }),
    /** One attempt: what it leaves undone, the regular path does (activities/export-at-once.ts). */
    atOnce: wf.proxyActivities<Activities>({
      startToCloseTimeout: '10m',
      heartbeatTimeout: heartbeatTimeoutMs,
      retry: { maximumAttempts: 1 },
      summary: 'small export in one go',
      ...onStagingHost(pin),
    }),
  };
}

/** Activity options from a plugin's manifest entry: its own timeout and retry policy (on the staging host, for an exporter). */
export function pluginActivities(plugin: PluginSnapshot, heartbeatTimeoutMs: number, batchBudgetMs: number, pin?: StagingPin, attemptsBefore = 0) {
  return wf.proxyActivities<Activities>({
    ...onStagingHost(pin),
    startToCloseTimeout: batchBudgetMs + 2 * plugin.timeoutMs,
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: {
      // Attempts made elsewhere (the small export's one activity) count against the plugin's own.
      maximumAttempts: plugin.retry.maxAttempts - attemptsBefore,
      initialInterval: plugin.retry.initialIntervalMs,
      maximumInterval: plugin.retry.maxIntervalMs,
      backoffCoefficient: 2,
      nonRetryableErrorTypes,
    },
    summary: `plugin ${plugin.key}`,
  });
}

/** The innermost message of a failure chain: what the plugin or mail server said. */
export function failureReason(error: unknown): string {
  let current: unknown = error;
  while (current instanceof wf.TemporalFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}
