/**
 * The Temporal surface of the request workflows: the signals and queries
 * the server sends them, the search attributes the list filters by, and the
 * inputs they start with. The request itself (actions, statuses, the memo)
 * is model/request.ts. No Node APIs here (workflow sandbox).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ManifestSnapshot } from '../manifest/snapshot.ts';
import type { Actor } from '../model/audit.ts';
import type { Appeal, RequestClock } from '../model/clock.ts';
import type { Review, WithholdGround } from '../model/review.ts';
import type { DenialGround, PauseGround } from '../model/grounds.ts';
import type { Locale } from '../model/locale.ts';
import type { EraserOutcome, ExporterPosition, ExportResumePoint, Progress, RequestAction, RequestMemo } from '../model/request.ts';

/** Confirms a pending request: with the key's hash (the mailed link) or by an admin (`force`). */
export const confirmSignal = defineSignal<[{ keyHash?: string; force?: boolean; by?: Actor }]>('confirm');
/** Sends a fresh confirmation link; earlier links stop working, as in WordPress. */
export const resendSignal = defineSignal<[{ by?: Actor }?]>('resend');
/** Closes a pending request as handled outside this tool (WordPress's "Mark as completed"). */
export const markCompletedSignal = defineSignal<[{ by?: Actor }?]>('markCompleted');
/** Deletes a delivered export file now instead of at the end of its retention. */
export const deleteNowSignal = defineSignal<[{ by?: Actor }?]>('deleteNow');
/**
 * Records who is about to act on the request and why, for what carries no words of its own (a
 * cancellation): the server sends it just before.
 */
export const auditSignal = defineSignal<[{ action: string; by: Actor; why?: string }]>('audit');
/**
 * A processor's final answer of a page it accepted for later, as its callback delivered it: the
 * server checked the callback's token (bound to request, plugin and page) and signature first.
 */
export const pluginAnswerSignal = defineSignal<[{ plugin: string; page: number; body: string }]>('pluginAnswer');
/** Live progress while exporters or erasers run. */
export const progressQuery = defineQuery<Progress>('progress');

/**
 * The legal clock's updates. Each has a validator that refuses what the regime forbids with the
 * rule that forbids it (model/clock.ts); the server answers such a refusal with 409.
 */
export const extendUpdate = defineUpdate<RequestClock, [{ reason: string; by?: Actor }]>('extend');
export const pauseUpdate = defineUpdate<RequestClock, [{ ground: PauseGround; reason: string; by?: Actor }]>('pause');
export const resumeUpdate = defineUpdate<RequestClock, [{ reason?: string | undefined; by?: Actor }]>('resume');
/** Refuses the request; a reviewer's rejection of a built export is one too. */
export const denyUpdate = defineUpdate<RequestMemo, [{ ground: DenialGround; reason: string; by?: Actor }]>('deny');

/** Review before release (model/review.ts): hold back a group or an item, with a reason. */
export const withholdUpdate = defineUpdate<Review, [{ group: string; item?: string | undefined; ground: WithholdGround; reason: string; by: Actor }]>(
  'withhold',
);
/** Review before release: release the export, less what was withheld. */
export const approveUpdate = defineUpdate<Review, [{ by: Actor; note?: string | undefined }]>('approve');
/** The person appeals a refusal (sent to the appeal's own workflow). */
export const appealUpdate = defineUpdate<Appeal, [{ statement?: string | undefined }]>('appeal');
/** The team decides an appeal. */
export const decideAppealUpdate = defineUpdate<Appeal, [{ decision: 'upheld' | 'reversed'; reason: string; by?: Actor }]>('decideAppeal');

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
  /** The legal clock as the request arrived (the server computes its first dates). */
  clock?: RequestClock;
  /** How long before a due date the team is reminded (REMINDER_OFFSETS). */
  reminderOffsetsMs?: number[];
  /** The language of the person's mails. */
  locale?: Locale;
  /** Who created it (absent: the person, through the public form). */
  createdBy?: Actor;
}

