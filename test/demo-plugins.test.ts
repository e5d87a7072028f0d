import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportPageSchema, type ExportItem, type Exporter, type PluginContext } from '../plugins/contract.ts';
import commentsExporter from '../plugins/demo/comments-exporter.ts';
import { openDemoDb, type Database } from '../plugins/demo/schema.ts';
import { DEMO_PERSON, seedDemoData, seedManyComments } from '../plugins/demo/seed.ts';
import { closeDemoConnections, demoDbFor } from '../plugins/demo/db.ts';
import mediaExporter from '../plugins/demo/media-exporter.ts';
import sessionsExporter from '../plugins/demo/sessions-exporter.ts';
import userExporter from '../plugins/demo/user-exporter.ts';
import { ManifestError } from '../lib/errors.ts';
import { testContext } from './helpers/context.ts';

const exporters: Record<string, Exporter> = {
  user: userExporter,
  comments: commentsExporter,
  sessions: sessionsExporter,
  media: mediaExporter,
};

let dir: string;
let db: Database;
let ctx: PluginContext;

function context(overrides: Partial<PluginContext> = {}): PluginContext {
  return { ...ctx, ...overrides };
}

/**
 * Calls `exporter` for pages 1, 2, … until done, validating every page and
 * handing each the previous page's `next_cursor` as the engine does (unless `cursors` is false).
 */
async function exportAll(exporter: Exporter, email: string, c: PluginContext = ctx, cursors = true): Promise<{ items: ExportItem[]; pages: number }> {
  const items: ExportItem[] = [];
  let cursor: string | undefined;
  for (let page = 1; page <= 1000; page++) {
    const result = exportPageSchema.parse(await exporter(email, page, { ...c, cursor: cursors ? cursor : undefined }));
    items.push(...result.data);
    cursor = result.next_cursor;
    if (result.done) return { items, pages: page };
  }
  throw new Error('exporter never answered done');
}

const value = (item: ExportItem | undefined, name: string) => item?.data.find((p) => p.name === name)?.value;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'demo-plugins-'));
  db = openDemoDb(join(dir, 'data', 'demo.db'));
  assert.equal(seedDemoData(db), true);
  ctx = testContext({ manifestDir: dir, settings: { database: 'data/demo.db' } });
});

