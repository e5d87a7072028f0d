/**
 * Requests as the admin API sees them, read from and sent to their
 * workflows. Temporal is the store: the memo holds each request's record,
 * search attributes let the list filter, and signals carry every change.
 */
import type { Actor } from '../model/audit.ts';
import type { ReviewMode } from '../model/review.ts';
import { randomBytes } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { BatchProgress } from '../activities/export-batch.ts';
import type { ZipProgress } from '../activities/export-files.ts';
import type { Secret } from '../lib/config.ts';
import { openClock, type RegimeTable } from '../lib/regimes.ts';
import { isOpen, isOverdue, type RequestClock } from '../model/clock.ts';
import type { Locale } from '../model/locale.ts';
import { subjectHash } from '../lib/secrets.ts';
import type * as workflows from '../workflows/index.ts';
import {
  cleanupWorkflowId,
  type ExportResumePoint,
  type Progress,
  type RunningPlugin,
  REQUEST_ACTIONS,
  REQUEST_ID_PATTERN,
  REQUEST_STATUSES,
  type RequestAction,
  type RequestMemo,
  reapplyRunId,
  reapplyWorkflowId,
  requestWorkflowId,
} from '../model/request.ts';
import { DsrAction, DsrDueAt, DsrOverdue, DsrRequestId, DsrStatus, DsrSubject, progressQuery } from '../workflows/definitions.ts';

export interface RequestSettings {
  taskQueue: string;
  secret: Secret;
  confirmTtlMs: number;
  retentionMs: number;
  heartbeatTimeoutMs: number;
  /** Tuning for tests and benchmarks; see ExportRequestInput. */
  batchBudgetMs?: number | undefined;
  batchesPerRun?: number | undefined;
  /** How long a failed export's staged pages wait for a retry (default 24 h, see workflows/export-request.ts). */
  failedStagingRetentionMs?: number | undefined;
  /** How long a staging activity waits for the worker host holding the pages before they count as lost (default 2 min). */
  stagingHostTimeoutMs?: number | undefined;
  /** The regimes requests are answered under, and the default one (lib/regimes.ts). */
  regimes: RegimeTable;
  /** How long before a due date the team is reminded (REMINDER_OFFSETS). */
  reminderOffsetsMs?: number[] | undefined;
  /** Whether exports are reviewed before release: never, when asked, always (REVIEW; default off). */
  reviewMode?: ReviewMode | undefined;
}

/** A request and where its workflow is. */
export interface FoundRequest {
  memo: RequestMemo;
  workflowId: string;
  runId: string;
  running: boolean;
  temporalStatus: string;
  /**
   * Set in a list when this workflow's memo cannot be decoded (a foreign or wrongly keyed payload):
   * why, naming the key id. `memo` then holds only what the clear-text search attributes say.
   */
  unreadable?: string;
}

/** Requests still waiting for their answer (a workflow an operator terminated is not). */
const OPEN_STATUSES = REQUEST_STATUSES.filter(isOpen);
const OPEN_CLAUSE = `ExecutionStatus = 'Running' AND DsrStatus IN (${OPEN_STATUSES.map((status) => `'${status}'`).join(', ')})`;
/** The rest: answered, or a workflow that ended without saying so (the visibility query language has no NOT). */
const CLOSED_CLAUSE = `(ExecutionStatus != 'Running' OR DsrStatus IN (${REQUEST_STATUSES.filter((status) => !isOpen(status))
  .map((status) => `'${status}'`)
  .join(', ')}))`;
/** The most requests the metrics read at once. */
const MAX_METRICS_ROWS = 100_000;
/** Open requests sorted by urgency at most; beyond, the oldest come first unsorted (a backlog that size has other problems). */
const MAX_OPEN_SORTED = 1000;

/** Sort key: the due date; a paused clock after every running one, a clock not started last. */
function urgency(request: FoundRequest): number {
  const clock = request.memo.deadline;
  if (clock?.dates === undefined) return Number.MAX_SAFE_INTEGER;
  return Date.parse(clock.dates.dueAt) + (clock.pausedSince === undefined ? 0 : 1e13);
}

export interface ListFilter {
  /** `urgency`: open requests by due date first, then the rest newest first; default newest first. */
  sort?: 'newest' | 'urgency' | undefined;
  status?: string | undefined;
  action?: string | undefined;
  /** Exact address (case-insensitive). */
  email?: string | undefined;
  limit: number;
  offset?: number | undefined;
}

