/**
 * What each admin action does and what the page says after it: one
 * request's buttons and the bulk actions of the list.
 */
import type { Actor } from '../../model/audit.ts';
import { REQUEST_ACTIONS } from '../../model/request.ts';
import type { RequestActions } from '../request-actions.ts';
import type { FoundRequest } from '../requests.ts';
import type { BulkAction } from './list-page.ts';

type Run = (actions: RequestActions, request: FoundRequest, by: Actor) => Promise<void>;

export const SINGLE: Record<string, { run: Run; done: (request: FoundRequest) => string } | undefined> = {
  confirm: {
    run: (a, r, by) => a.confirm(r, by),
    done: (r) => `Confirmed. The ${r.memo.dryRun ? 'dry run' : REQUEST_ACTIONS[r.memo.action].noun.toLowerCase()} is starting.`,
  },
  resend: { run: (a, r, by) => a.resend(r, by), done: () => 'A new confirmation email is on its way; earlier links no longer work.' },
  cancel: { run: (a, r, by) => a.cancel(r, by), done: () => 'Cancelling the request.' },
  complete: { run: (a, r, by) => a.markCompleted(r, by), done: () => 'Marked as completed.' },
  'delete-export': { run: (a, r, by) => a.deleteExport(r, by), done: () => 'The export file is being deleted.' },
  'email-export': { run: (a, r, by) => a.emailExport(r, by), done: (r) => `The download link is on its way to ${r.memo.email}.` },
};

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const BULK: Record<BulkAction, { run: Run; done: (n: number) => string; failed: (n: number) => string }> = {
  resend: {
    run: (a, r, by) => a.resend(r, by),
    done: (n) => `Confirmation email re-sent for ${plural(n, 'request')}.`,
    failed: (n) => `Cannot resend the confirmation email for ${plural(n, 'request')}:`,
  },
  'delete-export': {
    run: (a, r, by) => a.deleteExport(r, by),
    done: (n) => `Export file deleted for ${plural(n, 'request')}.`,
    failed: (n) => `Cannot delete the export file of ${plural(n, 'request')}:`,
  },
  complete: {
    run: (a, r, by) => a.markCompleted(r, by),
    done: (n) => `${plural(n, 'request')} marked as completed.`,
    failed: (n) => `Cannot mark ${plural(n, 'request')} as completed:`,
  },
};
