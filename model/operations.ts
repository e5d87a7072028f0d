/**
 * What may be done to a request in each status: written once, read by the
 * admin API (which refuses the rest with 409), the admin pages (which show
 * only these buttons) and the workflows (whose signal handlers ignore the
 * rest, so a late or repeated signal changes nothing).
 */
import type { RequestAction, RequestStatus } from './request.ts';

export const REQUEST_OPERATIONS = {
  /** Confirm without the person's key: an admin's "confirm now" or "erase now". */
  confirm: { statuses: ['pending'], actions: ['export', 'erase'], verb: 'confirm the request' },
  resend: { statuses: ['pending'], actions: ['export', 'erase'], verb: 'resend the confirmation email' },
  /** WordPress's "Mark as completed": handled outside this tool. */
  complete: { statuses: ['pending'], actions: ['export', 'erase'], verb: 'mark the request completed' },
  cancel: { statuses: ['pending', 'confirmed', 'processing', 'reviewing'], actions: ['export', 'erase'], verb: 'cancel the request' },
  /** Review before release (model/review.ts): withhold, approve; rejecting is denying. */
  review: { statuses: ['reviewing'], actions: ['export'], verb: 'review the export' },
  /** A new request like a failed one. */
  retry: { statuses: ['failed'], actions: ['export', 'erase'], verb: 'retry' },
  'email-export': { statuses: ['completed'], actions: ['export'], verb: 'email the export' },
  'delete-export': { statuses: ['completed'], actions: ['export'], verb: 'delete the export' },
  /** Run a completed erasure's erasers again (e.g. after a backup was restored). */
  reapply: { statuses: ['completed'], actions: ['erase'], verb: 'reapply the erasure' },
} as const satisfies Record<string, { statuses: readonly RequestStatus[]; actions: readonly RequestAction[]; verb: string }>;

export type RequestOperation = keyof typeof REQUEST_OPERATIONS;

/** Whether a request of `action` in `status` allows `operation`. */
export function allows(request: { status: RequestStatus; action: RequestAction }, operation: RequestOperation): boolean {
  const rule = REQUEST_OPERATIONS[operation];
  return (rule.statuses as readonly RequestStatus[]).includes(request.status) && (rule.actions as readonly RequestAction[]).includes(request.action);
}