/** An incomplete request for the same person and action exists. */
export class DuplicateRequestError extends Error {
  override readonly name = 'DuplicateRequestError';
  readonly existingId: string;
  constructor(existingId: string) {
    super(`Cannot create the request: an incomplete request "${existingId}" for this email address and action already exists`);
    this.existingId = existingId;
  }
}

/** A re-application of the same erasure runs already (409). */
export class ReapplyRunningError extends Error {
  override readonly name = 'ReapplyRunningError';
  readonly code = 'reapply_running';
  readonly status = 409;
}

/** The workflow that runs each kind of request (workflows/index.ts). */

// Each action starts the workflow the model names, with its input type: a renamed or
// missing workflow breaks the type-check here, not a request at run time.
REQUEST_ACTIONS satisfies Record<RequestAction, { workflowType: keyof typeof workflows }>;
type RequestWorkflow = (typeof workflows)[(typeof REQUEST_ACTIONS)[RequestAction]['workflowType']];

export function createRequestService(client: Client, settings: RequestSettings) {
  async function describe(workflowId: string, runId?: string): Promise<FoundRequest | undefined> {
    try {
      const description = await client.workflow.getHandle(workflowId, runId).describe();
      const memo = description.memo?.record as RequestMemo | undefined;
      if (!memo) return undefined;
      return {
        memo,
        workflowId,
        runId: description.runId,
        running: description.status.name === 'RUNNING',
        temporalStatus: description.status.name,
      };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /** This deployment's requests: its workflow types on its task queue (other stacks may share the namespace). */
  const requestsClause = `WorkflowType IN (${Object.values(REQUEST_ACTIONS)
    .map(({ workflowType }) => `'${workflowType}'`)
    .join(', ')}) AND TaskQueue = '${settings.taskQueue.replaceAll("'", "''")}'`;

  /** Requests matching every clause, newest first: `limit` of them after skipping `skip`. */
  async function listWhere(clauses: string[], skip: number, limit: number): Promise<FoundRequest[]> {
    const found: FoundRequest[] = [];
    let left = skip;
    // Listed raw and decoded row by row: one workflow that cannot be read never hides the others.
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query: clauses.join(' AND '),
        pageSize: Math.min(1000, limit + left),
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      for (const execution of page.executions ?? []) {
        const row = await listedRequest(client, execution);
        if (!row) continue;
        if (left > 0) {
          left--;
          continue;
        }
        found.push(row);
        if (found.length >= limit) return found;
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return found;
  }

  return {
    /** The regimes requests are answered under (the forms offer them, the API checks against them). */
    regimes: settings.regimes,
    /** Whether exports are reviewed before release (REVIEW). */
    reviewMode: settings.reviewMode ?? 'off',

    /** Starts a request's workflow; one incomplete request per person and action. */
    async create(input: {
      email: string;
      action: RequestAction;
      sendAsEmail: boolean;
      skipConfirmation: boolean;
      dryRun?: boolean | undefined;
      /** Exports: carry on where this failed request stopped (an admin's retry). */
      resumeFromRequest?: (ExportResumePoint & { requestId: string }) | undefined;
      /** The regime it is answered under (default: DEFAULT_REGIME). */
      regime?: string | undefined;
      /** When it arrived, if before now (a letter, a call): the clock starts then. */
      receivedAt?: string | undefined;
      /** A retry's clock: the failed request's, running on. */
      clock?: RequestClock | undefined;
      /** The language of the person's mails (default English). */
      locale?: Locale | undefined;
      /** Exports: stop for a reviewer before release (REVIEW=optional; REVIEW=required reviews every export). */
      review?: boolean | undefined;
      /** Who created it (absent: the person, through the public form). */
      by?: Actor | undefined;
    }) {
      const reviewMode = settings.reviewMode ?? 'off';
      const review = input.action === 'export' && (reviewMode === 'required' || (reviewMode === 'optional' && input.review === true));
      const subject = subjectHash(settings.secret, input.email);
      const workflowId = requestWorkflowId(input.action, subject);
      const requestId = `${input.action}-${subject}-${randomId()}`;
      const createdAt = new Date().toISOString();
      const clock =
        input.clock ?? openClock(settings.regimes, { regime: input.regime, receivedAt: input.receivedAt ?? createdAt, confirmed: input.skipConfirmation });
      const memo: RequestMemo = {
        requestId,
        email: input.email,
        action: input.action,
        status: input.skipConfirmation ? 'confirmed' : 'pending',
        createdAt,
        sendAsEmail: input.sendAsEmail,
        deadline: clock,
        ...(input.locale ? { locale: input.locale } : {}),
        ...(REQUEST_ACTIONS[input.action].dryRunnable ? { dryRun: input.dryRun === true } : {}),
        ...(review ? { review: { withheld: [] } } : {}),
      };
      const base = {
        requestId,
        email: input.email,
        subject,
        sendAsEmail: input.sendAsEmail,
        skipConfirmation: input.skipConfirmation,
        createdAt,
        confirmTtlMs: settings.confirmTtlMs,
        heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
        clock,
        ...(input.locale ? { locale: input.locale } : {}),
        ...(input.by ? { createdBy: input.by } : {}),
        ...(settings.reminderOffsetsMs === undefined ? {} : { reminderOffsetsMs: settings.reminderOffsetsMs }),
        ...(settings.batchBudgetMs === undefined ? {} : { batchBudgetMs: settings.batchBudgetMs }),
        ...(settings.batchesPerRun === undefined ? {} : { batchesPerRun: settings.batchesPerRun }),
      };
      // Each action's own input on top of the common one: a new action without an entry fails the type-check.
      const inputOf: { [A in RequestAction]: () => Parameters<(typeof workflows)[(typeof REQUEST_ACTIONS)[A]['workflowType']]>[0] } = {
        export: () => ({
          ...base,
          retentionMs: settings.retentionMs,
          ...(review ? { review } : {}),
          ...(settings.failedStagingRetentionMs === undefined ? {} : { failedStagingRetentionMs: settings.failedStagingRetentionMs }),
          ...(settings.stagingHostTimeoutMs === undefined ? {} : { stagingHostTimeoutMs: settings.stagingHostTimeoutMs }),
          ...(input.resumeFromRequest === undefined ? {} : { resumeFromRequest: input.resumeFromRequest }),
        }),
        erase: () => ({ ...base, dryRun: input.dryRun === true }),
      };
      const args = inputOf[input.action]();
      let runId: string;
      // A request just answered (denied, completed) may take a moment to close its workflow: try again briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          const handle = await client.workflow.start<RequestWorkflow>(REQUEST_ACTIONS[input.action].workflowType, {
            taskQueue: settings.taskQueue,
            workflowId,
            // The input built above is the one of this action's workflow (the union cannot say which).
            args: [args] as Parameters<RequestWorkflow>,
            workflowIdConflictPolicy: 'FAIL',
            workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            memo: { record: memo },
            typedSearchAttributes: [
              { key: DsrAction, value: input.action },
              { key: DsrStatus, value: memo.status },
              { key: DsrSubject, value: subject },
              { key: DsrRequestId, value: requestId },
              ...(clock.dates ? [{ key: DsrDueAt, value: new Date(clock.dates.dueAt) }] : []),
              { key: DsrOverdue, value: isOverdue(clock, Date.now()) },
            ],
            staticSummary: `${input.action} request ${requestId}`,
          });
          runId = handle.firstExecutionRunId;
          break;
        } catch (error) {
          if (error instanceof WorkflowExecutionAlreadyStartedError) {
            const existing = await describe(workflowId);
            if (existing !== undefined && !isOpen(existing.memo.status) && attempt < 10) {
              await new Promise((resolve) => setTimeout(resolve, 100));
              continue;
            }
            throw new DuplicateRequestError(existing?.memo.requestId ?? workflowId);
          }
          throw error;
        }
      }
      return { memo, workflowId, runId, running: true, temporalStatus: 'RUNNING' } satisfies FoundRequest;
    },

    /** Finds a request by id: the current run of its workflow, or an older closed one. */
    async find(id: string): Promise<FoundRequest | undefined> {
      const match = REQUEST_ID_PATTERN.exec(id);
      if (!match) return undefined;
      const workflowId = requestWorkflowId(match[1] as RequestAction, match[2] as string);
      const latest = await describe(workflowId);
      if (latest?.memo.requestId === id) return latest;
      for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}' AND DsrRequestId = '${id}'` })) {
        return describe(workflowId, execution.runId);
      }
      return undefined;
    },

    /**
     * Requests, newest first, filtered by status, action and email. The email is
     * matched through its keyed hash: Temporal never sees the address.
     */
    async list(filter: ListFilter): Promise<FoundRequest[]> {
      const clauses = [requestsClause];
      if (filter.status) clauses.push(`DsrStatus = '${filter.status}'`);
      if (filter.action) clauses.push(`DsrAction = '${filter.action}'`);
      if (filter.email) clauses.push(`DsrSubject = '${subjectHash(settings.secret, filter.email)}'`);
      const skip = filter.offset ?? 0;
      if (filter.sort !== 'urgency') return listWhere(clauses, skip, filter.limit);
      // Most urgent first: the open requests by due date (overdue ones lead), then the rest, newest first.
      const open = await listWhere([...clauses, OPEN_CLAUSE], 0, MAX_OPEN_SORTED);
      open.sort((a, b) => urgency(a) - urgency(b));
      const fromOpen = open.slice(skip, skip + filter.limit);
      if (fromOpen.length === filter.limit) return fromOpen;
      const closed = await listWhere([...clauses, CLOSED_CLAUSE], Math.max(0, skip - open.length), filter.limit - fromOpen.length);
      return [...fromOpen, ...closed];
    },

    /**
     * Every request whose workflow started at or after `sinceMs` (the last run of each), for the
     * metrics. A workflow that ended without closing its request counts as failed.
     */
    async since(sinceMs: number): Promise<RequestMemo[]> {
      const clauses = [requestsClause, `StartTime >= '${new Date(sinceMs).toISOString()}'`, `ExecutionStatus != 'ContinuedAsNew'`];
      const rows = await listWhere(clauses, 0, MAX_METRICS_ROWS);
      return rows
        .filter((row) => row.unreadable === undefined)
        .map((row) => (row.running || !isOpen(row.memo.status) ? row.memo : { ...row.memo, status: 'failed' as const }));
    },

    /**
     * Live progress. The Temporal server itself knows the running activity's last heartbeat (an
     * exporter's page and items, the ZIP's items written) and its retries, even while the worker is
     * too busy exporting to answer a query; the workflow's query fills in between activities.
     */
    async progress(request: FoundRequest): Promise<Progress | undefined> {
      if (!request.running) return undefined;
      const handle = client.workflow.getHandle(request.workflowId, request.runId);
      const { raw } = await handle.describe().catch(() => ({ raw: undefined }));
      const fromActivity = raw && (await activityProgress(handle, raw, request.memo.status).catch(() => undefined));
      if (fromActivity) return fromActivity;
      // A workflow task at work answers a query only when it ends: a small export's in one go takes seconds.
      if (raw?.pendingWorkflowTask?.state === proto.temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED) return undefined;
      const query = handle.query(progressQuery);
      const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000).unref());
      return Promise.race([query, timeout]).catch(() => undefined);
    },

    /** Starts the `n`th re-application of a completed erasure; refused while that one runs. */
    async startReapply(memo: RequestMemo, input: { n: number; reason: string; by: Actor; previousSha256: string }) {
      const workflowId = reapplyWorkflowId(memo.requestId, input.n);
      const record: RequestMemo = {
        requestId: reapplyRunId(memo.requestId, input.n),
        email: memo.email,
        action: 'erase',
        status: 'processing',
        createdAt: new Date().toISOString(),
        sendAsEmail: false,
      };
      try {
        await client.workflow.start<typeof workflows.reapplyErasure>('reapplyErasure', {
          taskQueue: settings.taskQueue,
          workflowId,
          args: [
            {
              requestId: memo.requestId,
              n: input.n,
              email: memo.email,
              by: input.by,
              reason: input.reason,
              heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
              previousSha256: input.previousSha256,
              ...(settings.batchBudgetMs === undefined ? {} : { batchBudgetMs: settings.batchBudgetMs }),
            },
          ],
          workflowIdConflictPolicy: 'FAIL',
          // A re-application that failed may be started again under its number; one that ran, never.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          memo: { record },
          staticSummary: `re-application ${input.n} of erasure ${memo.requestId}`,
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          throw new ReapplyRunningError(`Cannot reapply the erasure: re-application ${input.n} of request "${memo.requestId}" is still running`);
        }
        throw error;
      }
      return { n: input.n, workflowId };
    },

    /** A re-application's workflow, as the callback endpoint addresses it (`<requestId>.r<n>`). */
    findReapply(requestId: string, n: number): Promise<FoundRequest | undefined> {
      return describe(reapplyWorkflowId(requestId, n));
    },

    handle(request: FoundRequest) {
      return client.workflow.getHandle(request.workflowId, request.runId);
    },

    cleanupHandle(requestId: string) {
      return client.workflow.getHandle(cleanupWorkflowId(requestId));
    },
  };
}

