/**
 * The WordPress merge (docs/WORDPRESS.md#merge) done in SQL, so that memory stays flat
 * whatever the item count:
 * - groups in first-seen order, label and description from their first item;
 * - items in first-seen order of `item_id` within their group;
 * - a repeated `item_id` merges into one item, newer pairs first
 *   (`array_merge(new, old)`), names never de-duplicated.
 *
 * "Seen" order is `(exporter, page, pos)`. The merge is materialised in
 * `merge_*` tables next to the staged rows (rebuilt on every call, so a
 * retried build starts clean) and read back with `iterate()`.
 */
import type { Database } from 'better-sqlite3';

/** A group of the merged export. Groups are few, so they are held in memory. */
export interface MergedGroup {
  /** First-seen position of the group; identifies it in {@link MergedRow.groupSeq}. */
  readonly seq: number;
  readonly id: string;
  readonly label: string;
  /** `''` when the first item gave none. */
  readonly description: string;
  /** Distinct items after merging. */
  readonly itemCount: number;
  /** Characters of name/value JSON its items hold: what its HTML will weigh, roughly. */
  readonly dataChars: number;
}

/**
 * One staged occurrence of a merged item. Consecutive rows with the same
 * `groupSeq` and `rank` form one item; their pairs concatenate in row order.
 */
export interface MergedRow {
  readonly groupSeq: number;
  /** 1-based first-seen position of the item within its group. */
  readonly rank: number;
  readonly itemId: string;
  /** JSON text of an array of `{name, value}`, exactly as staged. */
  readonly pairs: string;
}

/** The merged view of a staging store. */
export interface MergedExport {
  /** Groups in first-seen order. */
  readonly groups: readonly MergedGroup[];
  /** Items after merging, all groups together. */
  readonly itemCount: number;
  /** Per exclusion asked for, in order: the merged items it took out, and its group's label. */
  readonly excluded: readonly { items: number; label: string }[];
  /** Every row, in report order. */
  rows(): IterableIterator<MergedRow>;
  /** The rows of items `fromRank..toRank` (inclusive) of one group, in report order. */
  groupRows(groupSeq: number, fromRank: number, toRank: number): IterableIterator<MergedRow>;
}

const OCCURRENCES = `
DROP TABLE IF EXISTS merge_occurrence;
DROP TABLE IF EXISTS merge_group;
DROP TABLE IF EXISTS merge_item;
CREATE TABLE merge_occurrence (
  seq INTEGER PRIMARY KEY, item_rowid INTEGER NOT NULL, group_id TEXT NOT NULL, item_id TEXT NOT NULL
);
INSERT INTO merge_occurrence (seq, item_rowid, group_id, item_id)
  SELECT ROW_NUMBER() OVER (ORDER BY exporter, page, pos), rowid, group_id, item_id FROM item;
CREATE INDEX merge_occurrence_item ON merge_occurrence (group_id, item_id, seq);
`;

const GROUPS_AND_ITEMS = `
CREATE TABLE merge_group (seq INTEGER PRIMARY KEY, group_id TEXT NOT NULL UNIQUE);
INSERT INTO merge_group (seq, group_id) SELECT MIN(seq), group_id FROM merge_occurrence GROUP BY group_id;
CREATE TABLE merge_item (
  group_seq INTEGER NOT NULL, rank INTEGER NOT NULL, group_id TEXT NOT NULL, item_id TEXT NOT NULL,
  PRIMARY KEY (group_seq, rank)
) WITHOUT ROWID;
INSERT INTO merge_item (group_seq, rank, group_id, item_id)
  SELECT g.seq, ROW_NUMBER() OVER (PARTITION BY g.seq ORDER BY f.first_seq), f.group_id, f.item_id
  FROM (SELECT group_id, item_id, MIN(seq) AS first_seq FROM merge_occurrence GROUP BY group_id, item_id) AS f
  JOIN merge_group AS g ON g.group_id = f.group_id;
`;

/** What to leave out of the merge: a whole group, or one item (by `item_id`) of it. */
export interface Exclusion {
  readonly group: string;
  readonly item?: string | undefined;
}

const GROUPS = `
SELECT g.seq, g.group_id AS id, i.group_label AS label, i.group_description AS description,
  (SELECT MAX(rank) FROM merge_item WHERE group_seq = g.seq) AS itemCount,
  (SELECT COALESCE(SUM(LENGTH(it.pairs)), 0) FROM merge_occurrence AS oc JOIN item AS it ON it.rowid = oc.item_rowid WHERE oc.group_id = g.group_id) AS dataChars
FROM merge_group AS g
JOIN merge_occurrence AS o ON o.seq = g.seq
JOIN item AS i ON i.rowid = o.item_rowid
ORDER BY g.seq`;

// Outer loop walks merge_item in key order, inner loop the occurrence index
// backwards: SQLite satisfies the ORDER BY without a sort (no temp b-tree).
const ROWS = `
SELECT m.group_seq AS groupSeq, m.rank, m.item_id AS itemId, i.pairs
FROM merge_item AS m
JOIN merge_occurrence AS o ON o.group_id = m.group_id AND o.item_id = m.item_id
JOIN item AS i ON i.rowid = o.item_rowid
WHERE m.group_seq BETWEEN ? AND ? AND m.rank BETWEEN ? AND ?
ORDER BY m.group_seq, m.rank, o.seq DESC`;

/**
 * Materialises the merge of everything staged in `db` and returns its view.
 * @param db an open staging database (see `openStaging`)
 * @param exclude groups or items left out (a reviewer's withholdings); `excluded[i]` says how many
 *   merged items `exclude[i]` took out, and the group's label
 */
export function mergeStaged(db: Database, exclude: readonly Exclusion[] = []): MergedExport {
  const excluded: { items: number; label: string }[] = [];
  db.transaction(() => {
    db.exec(OCCURRENCES);
    // Prepared once the table exists (it is built anew each time).
    const label = db.prepare<[string], string>('SELECT group_label FROM item WHERE group_id = ? LIMIT 1').pluck();
    const count = db
      .prepare<[{ group: string; item: string | null }], number>(
        'SELECT COUNT(DISTINCT item_id) FROM merge_occurrence WHERE group_id = @group AND (@item IS NULL OR item_id = @item)',
      )
      .pluck();
    const remove = db.prepare<[{ group: string; item: string | null }]>(
      'DELETE FROM merge_occurrence WHERE group_id = @group AND (@item IS NULL OR item_id = @item)',
    );
    for (const { group, item } of exclude) {
      const which = { group, item: item ?? null };
      excluded.push({ items: count.get(which) ?? 0, label: label.get(group) ?? group });
      remove.run(which);
    }
    db.exec(GROUPS_AND_ITEMS);
  })();
  const groups = db.prepare<[], MergedGroup>(GROUPS).all();
  const rows = db.prepare<[number, number, number, number], MergedRow>(ROWS);
  const itemCount = groups.reduce((sum, group) => sum + group.itemCount, 0);
  return {
    groups,
    itemCount,
    excluded,
    rows: () => rows.iterate(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER),
    groupRows: (groupSeq, fromRank, toRank) => rows.iterate(groupSeq, groupSeq, fromRank, toRank),
  };
}