export interface ExportRequestInput extends RequestInputBase {
  retentionMs: number;
  /** Stop after the ZIP is built until a reviewer approves (model/review.ts). */
  review?: boolean;
  /** How long the staged pages of a failed export wait for a retry before they are deleted (default 24 h). */
  failedStagingRetentionMs?: number;
  /**
   * Set by an admin's retry of a failed export: take over that request's staged pages and carry on
   * where it stopped, if its staging is still there and the manifest is the same (else start over).
   */
  resumeFromRequest?: ExportResumePoint & { requestId: string };
  /** Set only by continue-as-new: where the previous run stopped. */
  resume?: ResumeState;
  /** How long a staging activity waits for its worker host before the host counts as lost (default 2 min). */
  stagingHostTimeoutMs?: number;
}

export interface EraseRequestInput extends RequestInputBase {
  /** Plan mode: erasers that support it report what they would erase; nothing changes. */
  dryRun: boolean;
  /** Set only by continue-as-new: where the previous run stopped. */
  resume?: EraseResumeState;
}

/** A completed erasure's erasers run again (e.g. after a backup was restored): `POST /api/requests/:id/reapply`. */
export interface ReapplyErasureInput {
  /** The completed erasure. */
  requestId: string;
  /** Its how-manieth re-application (1, 2, …): the record's name and the callbacks' id (model/request.ts). */
  n: number;
  email: string;
  by: Actor;
  /** Why, as the admin gave it (e.g. "backup of 2026-11-20 restored"). */
  reason: string;
  heartbeatTimeoutMs: number;
  batchBudgetMs?: number;
  /** Digest of the record before it (the receipt, or the previous re-application): the records form a chain. */
  previousSha256: string;
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
  /** The task queue of the worker host holding the staged pages (null: any worker, one shared disk; absent: not asked yet). */
  stagingQueue?: string | null;
  /** Where each exporter stands (absent in states written before exporters ran side by side: see `exporterIndex`). */
  exporters?: ExporterPosition[];
  /** The first exporter not done; those before it are. */
  exporterIndex: number;
  page: number;
  items: number;
  manifest: ManifestSnapshot;
}

export const DsrAction = defineSearchAttributeKey('DsrAction', SearchAttributeType.KEYWORD);
export const DsrStatus = defineSearchAttributeKey('DsrStatus', SearchAttributeType.KEYWORD);
export const DsrSubject = defineSearchAttributeKey('DsrSubject', SearchAttributeType.KEYWORD);
export const DsrRequestId = defineSearchAttributeKey('DsrRequestId', SearchAttributeType.KEYWORD);
/** When the answer is due: `DsrDueAt < "2026-12-01T00:00:00Z"` in the Temporal UI. */
export const DsrDueAt = defineSearchAttributeKey('DsrDueAt', SearchAttributeType.DATETIME);
/** Open and past its due date: `DsrOverdue = true` lists what the team must answer first. */
export const DsrOverdue = defineSearchAttributeKey('DsrOverdue', SearchAttributeType.BOOL);

/** Search attributes a cluster must have registered (the dev stack and the worker register them). */
export const SEARCH_ATTRIBUTES = [DsrAction, DsrStatus, DsrSubject, DsrRequestId, DsrDueAt, DsrOverdue] as const;

const DEV_SERVER_TYPES = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.DATETIME]: 'Datetime', [SearchAttributeType.BOOL]: 'Bool' } as const;

/** The same, as a dev server registers them at start (`--search-attribute NAME=Type`): npm start, the tests, the bench. */
export const DEV_SERVER_SEARCH_ATTRIBUTES = Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, DEV_SERVER_TYPES[key.type]]));

/** What a denied request's appeal workflow starts with. */
export interface AppealInput {
  /** The denied request. */
  requestId: string;
  email: string;
  action: RequestAction;
  /** The denied request's clock: its rules and time zone. */
  clock: RequestClock;
  appealUntil: string;
  reminderOffsetsMs?: number[];
  /** Where a reversal starts the request again: the denied request's own input. */
  original: ExportRequestInput | EraseRequestInput;
}

/** What the appeal's memo holds: the server reads it beside the denied request. */
export interface AppealRecord {
  requestId: string;
  appealUntil: string;
  appeal?: Appeal;
  /** After a reversal: the request that runs again (or why it could not start). */
  rerun?: { requestId?: string; refused?: string };
}
