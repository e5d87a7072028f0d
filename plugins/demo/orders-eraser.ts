/**
 * Keeps the orders billed to this email, and says why: invoices must be kept
 * for tax law, which GDPR Art. 17(3)(b) allows. Removes nothing; answers
 * `items_retained: true` with the number of orders and a message giving
 * `ctx.settings.reason`. Orders are found by `billing_email`
 * (case-insensitive), so they are still found after the account is cleared.
 * One page; journaled per request, so a retry reports the same count.
 */
import { erasedPage, type ErasePage, type PluginContext } from '../contract.ts';
import { ManifestError } from '../../lib/errors.ts';
import { demoDbFor } from './db.ts';
import { counted, erasePageOnce, nothingFound } from './journal.ts';

/** The name this eraser's pages are journaled under. */
export const PLUGIN_NAME = 'demo-orders';

/** Why the orders are kept, when `settings.reason` does not say. */
const DEFAULT_REASON = 'tax law requires us to keep invoices for 10 years (GDPR Art. 17(3)(b))';

/** The `settings` this eraser reads from its manifest entry (besides `database`). */
export interface OrdersEraserOptions {
  /** Why the orders are kept, as the end of a sentence. @default {@link DEFAULT_REASON} */
  reason?: string;
}

/**
 * Reports the demo person's orders as retained.
 *
 * @throws {ManifestError} If `settings.reason` is set but not a non-empty string.
 * @example await ordersEraser('alex.doe@example.com', 1, ctx);
 *   // → { items_removed: false, items_retained: true, retained_count: 2,
 *   //     messages: ['Kept 2 orders and their invoices: tax law requires us to keep invoices for 10 years (GDPR Art. 17(3)(b)).'], … }
 */
export default async function ordersEraser(email: string, page: number, ctx: PluginContext): Promise<ErasePage> {
  ctx.signal.throwIfAborted();
  const reason = _reason(ctx);
  const db = demoDbFor(ctx, 'write');
  const address = email.trim();
  const report = (mood: 'Kept' | 'Would keep'): ErasePage => {
    if (address === '') return nothingFound();
    const { n } = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM orders WHERE billing_email = ?').get(address) ?? { n: 0 };
    if (n === 0) return nothingFound();
    const end = /[.!?]$/.test(reason) ? '' : '.';
    return erasedPage(0, [`${mood} ${counted(n, 'order')} and their invoices: ${reason}${end}`], true, n);
  };
  return erasePageOnce(db, PLUGIN_NAME, page, ctx, { plan: () => report('Would keep'), erase: () => report('Kept') });
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function _reason(ctx: PluginContext): string {
  const setting = ctx.settings.reason;
  if (setting === undefined) return DEFAULT_REASON;
  if (typeof setting !== 'string' || setting.trim() === '') {
    throw new ManifestError(`Cannot report kept orders: settings.reason must be a non-empty sentence, got ${JSON.stringify(setting)}`);
  }
  return setting.trim();
}
