/**
 * Clears the account with this email (WordPress core leaves accounts to the
 * admin, docs/WORDPRESS.md#core-plugins): first and last name and website emptied, display
 * name "Deleted user", email `deleted-<id>@site.invalid`, login `deleted-<id>`,
 * and the account disabled. The row stays, so the orders kept for tax law
 * still point at an account. One page; journaled per request.
 *
 * Run it last: the session and media erasers find the account by its email.
 */
import { erasedPage, type ErasePage, type PluginContext } from '../contract.ts';
import { demoDbFor, findDemoUser } from './db.ts';
import { erasePageOnce, nothingFound } from './journal.ts';

/** The name this eraser's pages are journaled under. */
export const PLUGIN_NAME = 'demo-user';

/**
 * Clears and disables the demo user's account.
 *
 * @throws {RangeError} If `page` is not a positive integer.
 * @example await userEraser('alex.doe@example.com', 1, ctx);
 *   // → { items_removed: true, messages: ['Cleared the account’s personal details and disabled it.'], done: true, removed_count: 1, … }
 */
export default async function userEraser(email: string, page: number, ctx: PluginContext): Promise<ErasePage> {
  ctx.signal.throwIfAborted();
  const db = demoDbFor(ctx, 'write');
  return erasePageOnce(db, PLUGIN_NAME, page, ctx, {
    plan() {
      const user = findDemoUser(db, email);
      return user === undefined ? nothingFound() : erasedPage(1, ['Would clear the account\u2019s personal details and disable it.'], true);
    },
    erase() {
      const user = findDemoUser(db, email);
      if (user === undefined) return nothingFound();
      db.prepare<[string, string, number]>(`UPDATE users SET first_name = '', last_name = '', url = '',
        display_name = 'Deleted user', email = ?, login = ?, disabled = 1 WHERE id = ?`).run(`deleted-${user.id}@site.invalid`, `deleted-${user.id}`, user.id);
      return erasedPage(1, ['Cleared the account\u2019s personal details and disabled it.'], true);
    },
  });
}