export type RequestService = ReturnType<typeof createRequestService>;

type RawExecution = NonNullable<Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>['executions']>[number];

/** Decodes with the client's codecs (in reverse, as the SDK does) and payload converter. */
async function decodePayload(converter: LoadedDataConverter, payload: Payload): Promise<unknown> {
  let decoded = [payload];
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return converter.payloadConverter.fromPayload(decoded[0] as Payload);
}

/** One row of a list: its memo decoded, or, when that fails, what its clear search attributes say and why it cannot be read. */
async function listedRequest(client: Client, execution: RawExecution): Promise<FoundRequest | undefined> {
  const record = execution.memo?.fields?.record;
  if (!record) return undefined;
  const status = proto.temporal.api.enums.v1.WorkflowExecutionStatus[execution.status ?? 0] ?? 'UNSPECIFIED';
  const base = {
    workflowId: execution.execution?.workflowId ?? '',
    runId: execution.execution?.runId ?? '',
    running: execution.status === proto.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    temporalStatus: status.replace('WORKFLOW_EXECUTION_STATUS_', ''),
  };
  try {
    return { ...base, memo: (await decodePayload(client.options.loadedDataConverter, record as Payload)) as RequestMemo };
  } catch (error) {
    const attribute = async (name: string): Promise<string> => {
      const payload = execution.searchAttributes?.indexedFields?.[name];
      const value = payload ? await client.options.loadedDataConverter.payloadConverter.fromPayload(payload as Payload) : undefined;
      return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
    };
    const startedAt = execution.startTime?.seconds ? new Date(Number(execution.startTime.seconds) * 1000).toISOString() : '';
    const memo = {
      requestId: await attribute('DsrRequestId'),
      action: (await attribute('DsrAction')) as RequestMemo['action'],
      status: (await attribute('DsrStatus')) as RequestMemo['status'],
      email: '',
      createdAt: startedAt,
      sendAsEmail: false,
    } as RequestMemo;
    // The codec's messages name the key id and never quote the payload.
    const why =
      error instanceof Error && error.name === 'ConfigError'
        ? error.message
        : `cannot decode its record (${error instanceof Error ? error.name : typeof error})`;
    return { ...base, memo, unreadable: why };
  }
}

