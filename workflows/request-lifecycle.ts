/**
 * What every request shares, export or erase: its record (kept in the memo,
 * so the API reads it without a worker), its status, and the confirmation
 * step — mail a link, wait for the click or an admin's force until the key
 * expires, send a fresh link (voiding the old one) on resend.
 */
import * as wf from '@temporalio/workflow';
import { recordAudit } from '../model/audit.ts';
import { isOpen, whyNotDeny } from '../model/clock.ts';
import { allows } from '../model/operations.ts';
import { DENIAL_GROUND_NAMES } from '../model/grounds.ts';
import { appealWorkflowId, type RequestAction, type RequestMemo, type RequestStatus } from '../model/request.ts';
import { quick, mail } from './activity-proxies.ts';
import { appealRequest } from './appeal-request.ts';
import {
  auditSignal,
  confirmSignal,
  DsrStatus,
  denyUpdate,
  type EraseRequestInput,
  type ExportRequestInput,
  markCompletedSignal,
  resendSignal,
} from './definitions.ts';
import { legalClock } from './legal-clock.ts';

export interface Lifecycle {
  readonly memo: RequestMemo;
  /** Records a new status (and reason) in the memo and the search attributes. */
  publish(status: RequestStatus, reason?: string): void;
  /**
   * Runs the confirmation step unless the request is confirmed already.
   * @returns false when the request ended instead: the key expired (`failed`, reason `expired`)
   *   or an admin marked it completed
   */
  confirmed(): Promise<boolean>;
  /**
   * Keeps a history small however many pages: when the server suggests it (or
   * after `input.batchesPerRun` batches, for tests), waits for message handlers
   * and continues as new with `next()` as the new run's input. Returns if not due.
   */
  continueAsNewIfDue<I>(batchesThisRun: number, next: () => I): Promise<void>;
  /**
   * Whether the history is due to continue as new after `batchesThisRun` batches (the test above, alone).
   * @param atLeast due from `batchesPerRun` on, not at exactly that count: batches side by side may pass it
   */
  continueAsNewDue(batchesThisRun: number, atLeast?: boolean): boolean;
  /** Waits for message handlers and continues as new with `next()` as the new run's input. */
  continueAsNew<I>(next: () => I): Promise<never>;
}

/** Reasons the engine itself writes; anything else (a plugin's words) stays out of operator-visible details. */
const SHOWN_REASONS = new Set(['expired', 'cancelled', 'marked completed by an admin', ...DENIAL_GROUND_NAMES.map((ground) => `denied: ${ground}`)]);

