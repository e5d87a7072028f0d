/**
 * Demo port of WordPress's `wordpress-comments` eraser (docs/WORDPRESS.md#core-plugins): every
 * comment whose author email matches case-insensitively is anonymised:
 * author "Anonymous", email, website and user agent emptied, IP address cut to
 * its network ({@link anonymizeIp}), the account link removed; and, unlike
 * WordPress, latitude/longitude cleared, since a location is personal data.
 * The text and dates are kept. Comments on a post listed in
 * `ctx.settings.deleteOnPosts` (post URLs) are deleted instead.
 *
 * Pages of `ctx.pageSize ?? 500` by ascending id, each taking the next batch
 * of comments that still carry the email (no offset, so none is skipped);
 * journaled per request and page, so a retried page erases nothing twice.
 */
import { erasedPage, type ErasePage, type PluginContext } from '../contract.ts';
import { ManifestError } from '../../lib/errors.ts';
import { anonymizeIp } from './anonymize.ts';
import { demoDbFor, perConnection } from './db.ts';
import { erasePageOnce, nothingFound } from './journal.ts';

/** The name this eraser's pages are journaled under. */
export const PLUGIN_NAME = 'demo-comments';

/** The `settings` this eraser reads from its manifest entry (besides `database`). */
export interface CommentsEraserOptions {
  /** Post URLs (as in `comments.post_url`) whose comments are deleted rather than anonymised. */
  deleteOnPosts?: string[];
}

/**
 * Anonymises (or deletes) one page of comments written with this email.
 *
 * @throws {ManifestError} If `settings.deleteOnPosts` is not a list of strings.
 * @throws {RangeError} If `page` or the page size is not a positive integer.
 * @example await commentsEraser('alex.doe@example.com', 1, ctx);
 *   // → { items_removed: true, messages: ['Anonymised your comments: …'], done: true, removed_count: 13, … }
 */
export default async function commentsEraser(email: string, page: number, ctx: PluginContext): Promise<ErasePage> {
  ctx.signal.throwIfAborted();
  const deleteOn = _deleteOnPosts(ctx);
  const db = demoDbFor(ctx, 'write');
  const address = email.trim();
  if (address === '') return nothingFound(); // anonymised comments have an empty email: never match them
  const q = _queries(db);
  return erasePageOnce(db, PLUGIN_NAME, page, ctx, {
    plan() {
      const { total, listed } = q.count.get(JSON.stringify([...deleteOn]), address) ?? { total: 0, listed: null };
      return _report(total - (listed ?? 0), listed ?? 0, 'would');
    },
    erase(size) {
      const rows = q.next.all(address, size + 1);
      let anonymised = 0;
      let deleted = 0;
      for (const row of rows.slice(0, size)) {
        if (deleteOn.has(row.post_url)) {
          deleted += q.remove.run(row.id).changes;
        } else {
          anonymised += q.anonymise.run(anonymizeIp(row.author_ip), row.id).changes;
        }
      }
      return { ..._report(anonymised, deleted, 'did'), done: rows.length <= size };
    },
  });
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The eraser's statements, prepared once per connection. */
const _queries = perConnection((db) => ({
  /** How many comments match, and how many of them are on a listed post (a JSON array of URLs). */
  count: db.prepare<[string, string], { total: number; listed: number | null }>(
    `SELECT count(*) AS total, sum(post_url IN (SELECT value FROM json_each(?))) AS listed
     FROM comments WHERE author_email = ?`,
  ),
  next: db.prepare<[string, number], { id: number; author_ip: string; post_url: string }>(
    'SELECT id, author_ip, post_url FROM comments WHERE author_email = ? ORDER BY id LIMIT ?',
  ),
  anonymise: db.prepare<[string, number]>(
    `UPDATE comments SET author_name = 'Anonymous', author_email = '', author_ip = ?, author_url = '',
     user_agent = '', user_id = NULL, latitude = NULL, longitude = NULL WHERE id = ?`,
  ),
  remove: db.prepare<[number]>('DELETE FROM comments WHERE id = ?'),
}));

/**
 * The page's result and its plain-language messages, in the past tense or as a plan.
 * The messages name no count: every page says the same, so the engine shows the line
 * once however many pages there were, and the counts go in removed_count.
 */
function _report(anonymised: number, deleted: number, mood: 'did' | 'would'): ErasePage {
  const messages: string[] = [];
  if (anonymised > 0) {
    messages.push(
      mood === 'did'
        ? 'Anonymised your comments: author name, email, IP address, website and location removed; the text was kept.'
        : 'Would anonymise your comments: author name, email, IP address, website and location would be removed; the text would be kept.',
    );
  }
  if (deleted > 0) {
    messages.push(
      mood === 'did'
        ? 'Deleted your comments in full on posts whose comments are deleted on request.'
        : 'Would delete your comments in full on posts whose comments are deleted on request.',
    );
  }
  return erasedPage(anonymised + deleted, messages, true);
}

/** `settings.deleteOnPosts`, checked: a typo here would anonymise what should be deleted. */
function _deleteOnPosts(ctx: PluginContext): ReadonlySet<string> {
  const setting = ctx.settings.deleteOnPosts;
  if (setting === undefined) return new Set();
  if (!Array.isArray(setting) || !setting.every((url): url is string => typeof url === 'string')) {
    throw new ManifestError(`Cannot erase comments: settings.deleteOnPosts must be a list of post URLs, got ${JSON.stringify(setting)}`);
  }
  return new Set(setting);
}
