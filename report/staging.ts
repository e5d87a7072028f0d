/**
 * The per-request staging store: one SQLite file on disk that activities fill
 * page by page and the report builder reads back in merged order.
 *
 * Export data never lives wholly in memory nor travels through Temporal
 * history; only this file's path does. Pages are keyed by
 * `(exporterIndex, page)` so that a retried activity rewrites its page instead
 * of appending duplicates.
 */
import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ExportItem } from '../plugins/contract.ts';
import { type Exclusion, type MergedExport, mergeStaged } from './merge.ts';

/** Options of {@link openStaging}. */
export interface OpenStagingOptions {
  /**
   * Fail instead of creating an empty store when the file is missing, so a
   * wrong path cannot turn into an export that silently holds no data.
   * @default false
   */
  readonly fileMustExist?: boolean;
}

/** The groups one exporter filled. */
export interface StagedGroup {
  exporter: number;
  groupId: string;
  groupLabel: string;
  items: number;
}

/** A staging store opened by {@link openStaging}. Synchronous, single connection. */
export interface StagingStore {
  /**
   * Stores one exporter page, replacing whatever that page held before.
   * @param exporterIndex 0-based exporter position; -1 is the built-in About group
   * @param page the exporter's page number
   * @param cursor the page's `next_cursor`, kept for the call of the page after it
   * @throws {RangeError} when `exporterIndex` or `page` is not an integer in range
   */
  writePage(exporterIndex: number, page: number, items: readonly ExportItem[], cursor?: string): void;
  /** @returns the `next_cursor` stored with that page; `undefined` when it gave none or is not staged */
  cursorAfter(exporterIndex: number, page: number): string | undefined;
  /** @returns how many distinct pages (empty ones included) the exporter has written */
  pageCount(exporterIndex: number): number;
  /** @returns how many items are staged, before merging repeated `item_id`s */
  itemCount(): number;
  /** @returns each exporter's groups (id, first label) with their staged item counts, About left out */
  groupsByExporter(): StagedGroup[];
  /** Builds the WordPress merge (docs/WORDPRESS.md#merge) on disk, less `exclude`; see {@link MergedExport}. */
  merge(exclude?: readonly Exclusion[]): MergedExport;
  /** Closes the connection. The file stays; deleting it is the caller's job. */
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS page (
  exporter INTEGER NOT NULL,
  page INTEGER NOT NULL,
  items INTEGER NOT NULL,
  cursor TEXT, -- the page's next_cursor, handed to the next page
  PRIMARY KEY (exporter, page)
);
CREATE TABLE IF NOT EXISTS item (
  exporter INTEGER NOT NULL,
  page INTEGER NOT NULL,
  pos INTEGER NOT NULL,
  group_id TEXT NOT NULL,
  group_label TEXT NOT NULL,
  group_description TEXT NOT NULL,
  item_id TEXT NOT NULL,
  pairs TEXT NOT NULL, -- JSON array of {name, value}
  PRIMARY KEY (exporter, page, pos)
);`;

/** The staging file's page cache, and so its sorter's memory: 16 MB (a negative cache_size counts KiB). */
const STAGING_CACHE_KIB = -16000;

/**
 * Opens (and, unless told otherwise, creates) the staging file at `path`.
 *
 * The file is created with mode 0o600; SQLite gives its `-wal`/`-shm`
 * companions the same mode.
 *
 * @param path where the SQLite file lives (its directory must exist)
 * @throws {Error} when the file cannot be created or opened
 * @example
 * const store = openStaging('/var/lib/dsr/req-42.sqlite');
 * store.writePage(0, 1, page.data);
 * store.close();
 */
export function openStaging(path: string, options: OpenStagingOptions = {}): StagingStore {
  if (!options.fileMustExist) closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path, { fileMustExist: true });
  try {
    chmodSync(path, 0o600);
    // Items are ~1 KB of JSON: in SQLite's default 4 KiB pages only three fit, and
    // inserting a million of them was the largest cost of an export (bench/RESULTS.md).
    // 32 KiB pages hold ~25; staging writes took half the time. Applies to a new file only.
    db.pragma('page_size = 32768');
    // SQLite sizes its sorter's memory by the cache, and the merge sorts every staged item
    // (docs/WORDPRESS.md#merge): a smaller cache than better-sqlite3's 16 MB spilled more
    // sorted runs to disk, 2 MB made a 100k export 11 % slower and 8 MB a 1M one ~15 %
    // (bench/RESULTS.md §9). Stated here so that it holds whatever better-sqlite3's defaults.
    db.pragma(`cache_size = ${STAGING_CACHE_KIB}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    // Staging files written before cursors existed (a request in flight across an upgrade).
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(page)').all();
    if (!columns.some((column) => column.name === 'cursor')) db.exec('ALTER TABLE page ADD COLUMN cursor TEXT');
  } catch (error) {
    db.close();
    throw error;
  }

  return storeOver(db);
}

