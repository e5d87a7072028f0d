/**
 * The erasure receipt: a JSON document kept after the request that proves
 * what was done — who asked, when it was confirmed and by whom, what each
 * eraser removed and kept and why, with timestamps — and a SHA-256 digest of
 * it, also kept in the workflow, so a later change to the file shows. It
 * holds no erased data.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../storage/store.ts';
import type { AuditEntry } from '../model/audit.ts';
import { type RequestMemo, reapplyRunId } from '../model/request.ts';
import type { Review } from '../model/review.ts';

/** Who asked and when it was confirmed, by whom: the opening of every record kept of a request. */
interface RequestFacts {
  version: 1;
  requestId: string;
  requestedBy: string;
  requestedAt: string;
  confirmedAt: string | null;
  confirmedBy: 'person' | 'admin' | null;
}

/**
 * The release record of an export: what was released (file digest, items), what a reviewer held
 * back and why (item ids included: it is the organisation's record, not the person's copy), who
 * decided, and the request's audit trail. Kept like an erasure receipt, with its digest in the workflow.
 */
export interface ReleaseRecord {
  release: RequestFacts & {
    releasedAt: string;
    file: string | null;
    sha256: string | null;
    items: number | null;
    manifestDigest: string | null;
    review: { withheld: (Review['withheld'][number] & { items: number })[]; decision: Review['decision'] | null } | null;
    audit: AuditEntry[];
  };
  sha256: string;
}

export interface ErasureReceipt {
  receipt: RequestFacts & {
    completedAt: string | null;
    dryRun: boolean;
    manifestDigest: string | null;
    /** Who did what to the request, when and why. */
    audit: AuditEntry[];
    erasers: NonNullable<RequestMemo['erasure']>['erasers'];
    /** Recipients told of the erasure (GDPR Art. 19), when, and their acknowledgements. */
    notified: NonNullable<NonNullable<RequestMemo['erasure']>['notified']>;
    totals: NonNullable<RequestMemo['erasure']>['totals'] | null;
  };
  /** SHA-256 (hex) of `JSON.stringify(receipt)`. */
  sha256: string;
}

/**
 * A completed erasure run again (workflows/reapply-erasure.ts): who asked and why, what each eraser
 * found and erased this time, chained to the record before it by `previousSha256`.
 */
export interface ReapplicationRecord {
  reapplication: {
    version: 1;
    requestId: string;
    n: number;
    previousSha256: string;
    startedAt: string;
    completedAt: string | null;
    manifestDigest: string | null;
    audit: AuditEntry[];
    erasers: NonNullable<RequestMemo['erasure']>['erasers'];
    totals: NonNullable<RequestMemo['erasure']>['totals'] | null;
  };
  sha256: string;
}

export function receiptDigest(receipt: ErasureReceipt['receipt']): string {
  return createHash('sha256').update(JSON.stringify(receipt)).digest('hex');
}

/** What every record of a request starts with: who asked, when, and who confirmed. */
function requestFacts(memo: RequestMemo) {
  return {
    version: 1 as const,
    requestId: memo.requestId,
    requestedBy: memo.email,
    requestedAt: memo.createdAt,
    confirmedAt: memo.confirmedAt ?? null,
    confirmedBy: memo.confirmedBy ?? null,
  };
}

export function createReceiptActivities({ store }: { store: Store }) {
  /** Keeps `body` with its digest under the request's id, once: a retry gets the digest of the record kept first. */
  const keepOnce = async (requestId: string, key: 'receipt' | 'release' | 'reapplication', body: object): Promise<{ sha256: string }> => {
    const document = { [key]: body, sha256: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
    const kept = await store.receipts.writeOnce(requestId, `${JSON.stringify(document, null, 2)}\n`);
    return { sha256: (JSON.parse(kept) as { sha256: string }).sha256 };
  };
  return {
    /** Writes the receipt once; a retry returns the digest of the one already written. */
    async writeErasureReceipt({ memo }: { memo: RequestMemo }): Promise<{ sha256: string }> {
      const receipt: ErasureReceipt['receipt'] = {
        ...requestFacts(memo),
        completedAt: memo.completedAt ?? null,
        dryRun: memo.dryRun === true,
        manifestDigest: memo.manifestDigest ?? null,
        audit: memo.audit ?? [],
        erasers: memo.erasure?.erasers ?? [],
        notified: memo.erasure?.notified ?? [],
        totals: memo.erasure?.totals ?? null,
      };
      return keepOnce(memo.requestId, 'receipt', receipt);
    },

    /** Keeps the record of the `n`th re-application of an erasure once, beside its receipt. */
    async writeReapplication(input: { requestId: string; n: number; previousSha256: string; memo: RequestMemo }): Promise<{ sha256: string }> {
      const { memo } = input;
      const record: ReapplicationRecord['reapplication'] = {
        version: 1,
        requestId: input.requestId,
        n: input.n,
        previousSha256: input.previousSha256,
        startedAt: memo.createdAt,
        completedAt: memo.completedAt ?? null,
        manifestDigest: memo.manifestDigest ?? null,
        audit: memo.audit ?? [],
        erasers: memo.erasure?.erasers ?? [],
        totals: memo.erasure?.totals ?? null,
      };
      return keepOnce(reapplyRunId(input.requestId, input.n), 'reapplication', record);
    },

    /** Writes an export's release record once; a retry returns the digest of the one kept. */
    async writeReleaseRecord({ memo, withheldItems }: { memo: RequestMemo; withheldItems: readonly { items: number }[] }): Promise<{ sha256: string }> {
      const review = memo.review;
      const release: ReleaseRecord['release'] = {
        ...requestFacts(memo),
        releasedAt: new Date().toISOString(),
        file: memo.download?.file ?? null,
        sha256: memo.download?.sha256 ?? null,
        items: memo.items ?? null,
        manifestDigest: memo.manifestDigest ?? null,
        review: review
          ? { withheld: review.withheld.map((held, n) => ({ ...held, items: withheldItems[n]?.items ?? 0 })), decision: review.decision ?? null }
          : null,
        audit: memo.audit ?? [],
      };
      return keepOnce(memo.requestId, 'release', release);
    },
  };
}
