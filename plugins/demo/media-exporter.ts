/**
 * Demo port of WordPress's `wordpress-media` exporter (docs/WORDPRESS.md#core-plugins): the
 * URL of every file uploaded by the account with this email, one item
 * `post-<id>` each in group `media`. Pages of `ctx.pageSize ?? 50` by ascending
 * id, `done` on the last page (WordPress: `max_num_pages <= page`). Files are
 * not copied; an email without an account exports nothing.
 */
import type { ExportPage, PluginContext } from '../contract.ts';
import { demoDbFor, findDemoUser, pageWindow } from './db.ts';

/**
 * Exports one page of the demo user's media URLs.
 *
 * @throws {RangeError} If `page` or the page size is not a positive integer.
 * @example await mediaExporter('alex.doe@example.com', 1, ctx); // → { data: [...3 items], done: true }
 */
export default async function mediaExporter(email: string, page: number, ctx: PluginContext): Promise<ExportPage> {
  ctx.signal.throwIfAborted();
  const { size, limit, offset } = pageWindow(page, ctx.pageSize ?? 50);
  const db = demoDbFor(ctx, 'read');
  const user = findDemoUser(db, email);
  if (user === undefined) return { data: [], done: true };
  const rows = db
    .prepare<[number, number, number], { id: number; url: string }>(`SELECT id, url FROM media WHERE user_id = ? AND url <> '' ORDER BY id LIMIT ? OFFSET ?`)
    .all(user.id, limit, offset);
  return {
    data: rows.slice(0, size).map((m) => ({
      group_id: 'media',
      group_label: 'Media',
      group_description: 'User\u2019s media data.',
      item_id: `post-${m.id}`,
      data: [{ name: 'URL', value: m.url }],
    })),
    done: rows.length <= size,
  };
}
