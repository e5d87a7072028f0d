/**
 * The erasure receipt: a JSON document kept after the request that proves
 * what was done — who asked, when it was confirmed and by whom, what each
 * eraser removed and kept and why, with timestamps — and a SHA-256 digest of
 * it, also kept in the workflow, so a later change to the file shows. It
 * holds no erased data.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../storage/store.ts';
import type { RequestMemo } from '../model/request.ts';

export interface ErasureReceipt {
  receipt: {
    version: 1;
    requestId: string;
    requestedBy: string;
    requestedAt: string;
    confirmedAt: string | null;
    confirmedBy: 'person' | 'admin' | null;
    completedAt: string | null;
    dryRun: boolean;
    manifestDigest: string | null;
    erasers: NonNullable<RequestMemo['erasure']>['erasers'];
    totals: NonNullable<RequestMemo['erasure']>['totals'] | null;
  };
  /** SHA-256 (hex) of `JSON.stringify(receipt)`. */
  sha256: string;
}

export function receiptDigest(receipt: ErasureReceipt['receipt']): string {
  return createHash('sha256').update(JSON.stringify(receipt)).digest('hex');
}

export function createReceiptActivities({ store }: { store: Store }) {
  return {
    /** Writes the receipt once; a retry returns the digest of the one already written. */
    async writeErasureReceipt({ memo }: { memo: RequestMemo }): Promise<{ sha256: string }> {
      const receipt: ErasureReceipt['receipt'] = {
        version: 1,
        requestId: memo.requestId,
        requestedBy: memo.email,
        requestedAt: memo.createdAt,
        confirmedAt: memo.confirmedAt ?? null,
        confirmedBy: memo.confirmedBy ?? null,
        completedAt: memo.completedAt ?? null,
        dryRun: memo.dryRun === true,
        manifestDigest: memo.manifestDigest ?? null,
        erasers: memo.erasure?.erasers ?? [],
        totals: memo.erasure?.totals ?? null,
      };
      const document: ErasureReceipt = { receipt, sha256: receiptDigest(receipt) };
      // A retry finds the receipt kept by the first attempt and returns its digest.
      const kept = await store.receipts.writeOnce(memo.requestId, `${JSON.stringify(document, null, 2)}\n`);
      return { sha256: (JSON.parse(kept) as ErasureReceipt).sha256 };
    },
  };
}
