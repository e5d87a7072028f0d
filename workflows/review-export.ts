/**
 * Review before release (model/review.ts), as the export workflow runs it:
 * the draft is built and the request waits in `reviewing` — the person gets
 * nothing, the legal clock keeps running — while a reviewer withholds groups
 * or items and then approves (the released copy is built without them) or
 * rejects (a denial, request-lifecycle.ts). Handlers are registered at the
 * start; their validators refuse everything outside the review.
 */
import * as wf from '@temporalio/workflow';
import { recordAudit } from '../model/audit.ts';
import type { RequestMemo, RequestStatus } from '../model/request.ts';
import { type DraftGroup, WITHHOLD_GROUND_NAMES, whyNotRelease, whyNotWithhold } from '../model/review.ts';
import { approveUpdate, withholdUpdate } from './definitions.ts';

export interface ExportReview {
  /** Records the draft and waits for the decision. @returns true when approved, false when the request ended otherwise (rejected) */
  decided(draft: { file: string; groups: DraftGroup[] }): Promise<boolean>;
}

const MAX_REASON = 2000;

export function exportReview(memo: RequestMemo, publish: (status: RequestStatus) => void): ExportReview {
  wf.setHandler(
    withholdUpdate,
    ({ group, item, ground, reason, by }) => {
      const review = memo.review as NonNullable<RequestMemo['review']>;
      const at = new Date().toISOString();
      review.withheld.push({ group, ...(item ? { item } : {}), ground, reason: reason.trim(), by: { name: by.name, role: by.role }, at });
      recordAudit(memo, by, 'withhold', `${item ? `item ${item} of ` : ''}${group}: ${ground}: ${reason.trim()}`);
      wf.upsertMemo({ record: memo });
      return review;
    },
    {
      validator: ({ group, item, ground, reason, by }) => {
        if (typeof by?.name !== 'string') throw new Error('Cannot withhold: say who withholds');
        if (!(WITHHOLD_GROUND_NAMES as readonly string[]).includes(ground)) {
          throw new Error(`Cannot withhold: the ground must be one of ${WITHHOLD_GROUND_NAMES.join(', ')}`);
        }
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('Cannot withhold: give the reason the person will be told');
        if (reason.length > MAX_REASON) throw new Error(`Cannot withhold: the reason is at most ${MAX_REASON} characters`);
        const why = whyNotWithhold(memo.status, memo.review, group, item === '' ? undefined : item);
        if (why !== undefined) throw new Error(`Cannot withhold: ${why}`);
      },
    },
  );
  wf.setHandler(
    approveUpdate,
    ({ by, note }) => {
      const review = memo.review as NonNullable<RequestMemo['review']>;
      review.decision = { decision: 'approved', by: { name: by.name, role: by.role }, at: new Date().toISOString(), ...(note ? { note } : {}) };
      recordAudit(memo, by, 'approve', note);
      wf.upsertMemo({ record: memo });
      return review;
    },
    {
      validator: ({ by }) => {
        if (typeof by?.name !== 'string') throw new Error('Cannot approve: say who approves');
        const why = whyNotRelease(memo.status, memo.review);
        if (why !== undefined) throw new Error(`Cannot approve: ${why}`);
      },
    },
  );

  return {
    async decided(draft) {
      const review = memo.review as NonNullable<RequestMemo['review']>;
      review.draft = { file: draft.file, groups: draft.groups, builtAt: new Date().toISOString() };
      publish('reviewing');
      await wf.condition(() => review.decision !== undefined || memo.status !== 'reviewing');
      if (review.decision?.decision === 'approved') return true;
      // Rejected (denied): let the denial's handler finish its mail and appeal first.
      await wf.condition(wf.allHandlersFinished);
      return false;
    },
  };
}
