import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ExportItem } from '../plugins/contract.ts';
import type { MergedExport } from '../report/merge.ts';
import { openMemoryStaging, openStaging, type StagingStore } from '../report/staging.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-staging-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function freshStore(): StagingStore {
  counter += 1;
  return openStaging(join(dir, `staging-${counter}.sqlite`));
}

function item(group_id: string, item_id: string, data: ExportItem['data'], label = group_id, description?: string): ExportItem {
  return { group_id, group_label: label, item_id, data, ...(description === undefined ? {} : { group_description: description }) };
}

/** The merge as plain data: groups with their items, pairs concatenated per item. */
function snapshot(merged: MergedExport) {
  const items = new Map<number, { id: string; pairs: unknown[] }[]>();
  for (const row of merged.rows()) {
    const list = items.get(row.groupSeq) ?? [];
    items.set(row.groupSeq, list);
    const last = list[list.length - 1];
    const pairs = JSON.parse(row.pairs) as unknown[];
    if (last && list.length === row.rank) last.pairs.push(...pairs);
    else list.push({ id: row.itemId, pairs });
  }
  return merged.groups.map((group) => ({
    id: group.id,
    label: group.label,
    description: group.description,
    itemCount: group.itemCount,
    items: items.get(group.seq) ?? [],
  }));
}

test('openStaging() creates the file with mode 0o600', async () => {
  const path = join(dir, 'mode.sqlite');
  openStaging(path).close();
  assert.equal((await stat(path)).mode & 0o777, 0o600);
});

test('openStaging() with fileMustExist refuses a missing file', () => {
  assert.throws(() => openStaging(join(dir, 'missing.sqlite'), { fileMustExist: true }));
});

test('writePage() keeps pages of several exporters and counts them', () => {
  const store = freshStore();
  store.writePage(0, 1, [item('g', 'a', []), item('g', 'b', [])]);
  store.writePage(0, 2, [item('g', 'c', [])]);
  store.writePage(1, 1, []);
  assert.equal(store.pageCount(0), 2);
  assert.equal(store.pageCount(1), 1, 'an empty page still counts as written');
  assert.equal(store.pageCount(2), 0);
  assert.equal(store.itemCount(), 3);
  store.close();
});

test('writePage() rewriting a page replaces its rows instead of duplicating them', () => {
  const store = freshStore();
  store.writePage(0, 1, [item('g', 'a', [{ name: 'v', value: 1 }]), item('g', 'b', [])]);
  store.writePage(0, 2, [item('g', 'c', [])]);
  store.writePage(0, 1, [item('g', 'a', [{ name: 'v', value: 2 }])]);
  assert.equal(store.itemCount(), 2);
  assert.equal(store.pageCount(0), 2);
  assert.deepEqual(snapshot(store.merge())[0]?.items, [
    { id: 'a', pairs: [{ name: 'v', value: 2 }] },
    { id: 'c', pairs: [] },
  ]);
  store.close();
});

test('writePage() survives reopening the file', () => {
  const path = join(dir, 'reopen.sqlite');
  const first = openStaging(path);
  first.writePage(0, 1, [item('g', 'a', [])]);
  first.close();
  const second = openStaging(path, { fileMustExist: true });
  assert.equal(second.itemCount(), 1);
  second.close();
});

test("writePage() keeps each page's next_cursor for the page after it, per exporter, across reopening", () => {
  const path = join(dir, 'cursor.sqlite');
  const first = openStaging(path);
  first.writePage(0, 1, [item('g', 'a', [])], 'after-a');
  first.writePage(1, 1, [item('g', 'b', [])], 'other-exporter');
  first.writePage(0, 2, [item('g', 'c', [])]);
  first.close();
  const second = openStaging(path, { fileMustExist: true });
  assert.equal(second.cursorAfter(0, 1), 'after-a');
  assert.equal(second.cursorAfter(1, 1), 'other-exporter');
  assert.equal(second.cursorAfter(0, 2), undefined, 'a page without next_cursor');
  assert.equal(second.cursorAfter(0, 3), undefined, 'a page not staged');
  second.writePage(0, 1, [item('g', 'a', [])], 'rewritten');
  assert.equal(second.cursorAfter(0, 1), 'rewritten', 'rewriting a page replaces its cursor');
  second.close();
});

test('writePage() rejects an invalid exporterIndex or page', () => {
  const store = freshStore();
  assert.throws(() => store.writePage(-2, 1, []), RangeError);
  assert.throws(() => store.writePage(0.5, 1, []), RangeError);
  assert.throws(() => store.writePage(0, -1, []), RangeError);
  store.close();
});

test('writePage() stores only name and value of each pair', () => {
  const store = freshStore();
  const pair = { name: 'n', value: 'v', extra: 'leak' } as ExportItem['data'][number];
  store.writePage(0, 1, [item('g', 'a', [pair])]);
  assert.equal([...store.merge().rows()][0]?.pairs, '[{"name":"n","value":"v"}]');
  store.close();
});

test('merge() orders groups and items by first sight, label and description from the first item', () => {
  const store = freshStore();
  // Pages written out of order: order comes from (exporter, page, position), not write time.
  store.writePage(1, 1, [item('b', 'b1', [], 'B late', 'late description')]);
  store.writePage(0, 2, [item('a', 'a2', []), item('b', 'b0', [], 'B first', 'first description')]);
  store.writePage(0, 1, [item('a', 'a1', [], 'A'), item('c', 'c1', [], 'C')]);
  assert.deepEqual(
    snapshot(store.merge()).map(({ id, label, description, items }) => ({ id, label, description, items: items.map((i) => i.id) })),
    [
      { id: 'a', label: 'A', description: '', items: ['a1', 'a2'] },
      { id: 'c', label: 'C', description: '', items: ['c1'] },
      { id: 'b', label: 'B first', description: 'first description', items: ['b0', 'b1'] },
    ],
  );
  store.close();
});

