/**
 * What an admin can do to a request, for the JSON API and the admin pages
 * alike: each checks the request is in a state where the action makes sense
 * and says plainly why not, then signals (or starts) a workflow.
 */
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { reopenClock } from '../lib/regimes.ts';
import { type Actor, mayDo } from '../model/audit.ts';
import type { WithholdGround } from '../model/review.ts';
import type { DenialGround, PauseGround } from '../model/grounds.ts';
import { appealWorkflowId } from '../model/request.ts';
import type { Store } from '../storage/store.ts';
import {
  type AppealRecord,
  appealUpdate,
  approveUpdate,
  auditSignal,
  confirmSignal,
  decideAppealUpdate,
  deleteNowSignal,
  denyUpdate,
  extendUpdate,
  markCompletedSignal,
  pauseUpdate,
  resendSignal,
  resumeUpdate,
  withholdUpdate,
} from '../workflows/definitions.ts';
import type { mailExportLink } from '../workflows/index.ts';
import { allows, REQUEST_OPERATIONS, type RequestOperation } from '../model/operations.ts';
import { reapplications } from './downloads.ts';
import type { FoundRequest, RequestService } from './requests.ts';

/** The request is not in a state that allows the action (409), or its export is gone (410). */
export class RequestStateError extends Error {
  override readonly name = 'RequestStateError';
  readonly code: string;
  readonly status: 409 | 410;
  constructor(code: string, message: string, status: 409 | 410 = 409) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** The account may not do this (a reviewer deleting or cancelling): 403. */
export class ForbiddenActionError extends Error {
  override readonly name = 'ForbiddenActionError';
  readonly code = 'forbidden';
  readonly status = 403;
}

/** Refuses what `by`'s role may not do, saying who may. */
function allowed(by: Actor, operation: string, verb: string): void {
  if (!mayDo(by.role, operation)) throw new ForbiddenActionError(`Cannot ${verb}: ${by.name} is a ${by.role}; only an admin may`);
}

export function createRequestActions(service: RequestService, client: Client, options: { taskQueue: string; store: Store }) {
  /** An update of a denied request's appeal workflow: refused with its rule, or because there is no appeal to act on. */
  const appealUpdateOf = async <R>(request: FoundRequest, verb: string, run: () => Promise<R>): Promise<R> => {
    if (request.memo.denial?.appealUntil === undefined) {
      throw new RequestStateError('not_allowed', `Cannot ${verb}: request "${request.memo.requestId}" was not refused under a regime with appeals`);
    }
    try {
      return await run();
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError)
        throw new RequestStateError('not_allowed', error.cause instanceof Error ? error.cause.message : `Cannot ${verb}`);
      if (error instanceof WorkflowNotFoundError)
        throw new RequestStateError('not_allowed', `Cannot ${verb}: the time to appeal request "${request.memo.requestId}" has ended`);
      throw error;
    }
  };
  const expect = (request: FoundRequest, operation: RequestOperation, by: Actor): void => {
    allowed(by, operation, REQUEST_OPERATIONS[operation].verb);
    if (!request.running || !allows(request.memo, operation)) {
      const { verb } = REQUEST_OPERATIONS[operation];
      throw new RequestStateError('invalid_status', `Cannot ${verb}: request "${request.memo.requestId}" is ${request.memo.status}`);
    }
  };
  const exportFile = async (request: FoundRequest, action: string): Promise<string> => {
    const file = request.memo.download?.file;
    if (!file) throw new RequestStateError('no_export', `Cannot ${action}: request "${request.memo.requestId}" has no export file`);
    if (!(await options.store.exports.has(file))) {
      throw new RequestStateError('already_deleted', `Cannot ${action}: the export of request "${request.memo.requestId}" was already deleted`, 410);
    }
    return file;
  };

