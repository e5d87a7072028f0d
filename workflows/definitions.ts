/**
 * What the outside world can say to, and read from, a request workflow:
 * its messages, its inputs, and the memo the admin API reads. Shared by the
 * workflows and the server; no Node APIs here (workflow sandbox).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ManifestSnapshot } from '../manifest/snapshot.ts';

export type RequestAction = 'export';
/** WordPress's four statuses, plus `processing` while plugins run. */
export type RequestStatus = 'pending' | 'confirmed' | 'processing' | 'completed' | 'failed';

/** Confirms a pending request: with the key's hash (the mailed link) or by an admin (`force`). */
export const confirmSignal = defineSignal<[{ keyHash?: string; force?: boolean }]>('confirm');
/** Sends a fresh confirmation link; earlier links stop working, as in WordPress. */
export const resendSignal = defineSignal('resend');
/** Deletes a delivered export file now instead of at the end of its retention. */
export const deleteNowSignal = defineSignal('deleteNow');
/** Live progress while exporters run. */
export const progressQuery = defineQuery<Progress>('progress');

export interface Progress {
  status: RequestStatus;
  exportersTotal: number;
  exporter?: { index: number; key: string; name: string };
  page: number;
  items: number;
}

export interface ExportRequestInput {
  requestId: string;
  email: string;
  /** Keyed hash of the email: the only form of the person Temporal indexes. */
  subject: string;
  sendAsEmail: boolean;
  skipConfirmation: boolean;
  createdAt: string;
  confirmTtlMs: number;
  retentionMs: number;
  heartbeatTimeoutMs: number;
  /** Time one exporter activity may drain pages before reporting back (default 10 s). */
  batchBudgetMs?: number;
  /** Continue-as-new after this many exporter batches in one run; by default only when the server suggests it. */
  batchesPerRun?: number;
  /** Set only by continue-as-new: where the previous run stopped. */
  resume?: ResumeState;
}

export interface ResumeState {
  memo: RequestMemo;
  exporterIndex: number;
  page: number;
  items: number;
  manifest: ManifestSnapshot;
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
  completedAt?: string;
  /** SHA-256 of the current confirmation key; the key itself is only in the mail. */
  keyHash?: string;
  keyExpiresAt?: string;
  sendAsEmail: boolean;
  manifestDigest?: string;
  items?: number;
  download?: { file: string; bytes: number; sha256: string; expiresAt: string };
}

export const DsrAction = defineSearchAttributeKey('DsrAction', SearchAttributeType.KEYWORD);
export const DsrStatus = defineSearchAttributeKey('DsrStatus', SearchAttributeType.KEYWORD);
export const DsrSubject = defineSearchAttributeKey('DsrSubject', SearchAttributeType.KEYWORD);
export const DsrRequestId = defineSearchAttributeKey('DsrRequestId', SearchAttributeType.KEYWORD);

/** Search attributes a cluster must have registered (the dev stack and the worker register them). */
export const SEARCH_ATTRIBUTES = [DsrAction, DsrStatus, DsrSubject, DsrRequestId] as const;

/** Workflow ID: one running request per person and action, without the email in it. */
export function requestWorkflowId(action: RequestAction, subject: string): string {
  return `dsr-${action}-${subject}`;
}

/** Workflow ID of the child that deletes an export file at the end of its retention. */
export function cleanupWorkflowId(requestId: string): string {
  return `dsr-export-cleanup-${requestId}`;
}
