/**
 * The JSON shape of a request in the admin API.
 */
import type { AuditEntry } from '../model/audit.ts';
import type { DraftGroup, Review } from '../model/review.ts';
import type { Store } from '../storage/store.ts';
import { type ClockEvent, daysLeft, isOpen, isOverdue } from '../model/clock.ts';
import type { Progress, RequestMemo, RequestStatus } from '../model/request.ts';
import type { AppealRecord } from '../workflows/definitions.ts';
import { reapplications } from './downloads.ts';
import type { FoundRequest } from './requests.ts';

export interface ViewContext {
  publicUrl: string;
  store: Store;
  temporalUiUrl: string | undefined;
  namespace: string;
}

export interface RequestView {
  id: string;
  action: RequestMemo['action'];
  email: string;
  status: RequestStatus;
  reason?: string;
  createdAt: string;
  confirmedAt?: string;
  completedAt?: string;
  sendAsEmail: boolean;
  items?: number;
  /** Exports: groups the report holds that their exporter's `processing:` does not declare (drift). */
  undeclared?: RequestMemo['undeclared'];
  progress?: Progress;
  /** `deleted` (the file is gone) only in one request's view ({@link requestDetail}): lists do not look at the disk. */
  download?: { url: string; bytes: number; sha256: string; expiresAt: string; deleted?: boolean };
  confirmedBy?: 'person' | 'admin';
  dryRun?: boolean;
  erasure?: RequestMemo['erasure'];
  receipt?: { url: string; sha256: string };
  workflow: { id: string; runId: string; url?: string };
  /** In a list: this request's record cannot be decoded, and why (e.g. its key id is not in PAYLOAD_KEYS). */
  unreadable?: string;
  /** The legal clock: when the answer is due under which law, and what happened to the clock. */
  deadline?: DeadlineView;
  /** Review before release: the draft's groups while it waits, what was withheld and why, the decision. */
  review?: { groups?: DraftGroup[]; withheld: Review['withheld']; decision?: Review['decision'] };
  /** Who did what to the request, when and why. */
  audit?: AuditEntry[];
  /** A processor that took a page for later: what the request waits for, since and until when. */
  waiting?: NonNullable<RequestMemo['callbacks']>['waiting'];
  /** A completed erasure run again: each re-application's outcome ({@link requestDetail} only). */
  reapplications?: {
    n: number;
    startedAt: string;
    completedAt: string | null;
    by?: AuditEntry['by'];
    reason?: string;
    totals: NonNullable<RequestMemo['erasure']>['totals'] | null;
    erasers: NonNullable<RequestMemo['erasure']>['erasers'];
    sha256: string;
  }[];
  /** A refusal: its ground and reasons, the time to appeal, and the appeal ({@link requestDetail} only). */
  denial?: NonNullable<RequestMemo['denial']> & { appeal?: AppealRecord['appeal']; rerun?: AppealRecord['rerun'] };
}

export interface DeadlineView {
  regime: string;
  regimeName: string;
  receivedAt: string;
  /** Absent while a clock that starts at confirmation waits for it. */
  startedAt?: string;
  dueAt?: string;
  /** The due date an extension set. */
  extendedTo?: string;
  /** The latest due date the regime's extensions allow. */
  maxDueAt?: string;
  extensions: number;
  /** Extensions the regime still allows. */
  extensionsLeft: number;
  acknowledgeBy?: string;
  acknowledgedAt?: string;
  pausedSince?: string;
  pauseGround?: string;
  pausedDays: number;
  /** Open, unpaused and past its due date. */
  overdue: boolean;
  /** Whole days to the due date (negative once past); absent before the clock starts or once closed. */
  daysLeft?: number;
  closedAt?: string;
  closedOnDay?: number;
  onTime?: boolean;
  history: ClockEvent[];
}

/** The clock as the API shows it, at `nowMs`. */
export function deadlineView(clock: NonNullable<RequestMemo['deadline']>, nowMs: number, status: RequestStatus): DeadlineView {
  const { dates } = clock;
  const open = clock.closedAt === undefined && isOpen(status);
  const left = open ? daysLeft(clock, nowMs) : undefined;
  return {
    regime: clock.regime,
    regimeName: clock.rules.name,
    receivedAt: clock.receivedAt,
    ...(dates ? { startedAt: dates.startedAt, dueAt: dates.dueAt, maxDueAt: dates.maxDueAt } : {}),
    ...(dates && clock.extensions > 0 ? { extendedTo: dates.dueAt } : {}),
    extensions: clock.extensions,
    extensionsLeft: Math.max((clock.rules.extension?.times ?? 0) - clock.extensions, 0),
    ...(clock.acknowledgeBy ? { acknowledgeBy: clock.acknowledgeBy } : {}),
    ...(clock.acknowledgedAt ? { acknowledgedAt: clock.acknowledgedAt } : {}),
    ...(clock.pausedSince ? { pausedSince: clock.pausedSince } : {}),
    ...(clock.pauseGround ? { pauseGround: clock.pauseGround } : {}),
    pausedDays: clock.pausedDays,
    overdue: open && isOverdue(clock, nowMs),
    ...(left === undefined ? {} : { daysLeft: left }),
    ...(clock.closedAt ? { closedAt: clock.closedAt } : {}),
    ...(clock.closedOnDay === undefined ? {} : { closedOnDay: clock.closedOnDay }),
    ...(clock.onTime === undefined ? {} : { onTime: clock.onTime }),
    history: clock.history,
  };
}

