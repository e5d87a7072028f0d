/**
 * Deletes the session tokens of the account with this email (WordPress core
 * erases none, docs/WORDPRESS.md#core-plugins): the person is logged out everywhere and no
 * login IP or user agent is left. Pages of `ctx.pageSize ?? 500`, each taking
 * the next batch of the account's tokens; journaled per request and page. An
 * email without an account has no sessions.
 */
import { erasedPage, type ErasePage, type PluginContext } from '../contract.ts';
import { demoDbFor, findDemoUser } from './db.ts';
import { counted, erasePageOnce, nothingFound } from './journal.ts';

/** The name this eraser's pages are journaled under. */
export const PLUGIN_NAME = 'demo-sessions';

/**
 * Deletes one page of the demo user's session tokens.
 *
 * @throws {RangeError} If `page` or the page size is not a positive integer.
 * @example await sessionsEraser('alex.doe@example.com', 1, ctx);
 *   // → { items_removed: true, messages: ['Deleted 2 session tokens.'], done: true, removed_count: 2, … }
 */
export default async function sessionsEraser(email: string, page: number, ctx: PluginContext): Promise<ErasePage> {
  ctx.signal.throwIfAborted();
  const db = demoDbFor(ctx, 'write');
  return erasePageOnce(db, PLUGIN_NAME, page, ctx, {
    plan() {
      const user = findDemoUser(db, email);
      if (user === undefined) return nothingFound();
      const { n } = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM sessions WHERE user_id = ?').get(user.id) ?? { n: 0 };
      return erasedPage(n, n > 0 ? [`Would delete ${counted(n, 'session token')}.`] : [], true);
    },
    erase(size) {
      const user = findDemoUser(db, email);
      if (user === undefined) return nothingFound();
      const ids = db.prepare<[number, number], { id: number }>('SELECT id FROM sessions WHERE user_id = ? ORDER BY id LIMIT ?').all(user.id, size + 1);
      const remove = db.prepare<[number]>('DELETE FROM sessions WHERE id = ?');
      let deleted = 0;
      for (const { id } of ids.slice(0, size)) deleted += remove.run(id).changes;
      return erasedPage(deleted, deleted > 0 ? [`Deleted ${counted(deleted, 'session token')}.`] : [], ids.length <= size);
    },
  });
}
