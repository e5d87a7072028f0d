/**
 * Exports the orders billed to this email (found by `billing_email`,
 * case-insensitively, so they are found with or without an account, and
 * after the account was erased: they are kept for tax law). One item
 * `order-<id>` each in group `orders`, empty values skipped. Pages of
 * `ctx.pageSize ?? 500` by ascending id; `done` once no rows follow the page.
 */
import type { ExportPage, PluginContext } from '../contract.ts';
import { demoDbFor, nonEmptyPairs, pageWindow } from './db.ts';

interface OrderRow {
  id: number;
  number: string;
  total_cents: number;
  currency: string;
  created_at: string;
  billing_name: string;
  billing_email: string;
}

/**
 * Exports one page of orders billed to this email.
 *
 * @throws {RangeError} If `page` or the page size is not a positive integer.
 * @example await ordersExporter('alex.doe@example.com', 1, ctx);
 *   // → { data: [{ item_id: 'order-1', data: [{ name: 'Order Number', value: 'WC-1001' }, { name: 'Total', value: '49.99 EUR' }, …] }, …], done: true }
 */
export default async function ordersExporter(email: string, page: number, ctx: PluginContext): Promise<ExportPage> {
  ctx.signal.throwIfAborted();
  const { size, limit, offset } = pageWindow(page, ctx.pageSize ?? 500);
  const address = email.trim();
  if (address === '') return { data: [], done: true };
  const rows = demoDbFor(ctx, 'read')
    .prepare<[string, number, number], OrderRow>(`SELECT id, number, total_cents, currency, created_at, billing_name, billing_email
      FROM orders WHERE billing_email = ? ORDER BY id LIMIT ? OFFSET ?`)
    .all(address, limit, offset);
  return {
    data: rows.slice(0, size).map((o) => ({
      group_id: 'orders',
      group_label: 'Orders',
      group_description: 'Orders and invoices, kept for tax law.',
      item_id: `order-${o.id}`,
      data: nonEmptyPairs([
        ['Order Number', o.number],
        ['Total', `${_amount(o.total_cents)} ${o.currency}`],
        ['Date', o.created_at],
        ['Billing Name', o.billing_name],
        ['Billing Email', o.billing_email],
      ]),
    })),
    done: rows.length <= size,
  };
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Cents as a decimal amount, without floating point: 4999 → '49.99', -5 → '-0.05'. */
function _amount(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