test('merge() puts the newer pairs of a repeated item_id first, without de-duplicating names', () => {
  const store = freshStore();
  store.writePage(0, 1, [item('user', 'u1', [{ name: 'Email', value: 'old@x' }]), item('user', 'u2', [{ name: 'n', value: 2 }])]);
  store.writePage(0, 2, [item('user', 'u1', [{ name: 'Email', value: 'page2@x' }])]);
  store.writePage(3, 1, [
    item('user', 'u1', [
      { name: 'Email', value: 'other-exporter@x' },
      { name: 'Phone', value: 5 },
    ]),
  ]);
  const merged = store.merge();
  assert.equal(merged.itemCount, 2);
  assert.deepEqual(snapshot(merged), [
    {
      id: 'user',
      label: 'user',
      description: '',
      itemCount: 2,
      items: [
        {
          id: 'u1',
          pairs: [
            { name: 'Email', value: 'other-exporter@x' },
            { name: 'Phone', value: 5 },
            { name: 'Email', value: 'page2@x' },
            { name: 'Email', value: 'old@x' },
          ],
        },
        { id: 'u2', pairs: [{ name: 'n', value: 2 }] },
      ],
    },
  ]);
  store.close();
});

test('merge() keeps the same item_id in different groups apart', () => {
  const store = freshStore();
  store.writePage(0, 1, [item('a', 'x', [{ name: 'n', value: 'a' }]), item('b', 'x', [{ name: 'n', value: 'b' }])]);
  assert.deepEqual(
    snapshot(store.merge()).map((g) => g.items),
    [[{ id: 'x', pairs: [{ name: 'n', value: 'a' }] }], [{ id: 'x', pairs: [{ name: 'n', value: 'b' }] }]],
  );
  store.close();
});

test('merge() groupRows() returns a rank range of one group', () => {
  const store = freshStore();
  store.writePage(
    0,
    1,
    Array.from({ length: 7 }, (_, i) => item('g', `i${i}`, [{ name: 'i', value: i }])),
  );
  store.writePage(0, 2, [item('g', 'i3', [{ name: 'i', value: 'again' }])]);
  const merged = store.merge();
  const [group] = merged.groups;
  assert.ok(group);
  const rows = [...merged.groupRows(group.seq, 3, 4)].map((row) => [row.rank, row.itemId, row.pairs]);
  assert.deepEqual(rows, [
    [3, 'i2', '[{"name":"i","value":2}]'],
    [4, 'i3', '[{"name":"i","value":"again"}]'],
    [4, 'i3', '[{"name":"i","value":3}]'],
  ]);
  store.close();
});

test('merge() can run again and gives the same result', () => {
  const store = freshStore();
  store.writePage(0, 1, [item('g', 'a', [{ name: 'n', value: 1 }])]);
  const first = snapshot(store.merge());
  store.writePage(0, 1, [item('g', 'a', [{ name: 'n', value: 1 }])]);
  assert.deepEqual(snapshot(store.merge()), first);
  store.close();
});

test('a store in memory merges as a file store does, and saveTo moves its pages into a file, replacing pages of the same number there', () => {
  const pages: [number, number, ExportItem[], string?][] = [
    [0, 1, [item('a', '1', [{ name: 'x', value: 1 }]), item('b', '2', [{ name: 'y', value: 'é' }])], 'after-1'],
    [1, 1, [item('a', '1', [{ name: 'z', value: true }])]],
    [0, 2, [item('a', '3', [{ name: 'x', value: 3 }])]],
  ];
  const memory = openMemoryStaging();
  const file = freshStore();
  for (const [exporter, page, items, cursor] of pages) {
    memory.writePage(exporter, page, items, cursor);
    file.writePage(exporter, page, items, cursor);
  }
  assert.deepEqual(snapshot(memory.merge()), snapshot(file.merge()));
  file.close();

  // The file already holds page 2 of exporter 0 (an older answer, longer) and a page memory does not have.
  const target = join(dir, 'saved.sqlite');
  const before = openStaging(target);
  before.writePage(0, 2, [item('a', 'old-1', [{ name: 'x', value: 'old' }]), item('a', 'old-2', [{ name: 'x', value: 'old' }])]);
  before.writePage(2, 1, [item('c', '9', [{ name: 'k', value: 9 }])]);
  before.close();
  memory.saveTo(target);
  memory.close();

  const saved = openStaging(target, { fileMustExist: true });
  try {
    assert.equal(saved.itemCount(), 4 + 1, "memory's four items and the file's own page, the replaced page's items gone");
    assert.equal(saved.pageCount(0), 2);
    assert.equal(saved.cursorAfter(0, 1), 'after-1', 'cursors move too');
    const ids = snapshot(saved.merge()).flatMap((group) => group.items.map((entry) => entry.id));
    assert.ok(!ids.includes('old-1') && !ids.includes('old-2'), 'the older version of page 2 is replaced');
    assert.ok(ids.includes('9'), "the file's own page stays");
  } finally {
    saved.close();
  }
});
