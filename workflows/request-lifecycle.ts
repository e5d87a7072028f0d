/**
 * What every request shares, export or erase: its record (kept in the memo,
 * so the API reads it without a worker), its status, and the confirmation
 * step — mail a link, wait for the click or an admin's force until the key
 * expires, send a fresh link (voiding the old one) on resend.
 */
import * as wf from '@temporalio/workflow';
import { allows } from '../model/operations.ts';
import { quick, mail } from './activity-proxies.ts';
import type { RequestAction, RequestMemo, RequestStatus } from '../model/request.ts';
import { confirmSignal, DsrStatus, type RequestInputBase, markCompletedSignal, resendSignal } from './definitions.ts';

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
}

/** Reasons the engine itself writes; anything else (a plugin's words) stays out of operator-visible details. */
const SHOWN_REASONS = new Set(['expired', 'cancelled', 'marked completed by an admin']);

/** Registers the confirmation handlers; call before the workflow's first await. */
export function requestLifecycle(input: RequestInputBase, action: RequestAction, resumed: RequestMemo | undefined): Lifecycle {
  const memo: RequestMemo = resumed ?? {
    requestId: input.requestId,
    email: input.email,
    action,
    status: 'pending',
    createdAt: input.createdAt,
    sendAsEmail: input.sendAsEmail,
  };
  let linkGeneration = 0;

  const publish = (status: RequestStatus, reason?: string): void => {
    memo.status = status;
    if (reason !== undefined) memo.reason = reason;
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

  wf.setHandler(confirmSignal, ({ keyHash, force }) => {
    if (!allows(memo, 'confirm')) return; // repeat clicks and late links change nothing
    const keyValid = keyHash !== undefined && keyHash === memo.keyHash && Date.now() < Date.parse(memo.keyExpiresAt ?? '');
    if (force === true) confirm('admin');
    else if (keyValid) confirm('person');
  });
  wf.setHandler(resendSignal, () => {
    if (allows(memo, 'resend')) linkGeneration++;
  });
  wf.setHandler(markCompletedSignal, () => {
    if (!allows(memo, 'complete')) return;
    memo.completedAt = new Date().toISOString();
    publish('completed', 'marked completed by an admin');
  });

  return {
    memo,
    publish,
    async continueAsNewIfDue<I>(batchesThisRun: number, next: () => I) {
      if (!wf.workflowInfo().continueAsNewSuggested && batchesThisRun !== input.batchesPerRun) return;
      await wf.condition(wf.allHandlersFinished);
      const continueAsNew = wf.makeContinueAsNewFunc<(input: I) => Promise<RequestMemo>>({
        memo: { record: memo },
        typedSearchAttributes: wf.workflowInfo().typedSearchAttributes,
      });
      await continueAsNew(next());
    },
    async confirmed() {
      if (resumed) {
        publish(memo.status); // continue-as-new starts with a fresh memo
        return true;
      }
      if (input.skipConfirmation) {
        confirm('admin');
        return true;
      }
      while (memo.status === 'pending') {
        const generation = linkGeneration;
        const expiresAt = new Date(Date.now() + input.confirmTtlMs).toISOString();
        // The hash is recorded before the mail goes out, so a click, however quick, finds it.
        memo.keyHash = await quick.confirmationKeyHash({ requestId: input.requestId, generation });
        memo.keyExpiresAt = expiresAt;
        publish(memo.status);
        await mail.sendConfirmationMail({ requestId: input.requestId, email: input.email, action, generation, expiresAt });
        const settled = await wf.condition(() => memo.status !== 'pending' || linkGeneration !== generation, Date.parse(expiresAt) - Date.now());
        if (!settled) {
          delete memo.keyHash; // an expired key can never confirm, as WordPress clears it
          publish('failed', 'expired');
          return false;
        }
      }
      return memo.status === 'confirmed'; // not when an admin marked it completed instead
    },
  };
}
