/**
 * What the service keeps outside Temporal, behind one interface: export ZIPs
 * with their facts and, once deleted, their tombstones; erasure receipts;
 * the mail ledger. Activities and the server are given a `Store` and never
 * touch its files: the file system is the first implementation
 * (storage/file-store.ts); object storage can be the next, behind the same
 * calls. Staging (a request's SQLite file while its pages are collected) is
 * a local working file, not something kept, so it stays a path.
 */
import type { WriteSink } from '../lib/write-sink.ts';
import type { Actor } from '../model/audit.ts';

/** Facts about a built export, kept beside its ZIP so a retried build returns them without rebuilding. */
export interface StoredExport {
  file: string;
  bytes: number;
  sha256: string;
  items: number;
  groups: number;
  /** The request it answers: the download page reads the deletion date from it. Absent in facts written before. */
  requestId?: string;
  /** When the ZIP was finished (ISO 8601). */
  builtAt?: string;
  /** Groups the export holds that their exporter's `processing:` does not declare (drift), by plugin key. */
  undeclared?: { plugin: string; group: string; label: string; items: number }[];
  /** The ZIP holds processing.json (what is done with the data); the download page lists it. */
  processing?: boolean;
  /** The report's groups (About included) and their item counts: what a reviewer chooses from. */
  inventory?: { group: string; label: string; items: number }[];
  /** What a reviewer held back: items left out per withholding, in order. */
  withheld?: { group: string; label: string; items: number }[];
}

/** What is left of a deleted export: when it went, and whether before the end of its retention. */
export interface Tombstone {
  deletedAt: string;
  early: boolean;
  /** Who deleted it before its time (an admin's "delete now"). */
  by?: Actor;
}

/** A ZIP opened for download: its size now, its bytes when asked (or closed unread, e.g. for HEAD). */
export interface OpenedExport {
  bytes: number;
  body(): ReadableStream<Uint8Array>;
  close(): Promise<void>;
}

export interface ExportStore {
  /** Where the builder streams a new ZIP: it appears under `file` only once committed whole. */
  zipSink(file: string): Promise<WriteSink>;
  meta(file: string): Promise<StoredExport | undefined>;
  saveMeta(meta: StoredExport): Promise<void>;
  has(file: string): Promise<boolean>;
  /** The ZIP, opened before answering so one deleted meanwhile is `undefined`, never a broken stream. */
  open(file: string): Promise<OpenedExport | undefined>;
  /** Deletes the ZIP and its facts, leaving a tombstone (written first) so its link answers 410 Gone. */
  remove(file: string, tombstone: Tombstone): Promise<void>;
  tombstone(file: string): Promise<Tombstone | undefined>;
  /** One file inside a stored ZIP (a reviewer's preview of a draft), or undefined when either is missing. */
  entry(file: string, name: string): Promise<Uint8Array | undefined>;
}

export interface ReceiptStore {
  read(requestId: string): Promise<string | undefined>;
  /** Keeps `text` unless a receipt is kept already; returns the one kept. */
  writeOnce(requestId: string, text: string): Promise<string>;
}

export interface MailLedger {
  /**
   * Records that the mail of `key` is about to go out, unless it is recorded already.
   * @returns false when it was (sent, or claimed by an attempt that may have sent it)
   * @throws the store's error (e.g. ENOSPC) when the record cannot be written whole; nothing is left behind
   */
  claim(key: string, record: string): Promise<boolean>;
  /** Drops a claim whose mail is known not to have gone out, so a retry may send it. */
  release(key: string): Promise<void>;
}

export interface Store {
  exports: ExportStore;
  receipts: ReceiptStore;
  mailLedger: MailLedger;
  /** The working SQLite file of a request's staged pages. */
  stagingPath(requestId: string): string;
}
