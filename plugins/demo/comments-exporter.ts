/**
 * Demo port of WordPress's `wordpress-comments` exporter (docs/WORDPRESS.md#core-plugins) plus
 * the plugin handbook's location example: every comment whose author email
 * matches case-insensitively (account or not), one item `comment-<id>` each,
 * with `Latitude`/`Longitude` when the comment has them. Pages of
 * `ctx.pageSize ?? 500` by ascending id; `done` once no rows follow the page.
 * `Comment URL` is the plain comment link (`<post>#comment-<id>`), not HTML.
 *
 * Each page answers `next_cursor` = its last comment id, and the next page reads
 * `id > cursor` from the (author_email, id) index: every page costs the same,
 * where OFFSET re-reads all earlier rows (page 2000 of 500 would skip a million).
 * Without a cursor (a caller that pages by number alone) it falls back to OFFSET.
 */
import type { ExportPage, PluginContext } from '../contract.ts';
import { demoDbFor, nonEmptyPairs, pageWindow } from './db.ts';

interface CommentRow {
  id: number;
  author_name: string;
  author_email: string;
  author_url: string;
  author_ip: string;
  user_agent: string;
  content: string;
  created_at: string;
  post_url: string;
  latitude: number | null;
  longitude: number | null;
}

/**
 * Exports one page of comments written with this email.
 *
 * @throws {RangeError} If `page` or the page size is not a positive integer.
 * @example await commentsExporter('alex.doe@example.com', 1, ctx); // → { data: [...13 items], done: true }
 */
export default async function commentsExporter(email: string, page: number, ctx: PluginContext): Promise<ExportPage> {
  ctx.signal.throwIfAborted();
  const { size, limit, offset } = pageWindow(page, ctx.pageSize ?? 500);
  const address = email.trim();
  if (address === '') return { data: [], done: true }; // anonymized comments have an empty email
  const db = demoDbFor(ctx, 'read');
  const after = ctx.cursor === undefined ? undefined : Number(ctx.cursor);
  if (after !== undefined && !Number.isSafeInteger(after)) throw new RangeError(`Cannot read page ${page}: cursor must be a comment id, got '${ctx.cursor}'`);
  const rows =
    after === undefined
      ? db
          .prepare<[string, number, number], CommentRow>('SELECT * FROM comments WHERE author_email = ? ORDER BY id LIMIT ? OFFSET ?')
          .all(address, limit, offset)
      : db
          .prepare<[string, number, number], CommentRow>('SELECT * FROM comments WHERE author_email = ? AND id > ? ORDER BY id LIMIT ?')
          .all(address, after, limit);
  const shown = rows.slice(0, size);
  const last = shown.at(-1);
  return {
    data: shown.map((c) => ({
      group_id: 'comments',
      group_label: 'Comments',
      group_description: 'User\u2019s comment data.',
      item_id: `comment-${c.id}`,
      data: nonEmptyPairs([
        ['Comment Author', c.author_name],
        ['Comment Author Email', c.author_email],
        ['Comment Author URL', c.author_url],
        ['Comment Author IP', c.author_ip],
        ['Comment Author User Agent', c.user_agent],
        ['Comment Date', c.created_at],
        ['Comment Content', c.content],
        ['Comment URL', `${c.post_url}#comment-${c.id}`],
        ['Latitude', c.latitude],
        ['Longitude', c.longitude],
      ]),
    })),
    done: rows.length <= size,
    ...(last ? { next_cursor: String(last.id) } : {}),
  };
}