/**
 * Progress from the pending activity's heartbeat, as DescribeWorkflowExecution reports it (decoded
 * with the client's payload codec); undefined when no activity with a heartbeat is under way.
 */
async function activityProgress(
  handle: ReturnType<Client['workflow']['getHandle']>,
  raw: proto.temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse,
  status: RequestMemo['status'],
): Promise<Progress | undefined> {
  /** Exporters side by side: every pending activity reports some of them. */
  const side: { running: RunningPlugin[]; done: number; items: number; total: number; retry?: Progress['retry'] } = {
    running: [],
    done: 0,
    items: 0,
    total: 0,
  };
  for (const activity of raw.pendingActivities ?? []) {
    const payloads = activity.heartbeatDetails?.payloads;
    if (!payloads?.length) continue;
    const details = (await decodePayload(handle.client.options.loadedDataConverter, payloads[0] as Payload)) as
      | { live?: BatchProgress; zip?: ZipProgress }
      | undefined;
    // A batch that takes over after the small export's one activity failed a page counts that attempt too.
    const attempt = (activity.attempt ?? 1) + (details?.live?.attemptsBefore ?? 0);
    // The failure's type is kept in clear by the failure converter; its message (maybe personal data) is not read here.
    const errorType = activity.lastFailure?.applicationFailureInfo?.type || (activity.lastFailure?.timeoutFailureInfo ? 'Timeout' : undefined);
    const retry = attempt > 1 && errorType ? { retry: { attempt, errorType } } : {};
    if (details?.live?.pluginsDone !== undefined) {
      const { plugin, page, items, pluginsTotal, pluginsDone, running } = details.live;
      side.running.push(...(running ?? [{ ...plugin, page }]));
      side.done = Math.max(side.done, pluginsDone);
      side.items = Math.max(side.items, items);
      side.total = pluginsTotal;
      if (retry.retry) side.retry = retry.retry;
      continue;
    }
    if (details?.live) {
      const { plugin, pluginsTotal, page, items } = details.live;
      return { status, pluginsTotal, plugin, page, items, ...retry };
    }
    if (details?.zip) {
      return { status, pluginsTotal: 0, page: 0, items: details.zip.total, zip: details.zip, ...retry };
    }
  }
  if (side.running.length === 0) return undefined;
  const running = side.running.sort((a, b) => a.index - b.index);
  return {
    status,
    pluginsTotal: side.total,
    pluginsDone: side.done,
    running,
    page: (running[0] as RunningPlugin).page,
    items: side.items,
    ...(side.retry ? { retry: side.retry } : {}),
  };
}

/** 10 characters of [a-z0-9]: tells apart the successive requests of one person. */
function randomId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(10), (byte) => alphabet[byte % alphabet.length]).join('');
}
