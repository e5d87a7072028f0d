/**
 * The Temporal surface of the request workflows: the signals and queries
 * the server sends them, the search attributes the list filters by, and the
 * inputs they start with. The request itself (actions, statuses, the memo)
 * is model/request.ts. No Node APIs here (workflow sandbox).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ManifestSnapshot } from '../manifest/snapshot.ts';
import type { EraserOutcome, ExportResumePoint, Progress, RequestMemo } from '../model/request.ts';

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

export interface ResumeState {
  memo: RequestMemo;
  exporterIndex: number;
  page: number;
  items: number;
  manifest: ManifestSnapshot;
}

export const DsrAction = defineSearchAttributeKey('DsrAction', SearchAttributeType.KEYWORD);
export const DsrStatus = defineSearchAttributeKey('DsrStatus', SearchAttributeType.KEYWORD);
export const DsrSubject = defineSearchAttributeKey('DsrSubject', SearchAttributeType.KEYWORD);
export const DsrRequestId = defineSearchAttributeKey('DsrRequestId', SearchAttributeType.KEYWORD);

/** Search attributes a cluster must have registered (the dev stack and the worker register them). */
export const SEARCH_ATTRIBUTES = [DsrAction, DsrStatus, DsrSubject, DsrRequestId] as const;

/** The same, as a dev server registers them at start (`--search-attribute NAME=Keyword`): npm start, the tests, the bench. */
export const DEV_SERVER_SEARCH_ATTRIBUTES = Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, 'Keyword' as const]));
