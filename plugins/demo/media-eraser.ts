/**
 * Deletes the files uploaded by the account with this email, from the disk
 * and from `media` (WordPress core erases no media, docs/WORDPRESS.md#core-plugins). Paths
 * are relative to the database file's directory and must lie under the
 * entry's `permissions.write` (checked by `ctx.resolvePath`, links resolved);
 * a file already gone counts as deleted. Pages of `ctx.pageSize ?? 500`, each taking the next batch of
 * the account's files; journaled per request and page.
 *
 * Files go first, then the rows and the journal entry in one transaction: if
 * anything fails the rows stay, and the retried page deletes what is left.
 * (Rows first would leave files nobody can find once committed.)
 */
import { unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { erasedPage, type ErasePage, type PluginContext } from '../contract.ts';
import { PluginUnavailableError } from '../../lib/errors.ts';
import type { Database } from './schema.ts';
import { demoDbFor, findDemoUser } from './db.ts';
import { counted, erasePageOnce, nothingFound } from './journal.ts';

/** The name this eraser's pages are journaled under. */
export const PLUGIN_NAME = 'demo-media';

/**
 * Deletes one page of the demo user's media files.
 *
 * @throws {PluginUnavailableError} If a file exists but cannot be deleted (the page is rolled back).
 * @throws {PermissionError} If the database or a file is not under the entry's `permissions.write`.
 * @throws {RangeError} If `page` or the page size is not a positive integer.
 * @example await mediaEraser('alex.doe@example.com', 1, ctx);
 *   // → { items_removed: true, messages: ['Deleted 3 uploaded files.'], done: true, removed_count: 3, … }
 */
export default async function mediaEraser(email: string, page: number, ctx: PluginContext): Promise<ErasePage> {
  ctx.signal.throwIfAborted();
  const db = demoDbFor(ctx, 'write');
  return erasePageOnce(db, PLUGIN_NAME, page, ctx, {
    plan() {
      const user = findDemoUser(db, email);
      if (user === undefined) return nothingFound();
      const { n } = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM media WHERE user_id = ?').get(user.id) ?? { n: 0 };
      return erasedPage(n, n > 0 ? [`Would delete ${counted(n, 'uploaded file')}.`] : [], true);
    },
    erase(size) {
      const user = findDemoUser(db, email);
      if (user === undefined) return nothingFound();
      const rows = db
        .prepare<[number, number], { id: number; file_path: string }>('SELECT id, file_path FROM media WHERE user_id = ? ORDER BY id LIMIT ?')
        .all(user.id, size + 1);
      const remove = db.prepare<[number]>('DELETE FROM media WHERE id = ?');
      let deleted = 0;
      let missing = 0;
      for (const row of rows.slice(0, size)) {
        if (!_deleteFile(ctx, db, row.file_path)) missing++;
        deleted += remove.run(row.id).changes;
      }
      const gone = missing > 0 ? ` (${counted(missing, 'was', 'were')} already gone from the disk)` : '';
      return erasedPage(deleted, deleted > 0 ? [`Deleted ${counted(deleted, 'uploaded file')}${gone}.`] : [], rows.length <= size);
    },
  });
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/**
 * Deletes a media file; `false` if it was already gone.
 * @throws {PermissionError} If the file is not under the entry's `permissions.write` (the page is rolled back).
 */
function _deleteFile(ctx: PluginContext, db: Database, filePath: string): boolean {
  // Relative to the database's directory; an absolute path (in-memory seeds) stays as is.
  const path = ctx.resolvePath(resolve(dirname(db.name), filePath), 'write');
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new PluginUnavailableError(`Cannot delete media file "${path}": ${(error as Error).message}`, { cause: error });
  }
}
