/**
 * A `sql` eraser: its statements run in order, in one transaction per page,
 * each on at most `:limit` rows of the person's data. The page is done once
 * no statement filled its limit. When done, the `retain` query says how many
 * items are kept on purpose, and why.
 *
 * Statements must make the rows they touched stop matching (delete them, or
 * anonymise the column that matched), so the next page takes the next batch
 * and a retried page erases nothing twice. A retry of a page whose commit
 * went through but whose answer was lost reports that batch as not erased:
 * counts can come out low, never high. (MySQL counts the rows an UPDATE
 * really changed, so re-anonymising a row to the same values counts 0.)
 * @module
 */
import { PluginContractError } from '../../../lib/errors.ts';
import type { PluginSnapshot } from '../../../manifest/snapshot.ts';
import { type ErasePage, erasedPage, type PluginContext } from '../../contract.ts';
import { type SqlTarget, inTransaction, sqlConnection } from './connect.ts';
import type { SqlTransaction } from './database.ts';
import { DEFAULT_PAGE_SIZE } from './exporter.ts';
import type { CompiledSql } from './params.ts';

export interface SqlEraserSpec {
  statements: CompiledSql[];
  retain?: { query: CompiledSql; reason: string };
  /** Bound on a dry run's rounds (the eraser's `maxPages`). */
  maxRounds: number;
}

export function sqlEraser(plugin: PluginSnapshot, target: SqlTarget, spec: SqlEraserSpec) {
  const connection = sqlConnection(plugin, target, 'eraser');
  return async (email: string, page: number, ctx: PluginContext): Promise<ErasePage> => {
    // A dry run plans everything on page 1 (below); later pages have nothing left to say.
    if (ctx.dryRun && page > 1) return erasedPage(0, [], true);
    const limit = ctx.pageSize ?? DEFAULT_PAGE_SIZE;
    // A dry run really runs the statements, inside a transaction that is rolled back, so the counts are
    // the database's own answer (triggers, cascades and constraints included) and nothing changes. It runs
    // every page's round in that one transaction, each round seeing the previous ones' effect as a real
    // run would, and so answers the whole plan on page 1 with `done: true`: a second page, in a new
    // transaction, would find all the rows again.
    return inTransaction(connection, ctx, { readOnly: false, rollback: ctx.dryRun }, async (tx) => {
      let removed = 0;
      let done = false;
      for (let round = 0; !done && round < (ctx.dryRun ? spec.maxRounds : 1); round++) {
        done = true;
        for (const statement of spec.statements) {
          const changed = await tx.run(statement, { email, limit });
          removed += changed;
          if (changed >= limit) done = false;
        }
      }
      const retained = done && spec.retain ? await countRetained(plugin.key, tx, spec.retain.query, email) : 0;
      const messages: string[] = [];
      if (removed > 0) messages.push(ctx.dryRun ? `Would erase ${removed} item(s).` : `Erased ${removed} item(s).`);
      if (retained > 0 && spec.retain) messages.push(`${ctx.dryRun ? 'Would keep' : 'Kept'} ${retained} item(s): ${spec.retain.reason}`);
      return erasedPage(removed, messages, done || ctx.dryRun, retained);
    });
  };
}

// ---------------------------------------------------------------------------------------------
// _helpers

/** The `count` of the one row the retain query answers. */
async function countRetained(key: string, tx: SqlTransaction, query: CompiledSql, email: string): Promise<number> {
  const rows = await tx.rows(query, { email });
  const fail = (problem: string): never => {
    throw new PluginContractError(`Cannot read what eraser "${key}" keeps: retain.query ${problem}`);
  };
  if (rows.length !== 1) fail(`answered ${rows.length} rows; expected one row with a "count" column`);
  const row = rows[0] ?? {};
  if (!Object.hasOwn(row, 'count'))
    fail(
      `answered the columns ${Object.keys(row)
        .map((c) => `"${c}"`)
        .join(', ')}; expected "count"`,
    );
  const count = Number(typeof row.count === 'bigint' ? row.count.toString() : row.count);
  if (!Number.isSafeInteger(count) || count < 0) fail(`answered count = ${String(row.count)}; expected a whole number`);
  return count;
}
