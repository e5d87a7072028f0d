/**
 * The erasure receipt: a JSON document kept after the request that proves
 * what was done — who asked, when it was confirmed and by whom, what each
 * eraser removed and kept and why, with timestamps — and a SHA-256 digest of
 * it, also kept in the workflow, so a later change to the file shows. It
 * holds no erased data.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { StoragePaths } from '../lib/storage.ts';
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

export function createReceiptActivities({ paths }: { paths: StoragePaths }) {
  return {
    /** Writes the receipt once; a retry returns the digest of the one already written. */
    async writeErasureReceipt({ memo }: { memo: RequestMemo }): Promise<{ sha256: string }> {
      const file = paths.receipt(memo.requestId);
      const existing = await readFile(file, 'utf8').catch(() => undefined);
      if (existing !== undefined) return { sha256: (JSON.parse(existing) as ErasureReceipt).sha256 };
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
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, file);
      return { sha256: document.sha256 };
    },
  };
}
