/**
 * Who did what to a request, when and why: every admin action records an
 * entry in the request itself (its memo; the workflow's history holds the
 * update or signal that carried it, so the record cannot be rewritten).
 */

/** The named admin roles: an admin may do everything; a reviewer may review and approve, never delete or cancel. */
export const ADMIN_ROLES = ['admin', 'reviewer'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** Who acted: a named account, or the bootstrap token (`name` "admin token"). */
export interface Actor {
  name: string;
  role: AdminRole;
}

export interface AuditEntry {
  at: string;
  by: Actor;
  /** What was done: create, confirm, resend, complete, cancel, withhold, approve, reject, delete-export, email-export, reapply, extend, pause, resume, deny, decide-appeal. */
  action: string;
  /** Why, as the person acting gave it. */
  why?: string;
}

/** What a reviewer may not do: end a request or its export, or close it unanswered. */
const REVIEWER_MAY_NOT: readonly string[] = ['cancel', 'delete-export', 'complete', 'reapply'];

/** Whether `role` may do `operation` (model/operations.ts names, plus review). */
export function mayDo(role: AdminRole, operation: string): boolean {
  return role === 'admin' || !REVIEWER_MAY_NOT.includes(operation);
}

/** The bootstrap token's actor: there from the start, with every right. */
export const TOKEN_ACTOR: Actor = { name: 'admin token', role: 'admin' };

/** Appends who did `action` and why to the record's trail (in a workflow, `Date` is the workflow's clock). */
export function recordAudit(record: { audit?: AuditEntry[] }, by: Actor | undefined, action: string, why?: string): void {
  if (by === undefined) return; // the person, or an engine step: the rest of the record says so
  record.audit ??= [];
  record.audit.push({ at: new Date().toISOString(), by: { name: by.name, role: by.role }, action, ...(why ? { why } : {}) });
}
