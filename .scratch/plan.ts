import Database from 'better-sqlite3';
import { openStaging } from '../report/staging.ts';
const p = '/tmp/rt/plan.sqlite';
import { rmSync } from 'node:fs';
rmSync(p, { force: true });
const s = openStaging(p);
s.writePage(0, 1, [{ group_id: 'g', group_label: 'G', item_id: 'a', data: [{ name: 'n', value: 1 }] }, { group_id: 'h', group_label: 'H', item_id: 'a', data: [] }]);
s.writePage(1, 1, [{ group_id: 'g', group_label: 'X', item_id: 'a', data: [{ name: 'n', value: 2 }] }]);
const m = s.merge();
console.log(m.groups, [...m.rows()]);
s.close();
const db = new Database(p);
for (const sql of [`SELECT m.group_seq AS groupSeq, m.rank, m.item_id AS itemId, i.pairs
FROM merge_item AS m
JOIN merge_occurrence AS o ON o.group_id = m.group_id AND o.item_id = m.item_id
JOIN item AS i ON i.rowid = o.item_rowid
WHERE m.group_seq BETWEEN ? AND ? AND m.rank BETWEEN ? AND ?
ORDER BY m.group_seq, m.rank, o.seq DESC`, `SELECT ROW_NUMBER() OVER (ORDER BY exporter, page, pos), rowid, group_id, item_id FROM item`, `SELECT MIN(seq), group_id, COUNT(DISTINCT item_id) FROM merge_occurrence GROUP BY group_id`])
console.log(db.prepare('EXPLAIN QUERY PLAN ' + sql).all(...(sql.includes('?') ? [1,2,3,4] : [])));
