/**
 * What the outside world can say to, and read from, a request workflow:
 * its messages, its inputs, and the memo the admin API reads. Shared by the
 * workflows and the server; no Node APIs here (workflow sandbox).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ManifestSnapshot } from '../manifest/snapshot.ts';

export type RequestAction = 'export' | 'erase';
/** WordPress's four statuses, plus `processing` while plugins run; in the order the admin list and the API show them. */
export const REQUEST_STATUSES = ['pending', 'confirmed', 'processing', 'completed', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Confirms a pending request: with the key's hash (the mailed link) or by an admin (`force`). */
export const confirmSignal = defineSignal<[{ keyHash?: string; force?: boolean }]>('confirm');
/** Sends a fresh confirmation link; earlier links stop working, as in WordPress. */
export const resendSignal = defineSignal('resend');
/** Closes a pending request as handled outside this tool (WordPress's "Mark as completed"). */
export const markCompletedSignal = defineSignal('markCompleted');
/** Deletes a delivered export file now instead of at the end of its retention. */
export const deleteNowSignal = defineSignal('deleteNow');
/** Live progress while exporters or erasers run. */
export const progressQuery = defineQuery<Progress>('progress');

export interface Progress {
  status: RequestStatus;
  /** How many exporters (or erasers) the manifest snapshot lists. */
  pluginsTotal: number;
  /** The one at work now. */
  plugin?: { index: number; key: string; name: string };
  page: number;
  /** Items exported so far (exports) or removed so far (erasures). */
  items: number;
  /** While the ZIP is written: items written to export.json, of how many. */
  zip?: { written: number; total: number };
  /** While a plugin's or the ZIP's activity is being retried: the attempt under way and what the last one failed with. */
  retry?: { attempt: number; errorType: string };
}

/** What every request workflow starts with. */
export interface RequestInputBase {
  requestId: string;
  email: string;
  /** Keyed hash of the email: the only form of the person Temporal indexes. */
  subject: string;
  sendAsEmail: boolean;
  skipConfirmation: boolean;
  createdAt: string;
  confirmTtlMs: number;
  heartbeatTimeoutMs: number;
  /** Time one exporter activity may drain pages before reporting back (default 10 s). */
  batchBudgetMs?: number;
  /** Continue-as-new after this many exporter batches in one run; by default only when the server suggests it. */
  batchesPerRun?: number;
}

export interface ExportRequestInput extends RequestInputBase {
  retentionMs: number;
  /** How long the staged pages of a failed export wait for a retry before they are deleted (default 24 h). */
  failedStagingRetentionMs?: number;
  /**
   * Set by an admin's retry of a failed export: take over that request's staged pages and carry on
   * where it stopped, if its staging is still there and the manifest is the same (else start over).
   */
  resumeFromRequest?: ExportResumePoint & { requestId: string };
  /** Set only by continue-as-new: where the previous run stopped. */
  resume?: ResumeState;
}

export interface EraseRequestInput extends RequestInputBase {
  /** Plan mode: erasers that support it report what they would erase; nothing changes. */
  dryRun: boolean;
  /** Set only by continue-as-new: where the previous run stopped. */
  resume?: EraseResumeState;
}

export interface EraseResumeState {
  memo: RequestMemo;
  manifest: ManifestSnapshot;
  eraserIndex: number;
  page: number;
  outcomes: EraserOutcome[];
}

/** What pages of an eraser added up to: one batch's, or a whole eraser's. */
export interface EraseCounts {
  pages: number;
  itemsRemoved: boolean;
  itemsRetained: boolean;
  /** Counts, where the eraser reports them. */
  removed: number;
  retained: number;
  /** Its messages in order, e.g. what was kept and why. */
  messages: string[];
}

/** What one eraser did (or, in a dry run, would do). */
export interface EraserOutcome extends EraseCounts {
  key: string;
  name: string;
  /** Messages beyond the first few hundred, counted rather than kept. */
  messagesOmitted?: number;
  startedAt: string;
  finishedAt?: string;
  /** Why it did not run, e.g. no plan mode in a dry run. */
  skipped?: string;
}

export interface ErasureReport {
  erasers: EraserOutcome[];
  totals: { itemsRemoved: boolean; itemsRetained: boolean; removed: number; retained: number };
}

export interface ResumeState {
  memo: RequestMemo;
  exporterIndex: number;
  page: number;
  items: number;
  manifest: ManifestSnapshot;
}

/** Where a failed export stopped: its staged pages up to here are kept for a retry. */
export interface ExportResumePoint {
  /** The exporter that failed (its position in the manifest snapshot). */
  exporterIndex: number;
  /** Its first page not yet staged. */
  page: number;
  /** Items staged so far. */
  items: number;
  /** The manifest snapshot the pages were staged with; a retry resumes only with the same one. */
  manifestDigest: string;
}

/** The request's record, kept in the workflow memo so the API can read it without a worker. */
export interface RequestMemo {
  requestId: string;
  email: string;
  action: RequestAction;
  status: RequestStatus;
  reason?: string;
  createdAt: string;
  confirmedAt?: string;
  /** Who confirmed: the person through the mailed link, or an admin. */
  confirmedBy?: 'person' | 'admin';
  completedAt?: string;
  /** SHA-256 of the current confirmation key; the key itself is only in the mail. */
  keyHash?: string;
  keyExpiresAt?: string;
  sendAsEmail: boolean;
  manifestDigest?: string;
  /** A failed export: where it stopped; a retry resumes there (see ExportRequestInput.resumeFromRequest). */
  resumeFrom?: ExportResumePoint;
  /** A retry that resumed: the failed request whose staged pages it took over. */
  resumedFrom?: string;
  items?: number;
  download?: { file: string; bytes: number; sha256: string; expiresAt: string };
  /** Erasures: a plan only, nothing changed. */
  dryRun?: boolean;
  erasure?: ErasureReport;
  /** Erasures: the proof kept after the request (see activities/receipts.ts). */
  receipt?: { sha256: string };
}

export const DsrAction = defineSearchAttributeKey('DsrAction', SearchAttributeType.KEYWORD);
export const DsrStatus = defineSearchAttributeKey('DsrStatus', SearchAttributeType.KEYWORD);
export const DsrSubject = defineSearchAttributeKey('DsrSubject', SearchAttributeType.KEYWORD);
export const DsrRequestId = defineSearchAttributeKey('DsrRequestId', SearchAttributeType.KEYWORD);

/** Search attributes a cluster must have registered (the dev stack and the worker register them). */
export const SEARCH_ATTRIBUTES = [DsrAction, DsrStatus, DsrSubject, DsrRequestId] as const;

/** The same, as a dev server registers them at start (`--search-attribute NAME=Keyword`): npm start, the tests, the bench. */
export const DEV_SERVER_SEARCH_ATTRIBUTES = Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, 'Keyword' as const]));

/** Workflow ID: one running request per person and action, without the email in it. */
export function requestWorkflowId(action: RequestAction, subject: string): string {
  return `dsr-${action}-${subject}`;
}

/** Workflow ID of the child that deletes an export file at the end of its retention. */
export function cleanupWorkflowId(requestId: string): string {
  return `dsr-export-cleanup-${requestId}`;
}

/** Workflow ID of the child that deletes the staged pages of a failed export nobody retried. */
export function stagingCleanupWorkflowId(requestId: string): string {
  return `dsr-staging-cleanup-${requestId}`;
}
