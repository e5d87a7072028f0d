/**
 * SQLite through `better-sqlite3`: one connection per plugin, opened
 * read-only for exporters, never creating a missing file, each statement
 * prepared once. Its calls are synchronous, but a page's transaction spans
 * awaits, so transactions on one connection take turns.
 * @module
 */
import Database, { type Statement } from 'better-sqlite3';
import { type SqlDatabase, labelled } from './database.ts';
import { type CompiledSql, bindValues } from './params.ts';

export function openSqlite(path: string, readOnly: boolean): SqlDatabase {
  const db = new Database(path, { readonly: readOnly, fileMustExist: true, timeout: 5_000 });
  // SQLite's own default cache of 2 MB, not better-sqlite3's 16 MB: an export reads each page once,
  // so a larger cache only kept up to 16 MB of the table in the worker per plugin (bench/RESULTS.md §9).
  db.pragma('cache_size = -2000');
  let turn: Promise<unknown> = Promise.resolve();
  // A manifest's SQL is a handful of texts; a dry run runs each up to maxPages times.
  const statements = new Map<string, Statement>();
  const prepared = (sql: CompiledSql): Statement => {
    let statement = statements.get(sql.text);
    if (statement === undefined) {
      statement = db.prepare(sql.text);
      statements.set(sql.text, statement);
    }
    return statement;
  };
  return {
    transaction(options, work) {
      const mine = turn.then(async () => {
        // IMMEDIATE takes the write lock up front, so two writers wait for each other instead of failing half-way.
        db.exec(options.readOnly ? 'BEGIN' : 'BEGIN IMMEDIATE');
        try {
          const result = await work({
            rows: (sql, values) => labelled(sql, options.signal, () => prepared(sql).all(...bindValues(sql, values)) as Record<string, unknown>[]),
            run: (sql, values) => labelled(sql, options.signal, () => prepared(sql).run(...bindValues(sql, values)).changes),
          });
          db.exec(options.rollback ? 'ROLLBACK' : 'COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      });
      turn = mine.catch(() => {});
      return mine;
    },
    async close() {
      await turn;
      db.close();
    },
  };
}
