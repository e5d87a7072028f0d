/**
 * Where files live under STORAGE_DIR. Staging and exports hold personal
 * data, so directories are owner-only and names are unguessable tokens.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** An export file name: a 256-bit token, never the email. */
export const EXPORT_FILE_PATTERN = /^dsr-export-[A-Za-z0-9_-]{43}\.zip$/;

/** A reviewer's draft of an export: beside the exports, never matching their pattern, so never served to the person. */
export const DRAFT_FILE_PREFIX = 'dsr-draft-';

export interface StoragePaths {
  root: string;
  staging(requestId: string): string;
  exportFile(file: string): string;
  /** Written when an export is deleted, so its link answers 410 Gone rather than 404. */
  tombstone(file: string): string;
  /** Facts about a built export, so a retried build returns them without rebuilding. */
  exportMeta(file: string): string;
  mailLedger(idempotencyHash: string): string;
  /** The proof of an erasure, kept after the request. */
  receipt(requestId: string): string;
}

export function storagePaths(storageDir: string): StoragePaths {
  const root = resolve(storageDir);
  return {
    root,
    staging: (requestId) => join(root, 'staging', `${requestId}.sqlite`),
    exportFile: (file) => join(root, 'exports', file),
    tombstone: (file) => join(root, 'exports', `${file}.deleted`),
    exportMeta: (file) => join(root, 'exports', `${file}.meta.json`),
    mailLedger: (hash) => join(root, 'mail-ledger', hash),
    receipt: (requestId) => join(root, 'receipts', `${requestId}.json`),
  };
}

/** Creates the storage directories, owner-only. */
export async function ensureStorage(paths: StoragePaths): Promise<void> {
  for (const dir of ['staging', 'exports', 'mail-ledger', 'receipts']) {
    await mkdir(join(paths.root, dir), { recursive: true, mode: 0o700 });
  }
}
