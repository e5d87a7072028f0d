/**
 * The JSON shape of a request in the admin API.
 */
import type { Store } from '../storage/store.ts';
import type { Progress, RequestMemo, RequestStatus } from '../model/request.ts';
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
}

/** A request as a list shows it (and progress.json): from the memo only, without touching the disk. */
export function requestView(request: FoundRequest, context: ViewContext, progress?: Progress): RequestView {
  const { memo } = request;
  // A workflow an operator terminated never wrote its last status: say so rather than "processing" forever.
  const abandoned = !request.running && memo.status !== 'completed' && memo.status !== 'failed';
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
  if (progress) view.progress = progress;
  if (memo.confirmedBy) view.confirmedBy = memo.confirmedBy;
  if (memo.dryRun !== undefined) view.dryRun = memo.dryRun;
  if (memo.erasure) view.erasure = memo.erasure;
  if (memo.receipt) view.receipt = { url: `${context.publicUrl}/api/requests/${memo.requestId}/receipt`, sha256: memo.receipt.sha256 };
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
export async function requestDetail(request: FoundRequest, context: ViewContext, progress?: Progress): Promise<RequestView> {
  const view = requestView(request, context, progress);
  const file = request.memo.download?.file;
  if (view.download && file) {
    view.download.deleted = !(await context.store.exports.has(file));
  }
  return view;
}