/** Registers the confirmation and clock handlers; call before the workflow's first await. */
export function requestLifecycle(input: ExportRequestInput | EraseRequestInput, action: RequestAction, resumed: RequestMemo | undefined): Lifecycle {
  const memo: RequestMemo = resumed ?? {
    requestId: input.requestId,
    email: input.email,
    action,
    status: 'pending',
    createdAt: input.createdAt,
    sendAsEmail: input.sendAsEmail,
    ...(input.clock ? { deadline: input.clock } : {}),
    ...(input.locale ? { locale: input.locale } : {}),
    ...('review' in input && input.review ? { review: { withheld: [] } } : {}),
  };
  if (!resumed) recordAudit(memo, input.createdBy, 'create');
  let linkGeneration = 0;
  const clock = legalClock(input, memo, action);
  /** Whether the clock runs beside the request yet (from its first step; its promise ends with the workflow, never awaited). */
  let clockStarted = false;

  const publish = (status: RequestStatus, reason?: string): void => {
    memo.status = status;
    if (reason !== undefined) memo.reason = reason;
    if (!isOpen(status)) clock.close();
    wf.upsertMemo({ record: memo });
    wf.upsertSearchAttributes([{ key: DsrStatus, value: status }]);
    // What operators read in the Temporal UI: the request's state, never the person.
    const shown = memo.reason && SHOWN_REASONS.has(memo.reason) ? ` (${memo.reason})` : '';
    wf.setCurrentDetails(`**${action}** request \`${input.requestId}\`: **${status}**${shown}`);
  };
  const confirm = (by: 'person' | 'admin'): void => {
    memo.confirmedAt = new Date().toISOString();
    memo.confirmedBy = by;
    publish('confirmed');
  };

  wf.setHandler(confirmSignal, ({ keyHash, force, by }) => {
    if (!allows(memo, 'confirm')) return; // repeat clicks and late links change nothing
    const keyValid = keyHash !== undefined && keyHash === memo.keyHash && Date.now() < Date.parse(memo.keyExpiresAt ?? '');
    if (force === true) {
      recordAudit(memo, by, 'confirm');
      confirm('admin');
    } else if (keyValid) confirm('person');
  });
  wf.setHandler(resendSignal, (args) => {
    if (!allows(memo, 'resend')) return;
    recordAudit(memo, args?.by, 'resend');
    linkGeneration++;
  });
  wf.setHandler(auditSignal, ({ action: what, by, why }) => {
    recordAudit(memo, by, what, why);
    wf.upsertMemo({ record: memo });
  });
  wf.setHandler(
    denyUpdate,
    async ({ ground, reason, by }) => {
      const at = new Date().toISOString();
      // A denial of an export awaiting review is its reviewer's rejection.
      if (memo.review && memo.status === 'reviewing') memo.review.decision = { decision: 'rejected', by: by ?? { name: 'unknown', role: 'admin' }, at };
      recordAudit(memo, by, memo.status === 'reviewing' ? 'reject' : 'deny', `${ground}: ${reason}`);
      memo.denial = { ground, reason, at };
      memo.deadline?.history.push({ at, event: 'denied', reason: `${ground}: ${reason}` });
      publish('denied', `denied: ${ground}`);
      const deadline = memo.deadline;
      const appeal = deadline?.rules.appeal;
      if (deadline !== undefined && appeal !== undefined) {
        memo.denial.appealUntil = await quick.daysAfter({ from: at, days: appeal.windowDays, timeZone: deadline.timeZone });
        wf.upsertMemo({ record: memo });
      }
      if (deadline !== undefined) {
        await mail.sendDenialMail({
          requestId: input.requestId,
          email: input.email,
          action,
          clock: deadline,
          ground,
          reason,
          appealUntil: memo.denial.appealUntil,
          locale: memo.locale,
        });
      }
      if (deadline !== undefined && memo.denial.appealUntil !== undefined) {
        // The appeal is a workflow of its own: this request ends now, so a new one for the person is accepted.
        await wf.startChild(appealRequest, {
          workflowId: appealWorkflowId(input.requestId),
          args: [
            {
              requestId: input.requestId,
              email: input.email,
              action,
              clock: deadline,
              appealUntil: memo.denial.appealUntil,
              ...(input.reminderOffsetsMs ? { reminderOffsetsMs: input.reminderOffsetsMs } : {}),
              original: input,
            },
          ],
          parentClosePolicy: 'ABANDON',
          staticSummary: `Appeal window of request ${input.requestId}`,
        });
      }
      return memo;
    },
    {
      validator: ({ ground, reason }) => {
        if (!(DENIAL_GROUND_NAMES as readonly string[]).includes(ground))
          throw new Error(`Cannot deny: the ground must be one of ${DENIAL_GROUND_NAMES.join(', ')}`);
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('Cannot deny: give the reasons the person will be told');
        const why = whyNotDeny(memo.status);
        if (why !== undefined) throw new Error(`Cannot deny: ${why}`);
      },
    },
  );
  wf.setHandler(markCompletedSignal, (args) => {
    if (!allows(memo, 'complete')) return;
    recordAudit(memo, args?.by, 'complete');
    memo.completedAt = new Date().toISOString();
    publish('completed', 'marked completed by an admin');
  });

  const continueAsNewDue = (batchesThisRun: number, atLeast = false): boolean =>
    wf.workflowInfo().continueAsNewSuggested ||
    (atLeast ? input.batchesPerRun !== undefined && batchesThisRun >= input.batchesPerRun : batchesThisRun === input.batchesPerRun);
  const continueAsNew = async <I>(next: () => I): Promise<never> => {
    await wf.condition(wf.allHandlersFinished);
    const continueAsNewWith = wf.makeContinueAsNewFunc<(input: I) => Promise<RequestMemo>>({
      memo: { record: memo },
      typedSearchAttributes: wf.workflowInfo().typedSearchAttributes,
    });
    return continueAsNewWith(next());
  };

  return {
    memo,
    publish,
    continueAsNewDue,
    continueAsNew,
    async continueAsNewIfDue<I>(batchesThisRun: number, next: () => I) {
      if (continueAsNewDue(batchesThisRun)) await continueAsNew(next);
    },
    async confirmed() {
      if (!clockStarted) {
        clockStarted = true;
        clock.run().catch(() => undefined); // run() never throws; the catch only satisfies the promise's owner
      }
      if (resumed) {
        publish(memo.status); // continue-as-new starts with a fresh memo
        return true;
      }
      clock.save();
      if (input.skipConfirmation) {
        confirm('admin');
        return true;
      }
      while (memo.status === 'pending') {
        const generation = linkGeneration;
        const expiresAt = new Date(Date.now() + input.confirmTtlMs).toISOString();
        // The hash is recorded before the mail goes out, so a click, however quick, finds it.
        const keyHash = await quick.confirmationKeyHash({ requestId: input.requestId, generation });
        // Denied or marked completed meanwhile: no link for a request that is over.
        if (memo.status !== 'pending') break;
        memo.keyHash = keyHash;
        memo.keyExpiresAt = expiresAt;
        publish(memo.status);
        await mail.sendConfirmationMail({ requestId: input.requestId, email: input.email, action, generation, expiresAt, locale: memo.locale });
        const settled = await wf.condition(() => memo.status !== 'pending' || linkGeneration !== generation, Date.parse(expiresAt) - Date.now());
        if (!settled) {
          // The admin's cancel came first when it reaches the workflow with the expiry (a worker that was away sees
          // both at once, the timer's resolution ahead): the request was cancelled, not left to expire.
          if (wf.CancellationScope.current().consideredCancelled) throw new wf.CancelledFailure('cancelled before the key expired');
          delete memo.keyHash; // an expired key can never confirm, as WordPress clears it
          publish('failed', 'expired');
          return false;
        }
      }
      if (memo.status === 'confirmed') return true;
      // Denied or marked completed: let the handler that ended it finish (its mail, the appeal's workflow).
      await wf.condition(wf.allHandlersFinished);
      return false;
    },
  };
}