/** The store's operations over an open database that has the schema. */
function storeOver(db: Database.Database): StagingStore {
  const deletePage = db.prepare('DELETE FROM item WHERE exporter = ? AND page = ?');
  const insertItem = db.prepare(
    'INSERT INTO item (exporter, page, pos, group_id, group_label, group_description, item_id, pairs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const recordPage = db.prepare('INSERT OR REPLACE INTO page (exporter, page, items, cursor) VALUES (?, ?, ?, ?)');
  const readCursor = db.prepare<[number, number], string | null>('SELECT cursor FROM page WHERE exporter = ? AND page = ?').pluck();
  const countPages = db.prepare<[number], number>('SELECT COUNT(*) FROM page WHERE exporter = ?').pluck();
  const countItems = db.prepare<[], number>('SELECT COUNT(*) FROM item').pluck();

  const replacePage = db.transaction((exporter: number, page: number, items: readonly ExportItem[], cursor: string | null) => {
    deletePage.run(exporter, page);
    items.forEach((item, pos) => {
      // Copy only name/value so that stray properties never reach export.json.
      const pairs = JSON.stringify(item.data.map(({ name, value }) => ({ name, value })));
      insertItem.run(exporter, page, pos, item.group_id, item.group_label, item.group_description ?? '', item.item_id, pairs);
    });
    recordPage.run(exporter, page, items.length, cursor);
  });

  return {
    writePage(exporterIndex, page, items, cursor) {
      if (!Number.isSafeInteger(exporterIndex) || exporterIndex < -1) {
        throw new RangeError(`Cannot write staging page: exporterIndex must be an integer >= -1, got '${exporterIndex}'`);
      }
      if (!Number.isSafeInteger(page) || page < 0) {
        throw new RangeError(`Cannot write staging page: page must be an integer >= 0, got '${page}'`);
      }
      replacePage(exporterIndex, page, items, cursor ?? null);
    },
    cursorAfter: (exporterIndex, page) => readCursor.get(exporterIndex, page) ?? undefined,
    pageCount: (exporterIndex) => countPages.get(exporterIndex) ?? 0,
    itemCount: () => countItems.get() ?? 0,
    groupsByExporter: () =>
      db
        .prepare<[], StagedGroup>(
          'SELECT exporter, group_id AS groupId, MIN(group_label) AS groupLabel, COUNT(*) AS items FROM item WHERE exporter >= 0 GROUP BY exporter, group_id ORDER BY exporter, MIN(page * 1000000 + pos)',
        )
        .all(),
    merge: (exclude) => mergeStaged(db, exclude),
    close: () => db.close(),
  };
}

/** A staging store in memory: see {@link openMemoryStaging}. */
export interface MemoryStagingStore extends StagingStore {
  /**
   * Writes every page held here into the staging file at `path` (created if missing), replacing
   * pages of the same exporter and number there: work goes on from the file, as if staged there.
   */
  saveTo(path: string): void;
}

/**
 * A staging store held in memory: no file, no journal, nothing to sync or delete. For a small
 * export built in one go (activities/export-at-once.ts); what it does not finish goes on from a
 * file, {@link MemoryStagingStore.saveTo}.
 */
export function openMemoryStaging(): MemoryStagingStore {
  const db = new Database(':memory:');
  db.exec(SCHEMA);
  return {
    ...storeOver(db),
    saveTo(path) {
      openStaging(path).close(); // the file's schema and settings
      db.prepare('ATTACH DATABASE ? AS disk').run(path);
      try {
        db.transaction(() => {
          db.exec('DELETE FROM disk.item WHERE (exporter, page) IN (SELECT exporter, page FROM main.page)');
          db.exec('INSERT OR REPLACE INTO disk.page (exporter, page, items, cursor) SELECT exporter, page, items, cursor FROM main.page');
          db.exec(
            'INSERT INTO disk.item (exporter, page, pos, group_id, group_label, group_description, item_id, pairs) SELECT exporter, page, pos, group_id, group_label, group_description, item_id, pairs FROM main.item',
          );
        })();
      } finally {
        db.exec('DETACH DATABASE disk');
      }
    },
  };
}
