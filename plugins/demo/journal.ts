/**
 * What makes the demo erasers safe to retry: every real page runs through
 * {@link erasePageOnce}, which looks up `(ctx.requestId, eraser, page)` in the
 * `erasure_journal` table and, if that page already ran, answers its recorded
 * result and touches nothing; otherwise it erases the batch and records the
 * result in the same transaction. So a page retried after a timeout or a
 * worker crash never erases twice, and the counts the engine adds up stay
 * exact. A dry run only counts, and records nothing.
 *
 * Erasers page without an offset: each page takes the next batch of rows that
 * still match the email. Erased rows no longer match, so nothing is skipped
 * (the WordPress comment eraser's offset skips rows, docs/WORDPRESS.md#core-plugins).
 */
import { erasedPage, erasePageSchema, type ErasePage, type PluginContext } from '../contract.ts';
import type { Database } from './schema.ts';
import { perConnection } from './db.ts';

/** The two things an eraser knows how to do; {@link erasePageOnce} decides which and when. */
export interface ErasureSteps {
  /**
   * Dry run: counts everything that matches now (all pages) and says what
   * would happen, in messages starting "Would …". Must not write.
   */
  plan(): ErasePage;
  /**
   * Erases the next batch of at most `size` matching rows and reports it,
   * `done` when no matching rows are left. Runs inside the journaling
   * transaction: throw to roll the whole page back.
   */
  erase(size: number): ErasePage;
}

/**
 * Runs one eraser page at most once per request.
 *
 * @param eraser Name under which the page is journaled (the eraser's `PLUGIN_NAME`).
 * @returns The page's result: recorded the first time, replayed on every retry.
 *   In a dry run: page 1 is the plan with `done: true`; later pages are empty.
 * @throws {RangeError} If `page` or `ctx.pageSize` is not a positive integer.
 * @example return erasePageOnce(db, 'demo-sessions', page, ctx, { plan, erase });
 */
export function erasePageOnce(db: Database, eraser: string, page: number, ctx: PluginContext, steps: ErasureSteps): ErasePage {
  const size = erasePageSize(page, ctx);
  if (ctx.dryRun) {
    // One read transaction, so the counts of all tables come from one snapshot.
    return page === 1 ? { ...db.transaction(() => steps.plan())(), done: true } : nothingFound();
  }
  const { find, record } = _journal(db);
  const run = db.transaction((): ErasePage => {
    const done = find.get(ctx.requestId, eraser, page);
    if (done !== undefined) return erasePageSchema.parse(JSON.parse(done.result));
    const result = steps.erase(size);
    record.run(ctx.requestId, eraser, page, JSON.stringify(result), _utcNow());
    return result;
  });
  return run.immediate(); // IMMEDIATE: a retry racing the first attempt waits, then finds its journal entry
}

/** The answer when there is nothing (left) to erase: no error, as the contract requires. */
export function nothingFound(): ErasePage {
  return erasedPage(0, [], true);
}

/**
 * `n` and the noun, singular or plural.
 *
 * @example counted(1, 'comment'); // → '1 comment'
 * @example counted(3, 'uploaded file'); // → '3 uploaded files'
 */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/**
 * The batch size of an eraser page: `ctx.pageSize ?? 500`.
 *
 * @throws {RangeError} If `page` or the page size is not a positive integer.
 */
function erasePageSize(page: number, ctx: Pick<PluginContext, 'pageSize'>): number {
  const size = ctx.pageSize ?? 500;
  if (!Number.isSafeInteger(page) || page < 1) throw new RangeError(`Cannot erase page ${page}: page must be an integer >= 1`);
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`Cannot erase page ${page}: page size must be an integer >= 1, got ${size}`);
  return size;
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The journal's two statements, prepared once per connection. */
const _journal = perConnection((db) => ({
  find: db.prepare<[string, string, number], { result: string }>('SELECT result FROM erasure_journal WHERE request_id = ? AND eraser = ? AND page = ?'),
  record: db.prepare<[string, string, number, string, string]>(
    'INSERT INTO erasure_journal (request_id, eraser, page, result, created_at) VALUES (?, ?, ?, ?, ?)',
  ),
}));

/** Now as `YYYY-MM-DD HH:MM:SS` UTC, the format of every date in the demo database. */
function _utcNow(): string {
  return new Date().toISOString().slice(0, 19).replace('T', ' ');
}