after(() => {
  closeDemoConnections();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('seedDemoData()', () => {
  test('seeding twice does not duplicate anything', () => {
    const counts = () =>
      ['users', 'comments', 'sessions', 'media', 'orders'].map((t) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n);
    const before = counts();
    assert.equal(seedDemoData(db), false);
    const other = openDemoDb(db.name); // a second process-like connection
    assert.equal(seedDemoData(other), false);
    other.close();
    assert.deepEqual(counts(), before);
    assert.deepEqual(before, [2, 20, 3, 4, 3]);
  });

  test('writes the media files next to the database', () => {
    const rows = db.prepare('SELECT file_path FROM media').all() as { file_path: string }[];
    for (const { file_path } of rows) assert.ok(existsSync(join(dir, 'data', file_path)), file_path);
    assert.equal(
      readFileSync(join(dir, 'data', 'media', 'alex-avatar.png'))
        .subarray(1, 4)
        .toString(),
      'PNG',
    );
  });
});

describe('user exporter', () => {
  test('exports the demo person as one item, WordPress pairs, empty values skipped', async () => {
    const { items, pages } = await exportAll(userExporter, DEMO_PERSON);
    assert.equal(pages, 1);
    assert.equal(items.length, 1);
    const [item] = items;
    assert.equal(item?.group_id, 'user');
    assert.equal(item?.group_label, 'User');
    assert.equal(item?.group_description, 'User\u2019s profile data.');
    assert.equal(item?.item_id, 'user-1');
    assert.deepEqual(
      item?.data.map((p) => p.name),
      ['User ID', 'User Login Name', 'User Email', 'User URL', 'User Registration Date', 'User Display Name', 'User First Name', 'User Last Name'],
    );
    assert.equal(value(item, 'User Email'), DEMO_PERSON);
  });

  test('skips empty values (Sam has no URL and no last name)', async () => {
    const { items } = await exportAll(userExporter, 'sam.roe@example.com');
    const names = items[0]?.data.map((p) => p.name);
    assert.ok(names?.includes('User First Name'));
    assert.ok(!names?.includes('User URL'));
    assert.ok(!names?.includes('User Last Name'));
  });

  test('matches the email case-insensitively and trimmed', async () => {
    const { items } = await exportAll(userExporter, '  ALEX.doe@Example.COM ');
    assert.equal(items[0]?.item_id, 'user-1');
  });
});

describe('comments exporter', () => {
  test('exports exactly the demo person\u2019s comments, including the case-variant guest comment', async () => {
    const { items } = await exportAll(commentsExporter, DEMO_PERSON);
    assert.equal(items.length, 13);
    for (const item of items) {
      assert.equal(String(value(item, 'Comment Author Email')).toLowerCase(), DEMO_PERSON);
      assert.equal(item.group_id, 'comments');
      assert.equal(item.group_label, 'Comments');
      assert.equal(item.group_description, 'User\u2019s comment data.');
      assert.match(item.item_id, /^comment-\d+$/);
    }
    assert.ok(items.some((i) => value(i, 'Comment Author Email') === 'Alex.Doe@Example.com'));
    assert.ok(!items.some((i) => /Sam|Guest/.test(String(value(i, 'Comment Content')))));
    assert.ok(!items.some((i) => /Sam|Guest/.test(String(value(i, 'Comment Author')))));
  });

  test('pairs as WordPress, plain comment URL, latitude/longitude only when present', async () => {
    const { items } = await exportAll(commentsExporter, DEMO_PERSON);
    const first = items[0];
    assert.deepEqual(
      first?.data.map((p) => p.name),
      [
        'Comment Author',
        'Comment Author Email',
        'Comment Author URL',
        'Comment Author IP',
        'Comment Author User Agent',
        'Comment Date',
        'Comment Content',
        'Comment URL',
        'Latitude',
        'Longitude',
      ],
    );
    assert.equal(value(first, 'Comment URL'), `https://demo.example.com/2024/01/hello-world/#comment-${first?.item_id.slice(8)}`);
    assert.equal(value(first, 'Latitude'), 38.7223);
    assert.equal(items.filter((i) => value(i, 'Latitude') !== undefined).length, 4);
    const variant = items.find((i) => value(i, 'Comment Author Email') === 'Alex.Doe@Example.com');
    assert.equal(value(variant, 'Comment Author URL'), undefined); // empty: skipped
    assert.equal(value(variant, 'Latitude'), undefined);
  });

  test('pageSize 5 walks every page, terminates with done, no duplicates', async () => {
    const all = await exportAll(commentsExporter, DEMO_PERSON);
    const paged = await exportAll(commentsExporter, DEMO_PERSON, context({ pageSize: 5 }));
    assert.equal(paged.pages, 3); // 5 + 5 + 3
    const ids = paged.items.map((i) => i.item_id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(
      ids,
      all.items.map((i) => i.item_id),
    );
  });

  test("pages by cursor (id > last id) and by page number alike, with other people's comments in between", async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'demo-keyset-'));
    try {
      const big = openDemoDb(join(dir2, 'keyset.db'));
      for (let round = 0; round < 4; round++) {
        seedManyComments(big, 'keyset@example.com', 7);
        seedManyComments(big, 'someone.else@example.com', 3); // interleaved ids
      }
      big.close();
      const c = testContext({ manifestDir: dir2, settings: { database: 'keyset.db' }, pageSize: 5 });
      const byCursor = await exportAll(commentsExporter, 'keyset@example.com', c);
      const byOffset = await exportAll(commentsExporter, 'keyset@example.com', c, false);
      assert.equal(byCursor.items.length, 28);
      assert.equal(byCursor.pages, 6);
      assert.deepEqual(byCursor.items, byOffset.items);
      const second = await commentsExporter('keyset@example.com', 2, c);
      assert.equal(second.next_cursor, byCursor.items[9]?.item_id.replace('comment-', ''), 'next_cursor is the last id of the page');
      await assert.rejects(commentsExporter('keyset@example.com', 2, { ...c, cursor: 'not-an-id' }), /cursor must be a comment id, got 'not-an-id'/);
    } finally {
      closeDemoConnections();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  test('a full last page is done without a trailing empty page', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'demo-bench-'));
    try {
      const big = openDemoDb(join(dir2, 'bench.db'));
      assert.equal(seedManyComments(big, 'bench@example.com', 10), 10);
      big.close();
      const c = testContext({ manifestDir: dir2, settings: { database: 'bench.db' }, pageSize: 5 });
      const { items, pages } = await exportAll(commentsExporter, 'bench@example.com', c);
      assert.equal(items.length, 10);
      assert.equal(pages, 2);
      assert.ok(String(value(items[0], 'Comment Content')).length > 1000);
    } finally {
      closeDemoConnections();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  test('an empty email exports nothing (anonymized comments have empty emails)', async () => {
    db.prepare(
      `INSERT INTO comments (author_email, content, created_at, post_url) VALUES ('', 'anonymized', '2024-09-01 00:00:00', 'https://demo.example.com/x/')`,
    ).run();
    try {
      assert.deepEqual(await commentsExporter('  ', 1, ctx), { data: [], done: true });
    } finally {
      db.prepare(`DELETE FROM comments WHERE content = 'anonymized'`).run();
    }
  });

  test('rejects page 0', async () => {
    await assert.rejects(commentsExporter(DEMO_PERSON, 0, ctx), RangeError);
  });
});

describe('sessions exporter', () => {
  test('one item per session of the demo person', async () => {
    const { items, pages } = await exportAll(sessionsExporter, DEMO_PERSON);
    assert.equal(pages, 1);
    assert.deepEqual(
      items.map((i) => i.item_id),
      ['session-tokens-1-1', 'session-tokens-1-3'],
    );
    for (const item of items) {
      assert.equal(item.group_id, 'session-tokens');
      assert.equal(item.group_label, 'Session Tokens');
      assert.deepEqual(
        item.data.map((p) => p.name),
        ['Expiration', 'IP', 'User Agent', 'Last Login'],
      );
      assert.match(String(value(item, 'Last Login')), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
    assert.equal(value(items[0], 'Expiration'), '2024-08-15 08:55:00');
  });
});

describe('media exporter', () => {
  test('one URL item per file of the demo person', async () => {
    const { items } = await exportAll(mediaExporter, DEMO_PERSON);
    assert.deepEqual(
      items.map((i) => i.item_id),
      ['post-1', 'post-3', 'post-4'],
    );
    for (const item of items) {
      assert.equal(item.group_id, 'media');
      assert.equal(item.group_label, 'Media');
      assert.deepEqual(
        item.data.map((p) => p.name),
        ['URL'],
      );
      assert.match(String(value(item, 'URL')), /^https:\/\/demo\.example\.com\/media\/alex-/);
    }
  });

  test('pages by ctx.pageSize', async () => {
    const { items, pages } = await exportAll(mediaExporter, DEMO_PERSON, context({ pageSize: 2 }));
    assert.equal(pages, 2);
    assert.deepEqual(
      items.map((i) => i.item_id),
      ['post-1', 'post-3', 'post-4'],
    );
  });
});

describe('every exporter', () => {
  for (const [name, exporter] of Object.entries(exporters)) {
    test(`${name}: an unknown email exports nothing and is done`, async () => {
      const page = await exporter('nobody@example.net', 1, ctx);
      assert.deepEqual(exportPageSchema.parse(page), { data: [], done: true });
    });

    test(`${name}: exports nothing of other people`, async () => {
      const { items } = await exportAll(exporter, DEMO_PERSON);
      const text = JSON.stringify(items);
      assert.ok(!/sam\.roe|Sam Roe|samroe|guest\.poster|Guest Poster|203\.0\.113\.|198\.51\.100\.2/i.test(text), text);
    });

    test(`${name}: a missing database file is a ManifestError, not an empty export`, async () => {
      await assert.rejects(
        async () => exporter(DEMO_PERSON, 1, context({ settings: { database: 'missing.db' } })),
        (error: unknown) => error instanceof ManifestError && /missing\.db/.test(error.message),
      );
      assert.ok(!existsSync(join(dir, 'missing.db')));
    });
  }
});

describe('demoDbFor()', () => {
  test("an exporter's connection is read-only and not the erasers' one", async () => {
    await userExporter(DEMO_PERSON, 1, ctx);
    const reader = demoDbFor(ctx, 'read'); // the connection the exporter just used
    assert.equal(reader.readonly, true);
    assert.throws(() => reader.prepare(`INSERT INTO demo_meta (key, value) VALUES ('exporter', 'wrote')`).run(), { code: 'SQLITE_READONLY' });
    const writer = demoDbFor(testContext({ manifestDir: dir, settings: { database: 'data/demo.db' }, role: 'eraser' }), 'write');
    assert.notEqual(writer, reader);
    assert.equal(writer.readonly, false);
  });

  test('an exporter opens the file as it is: no schema step, no new tables', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'demo-readonly-'));
    try {
      const users = new Sqlite(join(dir2, 'users-only.db'));
      users.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT NOT NULL, email TEXT NOT NULL COLLATE NOCASE,
        display_name TEXT NOT NULL DEFAULT '', first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '', registered_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
        INSERT INTO users (login, email, registered_at) VALUES ('a', 'a@example.com', '2020-01-01 00:00:00');`);
      const tables = () => users.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all();
      const c = testContext({ manifestDir: dir2, settings: { database: 'users-only.db' } });
      assert.equal((await userExporter('a@example.com', 1, c)).data.length, 1);
      assert.deepEqual(tables(), ['users']);
      users.close();
    } finally {
      closeDemoConnections();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