/** A request as a list shows it (and progress.json): from the memo only, without touching the disk. */
export function requestView(request: FoundRequest, context: ViewContext, progress?: Progress): RequestView {
  const { memo } = request;
  // A workflow an operator terminated never wrote its last status: say so rather than "processing" forever.
  const abandoned = !request.running && isOpen(memo.status);
  const view: RequestView = {
    id: memo.requestId,
    action: memo.action,
    email: memo.email,
    status: abandoned ? 'failed' : memo.status,
    createdAt: memo.createdAt,
    sendAsEmail: memo.sendAsEmail,
    workflow: {
      id: request.workflowId,
      runId: request.runId,
      ...(context.temporalUiUrl
        ? {
            url: `${context.temporalUiUrl}/namespaces/${encodeURIComponent(context.namespace)}/workflows/${encodeURIComponent(request.workflowId)}/${encodeURIComponent(request.runId)}/history`,
          }
        : {}),
    },
  };
  if (request.unreadable !== undefined) view.unreadable = request.unreadable;
  const reason = abandoned ? `workflow ${request.temporalStatus.toLowerCase()}` : memo.reason;
  if (reason !== undefined) view.reason = reason;
  if (memo.confirmedAt) view.confirmedAt = memo.confirmedAt;
  if (memo.completedAt) view.completedAt = memo.completedAt;
  if (memo.items !== undefined) view.items = memo.items;
  if (memo.undeclared?.length) view.undeclared = memo.undeclared;
  if (progress) view.progress = progress;
  if (memo.confirmedBy) view.confirmedBy = memo.confirmedBy;
  if (memo.dryRun !== undefined) view.dryRun = memo.dryRun;
  if (memo.erasure) view.erasure = memo.erasure;
  if (memo.receipt) view.receipt = { url: `${context.publicUrl}/api/requests/${memo.requestId}/receipt`, sha256: memo.receipt.sha256 };
  if (memo.deadline) view.deadline = deadlineView(memo.deadline, Date.now(), view.status);
  if (memo.denial) view.denial = memo.denial;
  if (memo.review) {
    const { draft, withheld, decision } = memo.review;
    view.review = { ...(draft ? { groups: draft.groups } : {}), withheld, ...(decision ? { decision } : {}) };
  }
  if (memo.audit?.length) view.audit = memo.audit;
  if (memo.callbacks?.waiting && isOpen(view.status)) view.waiting = memo.callbacks.waiting;
  if (memo.download) {
    view.download = {
      url: `${context.publicUrl}/exports/${memo.download.file}`,
      bytes: memo.download.bytes,
      sha256: memo.download.sha256,
      expiresAt: memo.download.expiresAt,
    };
  }
  return view;
}

/** One request as the API answers it and its admin page shows it: {@link requestView}, and whether its export file is gone. */
export async function requestDetail(request: FoundRequest, context: ViewContext, progress?: Progress, appeal?: AppealRecord): Promise<RequestView> {
  const view = requestView(request, context, progress);
  if (view.denial && appeal) {
    view.denial = { ...view.denial, ...(appeal.appeal ? { appeal: appeal.appeal } : {}), ...(appeal.rerun ? { rerun: appeal.rerun } : {}) };
  }
  const file = request.memo.download?.file;
  if (view.download && file) {
    view.download.deleted = !(await context.store.exports.has(file));
    // Deleted by an admin after the request closed: the tombstone says who, and the trail shows it.
    const tombstone = view.download.deleted ? await context.store.exports.tombstone(file) : undefined;
    if (tombstone?.by) view.audit = [...(view.audit ?? []), { at: tombstone.deletedAt, by: tombstone.by, action: 'delete-export' }];
  }
  if (request.memo.action === 'erase' && request.memo.receipt) {
    const again = await reapplications(context.store, request.memo.requestId);
    if (again.length > 0) {
      view.reapplications = again.map(({ reapplication: r, sha256 }) => ({
        n: r.n,
        startedAt: r.startedAt,
        completedAt: r.completedAt,
        ...(r.audit[0] ? { by: r.audit[0].by, reason: r.audit[0].why ?? '' } : {}),
        totals: r.totals,
        erasers: r.erasers,
        sha256,
      }));
      // Who ran it again, and why, belongs to the request's trail too.
      view.audit = [...(view.audit ?? []), ...again.flatMap(({ reapplication: r }) => r.audit)];
    }
  }
  return view;
}