  /**
   * Runs one of the clock's updates. The workflow's validator refuses what the regime forbids with
   * the rule that forbids it: that refusal is a 409 with the rule as its message.
   */
  const update = async <R>(request: FoundRequest, verb: string, run: () => Promise<R>): Promise<R> => {
    if (!request.running) throw new RequestStateError('invalid_status', `Cannot ${verb}: request "${request.memo.requestId}" is ${request.memo.status}`);
    try {
      return await run();
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        const message = error.cause instanceof Error ? error.cause.message : `Cannot ${verb}`;
        throw new RequestStateError('not_allowed', message);
      }
      if (error instanceof WorkflowNotFoundError)
        throw new RequestStateError('invalid_status', `Cannot ${verb}: request "${request.memo.requestId}" has ended`);
      throw error;
    }
  };
  const appealHandle = (request: FoundRequest) => client.workflow.getHandle(appealWorkflowId(request.memo.requestId));

  return {
    /** Extends the time to answer, where the regime allows it; the person is mailed the new date and the reason. */
    async extend(request: FoundRequest, input: { reason: string }, by: Actor) {
      return update(request, 'extend', () => service.handle(request).executeUpdate(extendUpdate, { args: [{ ...input, by }] }));
    },

    /** Stops the clock, where the regime allows it (e.g. the UK's wait for a clarification). */
    async pause(request: FoundRequest, input: { ground: PauseGround; reason: string }, by: Actor) {
      return update(request, 'pause', () => service.handle(request).executeUpdate(pauseUpdate, { args: [{ ...input, by }] }));
    },

    async resume(request: FoundRequest, input: { reason?: string | undefined }, by: Actor) {
      return update(request, 'resume', () => service.handle(request).executeUpdate(resumeUpdate, { args: [{ ...input, by }] }));
    },

    /**
     * Refuses the request on a ground the law allows; the person is told why and where to complain (or
     * appeal). A reviewer's rejection of an export awaiting review is this too.
     */
    async deny(request: FoundRequest, input: { ground: DenialGround; reason: string }, by: Actor) {
      return update(request, 'deny', () => service.handle(request).executeUpdate(denyUpdate, { args: [{ ...input, by }] }));
    },

    /** Review before release: holds back a group or one item of it from the export, with the reason the person is told. */
    async withhold(request: FoundRequest, input: { group: string; item?: string | undefined; ground: WithholdGround; reason: string }, by: Actor) {
      allowed(by, 'review', 'withhold');
      return update(request, 'withhold', () => service.handle(request).executeUpdate(withholdUpdate, { args: [{ ...input, by }] }));
    },

    /** Review before release: the person's copy is built without what was withheld, and delivered. */
    async approve(request: FoundRequest, input: { note?: string | undefined }, by: Actor) {
      allowed(by, 'review', 'approve');
      return update(request, 'approve', () => service.handle(request).executeUpdate(approveUpdate, { args: [{ ...input, by }] }));
    },

    /** The appeal against a refusal, if the regime has appeals and the request was denied. */
    async appealOf(request: FoundRequest): Promise<AppealRecord | undefined> {
      if (request.memo.denial?.appealUntil === undefined) return undefined;
      try {
        const description = await appealHandle(request).describe();
        return description.memo?.record as AppealRecord | undefined;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },

    /** The person's appeal (from the link in the refusal's mail). */
    async appeal(request: FoundRequest, input: { statement?: string | undefined }) {
      return appealUpdateOf(request, 'appeal', () => appealHandle(request).executeUpdate(appealUpdate, { args: [input] }));
    },

    /** The team's decision on an appeal: upheld, or reversed (the request runs again). */
    async decideAppeal(request: FoundRequest, input: { decision: 'upheld' | 'reversed'; reason: string }, by: Actor) {
      return appealUpdateOf(request, 'decide the appeal', () => appealHandle(request).executeUpdate(decideAppealUpdate, { args: [{ ...input, by }] }));
    },

    /** Confirms a pending request without the person's key ("force", "erase now"). */
    async confirm(request: FoundRequest, by: Actor): Promise<void> {
      expect(request, 'confirm', by);
      await service.handle(request).signal(confirmSignal, { force: true, by });
    },

    /** Mails a fresh confirmation link; earlier links stop working. */
    async resend(request: FoundRequest, by: Actor): Promise<void> {
      expect(request, 'resend', by);
      await service.handle(request).signal(resendSignal, { by });
    },

    /** Cancels the request; who did it is recorded first (a cancellation carries no words of its own). */
    async cancel(request: FoundRequest, by: Actor): Promise<void> {
      expect(request, 'cancel', by);
      const handle = service.handle(request);
      await handle.signal(auditSignal, { action: 'cancel', by });
      await handle.cancel();
    },

    /** Closes a pending request as handled outside this tool, as WordPress's "Mark as completed". */
    async markCompleted(request: FoundRequest, by: Actor): Promise<void> {
      expect(request, 'complete', by);
      await service.handle(request).signal(markCompletedSignal, { by });
    },

    /** Deletes the export file now rather than at the end of its retention. */
    async deleteExport(request: FoundRequest, by: Actor): Promise<void> {
      allowed(by, 'delete-export', 'delete the export');
      await exportFile(request, 'delete the export');
      try {
        await service.cleanupHandle(request.memo.requestId).signal(deleteNowSignal, { by });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        throw new RequestStateError('already_deleted', `Cannot delete the export: the file of request "${request.memo.requestId}" was already deleted`, 410);
      }
    },

    /** Mails the person the download link of a finished export (e.g. one the admin downloaded first). */
    async emailExport(request: FoundRequest, by: Actor): Promise<void> {
      allowed(by, 'email-export', 'email the export');
      const file = await exportFile(request, 'email the export');
      const { memo } = request;
      const sentAt = new Date().toISOString();
      await client.workflow.start<typeof mailExportLink>('mailExportLink', {
        taskQueue: options.taskQueue,
        workflowId: `dsr-export-mail-${memo.requestId}-${Date.parse(sentAt)}`,
        args: [
          {
            requestId: memo.requestId,
            email: memo.email,
            file,
            expiresAt: memo.download?.expiresAt ?? sentAt,
            tag: sentAt,
            ...(memo.locale ? { locale: memo.locale } : {}),
            by,
          },
        ],
        staticSummary: `Mails the download link of export request ${memo.requestId}`,
      });
    },

    /**
     * Starts a new request like a failed one (same person, action and options). A failed export
     * resumes: the new request takes over its staged pages and skips what its exporters already
     * answered (see workflows/export-request.ts).
     */
    async retry(request: FoundRequest, by: Actor): Promise<FoundRequest> {
      allowed(by, 'retry', 'retry');
      const { memo } = request;
      if (!allows(memo, 'retry') && request.running) {
        throw new RequestStateError('invalid_status', `Cannot retry: request "${memo.requestId}" is ${memo.status}, not failed`);
      }
      const resumeFromRequest = memo.action === 'export' && memo.resumeFrom ? { requestId: memo.requestId, ...memo.resumeFrom } : undefined;
      return service.create({
        email: memo.email,
        action: memo.action,
        sendAsEmail: memo.sendAsEmail,
        // Confirmed once (by the person or an admin) stays confirmed: the failure was ours, not theirs.
        // A request that expired or was cancelled unconfirmed asks again.
        skipConfirmation: memo.confirmedAt !== undefined,
        dryRun: memo.dryRun,
        resumeFromRequest,
        locale: memo.locale,
        review: memo.review !== undefined,
        by,
        // The law's time runs on from the first receipt: a retry does not restart the clock.
        clock: memo.deadline ? reopenClock(memo.deadline, new Date().toISOString(), memo.requestId) : undefined,
      });
    },

    /**
     * Runs a completed erasure's erasers again (a backup was restored): its outcome is kept as the
     * next re-application record beside the receipt. One at a time per request.
     */
    async reapply(request: FoundRequest, input: { reason: string }, by: Actor): Promise<{ n: number; workflowId: string }> {
      allowed(by, 'reapply', REQUEST_OPERATIONS.reapply.verb);
      const { memo } = request;
      if (!allows(memo, 'reapply') || memo.dryRun) {
        const what = memo.dryRun ? 'a dry run' : memo.action === 'erase' ? memo.status : `an ${memo.action} request`;
        throw new RequestStateError('invalid_status', `Cannot reapply the erasure: request "${memo.requestId}" is ${what}, not a completed erasure`);
      }
      const records = await reapplications(options.store, memo.requestId);
      const previousSha256 = records.at(-1)?.sha256 ?? memo.receipt?.sha256;
      if (previousSha256 === undefined) {
        throw new RequestStateError('no_receipt', `Cannot reapply the erasure: request "${memo.requestId}" has no receipt to add to`);
      }
      return service.startReapply(memo, { n: records.length + 1, reason: input.reason, by, previousSha256 });
    },
  };
}

export type RequestActions = ReturnType<typeof createRequestActions>;
