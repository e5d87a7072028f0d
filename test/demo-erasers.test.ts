import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { erasePageSchema, exportPageSchema, type ErasePage, type Eraser, type ExportItem, type Exporter, type PluginContext } from '../plugins/contract.ts';
import { anonymizeIp } from '../plugins/demo/anonymize.ts';
import commentsEraser from '../plugins/demo/comments-eraser.ts';
import commentsExporter from '../plugins/demo/comments-exporter.ts';
import { openDemoDb, type Database } from '../plugins/demo/schema.ts';
import { DEMO_PERSON, seedDemoData, seedManyComments } from '../plugins/demo/seed.ts';
import { closeDemoConnections } from '../plugins/demo/db.ts';
import mediaEraser from '../plugins/demo/media-eraser.ts';
import mediaExporter from '../plugins/demo/media-exporter.ts';
import ordersEraser from '../plugins/demo/orders-eraser.ts';
import ordersExporter from '../plugins/demo/orders-exporter.ts';
import sessionsEraser from '../plugins/demo/sessions-eraser.ts';
import sessionsExporter from '../plugins/demo/sessions-exporter.ts';
import userEraser from '../plugins/demo/user-eraser.ts';
import userExporter from '../plugins/demo/user-exporter.ts';
import { ManifestError, PluginUnavailableError } from '../lib/errors.ts';
import { testContext } from './helpers/context.ts';

/** The manifest order: the user eraser last, since the others find the account by email. */
const ERASERS: ReadonlyArray<readonly [string, Eraser]> = [
  ['comments', commentsEraser],
  ['sessions', sessionsEraser],
  ['media', mediaEraser],
  ['orders', ordersEraser],
  ['user', userEraser],
];
const EXPORTERS: ReadonlyArray<readonly [string, Exporter]> = [
  ['user', userExporter],
  ['comments', commentsExporter],
  ['sessions', sessionsExporter],
  ['media', mediaExporter],
  ['orders', ordersExporter],
];
const TALK = 'https://demo.example.com/2024/03/talk/';
const ALEX_ID = 1;
const SAM = 'sam.roe@example.com';
const TAX_REASON = 'Kept 2 orders and their invoices: tax law requires us to keep invoices for 10 years (GDPR Art. 17(3)(b)).';

const dirs: string[] = [];

after(() => {
  closeDemoConnections();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Site {
  dir: string;
  db: Database;
  ctx: PluginContext;
}

/** A freshly seeded demo site in its own directory, and a context pointing at it. */
function freshSite(settings: Record<string, unknown> = {}): Site {
  const dir = mkdtempSync(join(tmpdir(), 'demo-erasers-'));
  dirs.push(dir);
  const db = openDemoDb(join(dir, 'data', 'demo.db'));
  assert.equal(seedDemoData(db), true);
  const ctx = testContext({ manifestDir: dir, role: 'eraser', requestId: 'req-erase-1', settings: { database: 'data/demo.db', ...settings } });
  return { dir, db, ctx };
}

/** Calls `eraser` for pages 1, 2, … until done, validating every page. */
async function eraseAll(eraser: Eraser, email: string, ctx: PluginContext): Promise<ErasePage[]> {
  const pages: ErasePage[] = [];
  for (let page = 1; page <= 1000; page++) {
    const result = erasePageSchema.parse(await eraser(email, page, ctx));
    pages.push(result);
    if (result.done) return pages;
  }
  throw new Error('eraser never answered done');
}

async function exportAll(exporter: Exporter, email: string, ctx: PluginContext): Promise<ExportItem[]> {
  const items: ExportItem[] = [];
  for (let page = 1; page <= 1000; page++) {
    const result = exportPageSchema.parse(await exporter(email, page, ctx));
    items.push(...result.data);
    if (result.done) return items;
  }
  throw new Error('exporter never answered done');
}

const sum = (pages: ErasePage[], key: 'removed_count' | 'retained_count') => pages.reduce((n, p) => n + (p[key] ?? 0), 0);
const messages = (pages: ErasePage[]) => pages.flatMap((p) => p.messages);

/** Every row of every table, in a stable order, plus the files under `data/`. */
function dump(site: Site): Record<string, unknown> {
  const tables = site.db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all();
  const out: Record<string, unknown> = {};
  for (const { name } of tables)
    out[name] = site.db
      .prepare(`SELECT * FROM ${name}`)
      .all()
      .map((row) => JSON.stringify(row))
      .sort();
  out.files = readdirSync(join(site.dir, 'data'), { recursive: true, encoding: 'utf8' }).sort();
  return out;
}

/** Everything that is not the demo person's: must come out of an erasure byte for byte the same. */
function othersRows(db: Database): Record<string, unknown> {
  const alexComment = `lower(author_email) = '${DEMO_PERSON}' OR author_email = '' OR author_name = 'Anonymous'`;
  return {
    users: db.prepare('SELECT * FROM users WHERE id <> ? ORDER BY id').all(ALEX_ID),
    comments: db.prepare(`SELECT * FROM comments WHERE NOT (${alexComment}) ORDER BY id`).all(),
    sessions: db.prepare('SELECT * FROM sessions WHERE user_id <> ? ORDER BY id').all(ALEX_ID),
    media: db.prepare('SELECT * FROM media WHERE user_id <> ? ORDER BY id').all(ALEX_ID),
    orders: db.prepare('SELECT * FROM orders ORDER BY id').all(), // all kept, Alex's included
  };
}

interface CommentRow {
  id: number;
  user_id: number | null;
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
const alexComments = (db: Database) => db.prepare<[string], CommentRow>('SELECT * FROM comments WHERE author_email = ? ORDER BY id').all(DEMO_PERSON);

describe('erasing the demo person (manifest order, deleteOnPosts)', async () => {
  const site = freshSite({ deleteOnPosts: [TALK] });
  const { db, ctx } = site;
  const before = alexComments(db);
  const othersBefore = othersRows(db);
  const mediaFiles = db.prepare<[number], { file_path: string }>('SELECT file_path FROM media WHERE user_id = ?').all(ALEX_ID);
  const results: Record<string, ErasePage[]> = {};
  for (const [name, eraser] of ERASERS) results[name] = await eraseAll(eraser, DEMO_PERSON, ctx);
  const afterErasure = dump(site);

  test('the answers: counts and plain-language messages', () => {
    assert.deepEqual(results.comments, [
      {
        items_removed: true,
        items_retained: false,
        done: true,
        removed_count: 13,
        retained_count: 0,
        messages: [
          'Anonymised your comments: author name, email, IP address, website and location removed; the text was kept.',
          'Deleted your comments in full on posts whose comments are deleted on request.',
        ],
      },
    ]);
    assert.deepEqual(results.sessions, [
      {
        items_removed: true,
        items_retained: false,
        done: true,
        removed_count: 2,
        retained_count: 0,
        messages: ['Deleted 2 session tokens.'],
      },
    ]);
    assert.deepEqual(results.media, [
      {
        items_removed: true,
        items_retained: false,
        done: true,
        removed_count: 3,
        retained_count: 0,
        messages: ['Deleted 3 uploaded files.'],
      },
    ]);
    assert.deepEqual(results.orders, [
      {
        items_removed: false,
        items_retained: true,
        done: true,
        removed_count: 0,
        retained_count: 2,
        messages: [TAX_REASON],
      },
    ]);
    assert.deepEqual(results.user, [
      {
        items_removed: true,
        items_retained: false,
        done: true,
        removed_count: 1,
        retained_count: 0,
        messages: ['Cleared the account\u2019s personal details and disabled it.'],
      },
    ]);
  });

  test('comments are anonymised like WordPress (plus location), text and dates kept', () => {
    assert.equal(before.length, 13);
    const kept = before.filter((c) => c.post_url !== TALK);
    assert.equal(kept.length, 10);
    for (const old of kept) {
      const now = db.prepare<[number], CommentRow>('SELECT * FROM comments WHERE id = ?').get(old.id);
      assert.deepEqual(now, {
        ...old,
        author_name: 'Anonymous',
        author_email: '',
        author_ip: anonymizeIp(old.author_ip),
        author_url: '',
        user_agent: '',
        user_id: null,
        latitude: null,
        longitude: null,
      });
    }
    const ips = db.prepare<[], { author_ip: string }>(`SELECT DISTINCT author_ip FROM comments WHERE author_name = 'Anonymous' ORDER BY 1`).all();
    assert.deepEqual(
      ips.map((r) => r.author_ip),
      ['192.0.2.0', '2001:db8:85a3::'],
    );
  });

  test('comments on a deleteOnPosts post are deleted, the case-variant guest comment included', () => {
    const onTalk = before.filter((c) => c.post_url === TALK);
    assert.equal(onTalk.length, 3);
    assert.ok(onTalk.some((c) => c.author_email === 'Alex.Doe@Example.com'));
    for (const c of onTalk) assert.equal(db.prepare('SELECT 1 FROM comments WHERE id = ?').get(c.id), undefined);
    assert.equal(alexComments(db).length, 0);
  });

  test('other people\u2019s rows and files are untouched, byte for byte', () => {
    assert.deepEqual(othersRows(db), othersBefore);
    assert.ok(existsSync(join(site.dir, 'data', 'media', 'sam-notes.txt')));
    assert.equal((db.prepare(`SELECT count(*) AS n FROM comments WHERE post_url = ? AND author_name = 'Guest Poster'`).get(TALK) as { n: number }).n, 1);
  });

  test('sessions are gone', () => {
    assert.equal(db.prepare('SELECT 1 FROM sessions WHERE user_id = ?').get(ALEX_ID), undefined);
  });

  test('media files are gone from the disk and from the table', () => {
    assert.equal(mediaFiles.length, 3);
    for (const { file_path } of mediaFiles) assert.ok(!existsSync(join(site.dir, 'data', file_path)), file_path);
    assert.equal(db.prepare('SELECT 1 FROM media WHERE user_id = ?').get(ALEX_ID), undefined);
  });

  test('the account is cleared and disabled, its row kept', () => {
    assert.deepEqual(db.prepare('SELECT * FROM users WHERE id = ?').get(ALEX_ID), {
      id: ALEX_ID,
      login: `deleted-${ALEX_ID}`,
      email: `deleted-${ALEX_ID}@site.invalid`,
      display_name: 'Deleted user',
      first_name: '',
      last_name: '',
      url: '',
      registered_at: '2021-03-14 09:26:53',
      disabled: 1,
    });
  });

  test('the orders are still there', () => {
    assert.deepEqual(db.prepare('SELECT number FROM orders WHERE user_id = ? ORDER BY id').all(ALEX_ID), [{ number: 'WC-1001' }, { number: 'WC-1003' }]);
  });

  test('afterwards only the orders exporter finds anything: the retained data', async () => {
    for (const [name, exporter] of EXPORTERS) {
      const items = await exportAll(exporter, DEMO_PERSON, ctx);
      if (name === 'orders')
        assert.deepEqual(
          items.map((i) => i.item_id),
          ['order-1', 'order-3'],
        );
      else assert.deepEqual(items, [], name);
    }
  });

  test('a retried page (same request, same page) answers the same and changes nothing', async () => {
    for (const [name, eraser] of ERASERS) {
      const again = erasePageSchema.parse(await eraser(DEMO_PERSON, 1, ctx));
      assert.deepEqual(again, results[name]?.[0], name);
    }
    assert.deepEqual(dump(site), afterErasure);
  });

  test('a second request finds nothing to remove, without an error; the orders are still reported kept', async () => {
    const second = { ...ctx, requestId: 'req-erase-2' };
    for (const [name, eraser] of ERASERS) {
      const pages = await eraseAll(eraser, DEMO_PERSON, second);
      assert.equal(pages.length, 1, name);
      assert.equal(pages[0]?.items_removed, false, name);
      assert.equal(pages[0]?.removed_count, 0, name);
      if (name === 'orders') assert.deepEqual(messages(pages), [TAX_REASON]);
      else assert.deepEqual(pages[0], { items_removed: false, items_retained: false, messages: [], done: true, removed_count: 0, retained_count: 0 });
    }
    const withoutJournal = ({ erasure_journal: _, ...data }: Record<string, unknown>) => data;
    assert.deepEqual(withoutJournal(dump(site)), withoutJournal(afterErasure));
  });

  test('an empty email matches nothing, not the anonymised comments', async () => {
    for (const [name, eraser] of ERASERS) {
      const page = erasePageSchema.parse(await eraser('  ', 1, { ...ctx, requestId: 'req-empty' }));
      assert.equal(page.items_removed, false, name);
      assert.equal(page.items_retained, false, name);
    }
    assert.equal((db.prepare(`SELECT count(*) AS n FROM comments WHERE author_name = 'Anonymous'`).get() as { n: number }).n, 10);
  });
});

describe('dry run', () => {
  test('changes nothing, writes no journal, reports the counts with "Would …" messages', async () => {
    const site = freshSite({ deleteOnPosts: [TALK] });
    const dry = { ...site.ctx, dryRun: true, pageSize: 5 }; // the plan covers all pages, whatever the page size
    const before = dump(site);
    const results: Record<string, ErasePage[]> = {};
    for (const [name, eraser] of ERASERS) results[name] = await eraseAll(eraser, DEMO_PERSON, dry);
    assert.deepEqual(dump(site), before);
    assert.deepEqual(site.db.prepare('SELECT * FROM erasure_journal').all(), []);
    for (const [name, pages] of Object.entries(results)) {
      assert.equal(pages.length, 1, name);
      for (const message of messages(pages)) assert.match(message, /^Would /, name);
    }
    assert.deepEqual(results.comments?.[0], {
      items_removed: true,
      items_retained: false,
      done: true,
      removed_count: 13,
      retained_count: 0,
      messages: [
        'Would anonymise your comments: author name, email, IP address, website and location would be removed; the text would be kept.',
        'Would delete your comments in full on posts whose comments are deleted on request.',
      ],
    });
    assert.deepEqual(messages(results.sessions ?? []), ['Would delete 2 session tokens.']);
    assert.deepEqual(messages(results.media ?? []), ['Would delete 3 uploaded files.']);
    assert.deepEqual(messages(results.user ?? []), ['Would clear the account\u2019s personal details and disable it.']);
    assert.deepEqual(messages(results.orders ?? []), [TAX_REASON.replace(/^Kept/, 'Would keep')]);
    assert.deepEqual(Object.fromEntries(Object.entries(results).map(([n, p]) => [n, [sum(p, 'removed_count'), sum(p, 'retained_count')]])), {
      comments: [13, 0],
      sessions: [2, 0],
      media: [3, 0],
      orders: [0, 2],
      user: [1, 0],
    });

    // The real run afterwards (same request id) erases exactly what the plan said.
    for (const [name, eraser] of ERASERS) {
      const pages = await eraseAll(eraser, DEMO_PERSON, site.ctx);
      assert.equal(sum(pages, 'removed_count'), sum(results[name] ?? [], 'removed_count'), name);
      assert.equal(sum(pages, 'retained_count'), sum(results[name] ?? [], 'retained_count'), name);
    }
  });

  test('a dry run after the erasure finds nothing left but the kept orders', async () => {
    const site = freshSite();
    for (const [, eraser] of ERASERS) await eraseAll(eraser, DEMO_PERSON, site.ctx);
    const dry = { ...site.ctx, dryRun: true, requestId: 'req-plan' };
    for (const [name, eraser] of ERASERS) {
      const [page] = await eraseAll(eraser, DEMO_PERSON, dry);
      assert.equal(page?.removed_count, 0, name);
      assert.equal(page?.retained_count, name === 'orders' ? 2 : 0, name);
    }
  });
});

describe('paging without the WordPress offset bug', () => {
  test('page size 5 erases all 13 comments over 3 pages', async () => {
    const site = freshSite();
    const othersBefore = othersRows(site.db);
    const pages = await eraseAll(commentsEraser, DEMO_PERSON, { ...site.ctx, pageSize: 5 });
    assert.deepEqual(
      pages.map((p) => [p.removed_count, p.done]),
      [
        [5, false],
        [5, false],
        [3, true],
      ],
    );
    assert.equal(sum(pages, 'removed_count'), 13);
    assert.deepEqual(
      messages(pages),
      [5, 5, 3].map(() => 'Anonymised your comments: author name, email, IP address, website and location removed; the text was kept.'),
      'the same line on every page, for the engine to say once',
    );
    assert.equal(alexComments(site.db).length, 0);
    assert.equal((site.db.prepare(`SELECT count(*) AS n FROM comments WHERE author_name = 'Anonymous'`).get() as { n: number }).n, 13);
    assert.deepEqual(othersRows(site.db), othersBefore);
    // Journaled per page: replaying page 2 answers page 2's result.
    assert.deepEqual(await commentsEraser(DEMO_PERSON, 2, { ...site.ctx, pageSize: 5 }), pages[1]);
  });

  test('a full last page is done without a trailing empty page', async () => {
    const site = freshSite();
    const pages = await eraseAll(sessionsEraser, DEMO_PERSON, { ...site.ctx, pageSize: 1 });
    assert.deepEqual(
      pages.map((p) => [p.removed_count, p.done]),
      [
        [1, false],
        [1, true],
      ],
    );
    assert.deepEqual(messages(pages), ['Deleted 1 session token.', 'Deleted 1 session token.']);
  });

  test('50,000 comments with page size 500: every one erased', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-erasers-bench-'));
    dirs.push(dir);
    const email = 'bench@example.com';
    const db = openDemoDb(join(dir, 'bench.db'));
    seedManyComments(db, email, 50_000);
    seedManyComments(db, 'bystander@example.com', 10);
    const ctx = testContext({ manifestDir: dir, role: 'eraser', requestId: 'req-bench', settings: { database: 'bench.db' }, pageSize: 500 });
    const started = performance.now();
    const pages = await eraseAll(commentsEraser, email, ctx);
    const ms = performance.now() - started;
    t.diagnostic(`erased 50,000 comments in ${pages.length} pages of 500: ${ms.toFixed(0)} ms (${(ms / pages.length).toFixed(1)} ms per page)`);
    assert.equal(pages.length, 100);
    assert.equal(sum(pages, 'removed_count'), 50_000);
    assert.ok(pages.slice(0, -1).every((p) => !p.done && p.removed_count === 500));
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    assert.equal(count(`SELECT count(*) AS n FROM comments WHERE author_email = '${email}'`), 0);
    assert.equal(count(`SELECT count(*) AS n FROM comments WHERE author_name = 'Anonymous' AND author_ip = '198.51.100.0'`), 50_000);
    assert.equal(count(`SELECT count(*) AS n FROM comments WHERE author_email = 'bystander@example.com' AND author_ip = '198.51.100.77'`), 10);
    assert.equal(count(`SELECT count(*) AS n FROM erasure_journal WHERE request_id = 'req-bench'`), 100);
    db.close();
  });
});

describe('crash safety', () => {
  test('a media file that cannot be deleted rolls the page back; the retry finishes it', async () => {
    const site = freshSite();
    const cv = join(site.dir, 'data', 'media', 'alex-cv.pdf');
    unlinkSync(cv);
    mkdirSync(cv); // unlink() on a directory fails
    await assert.rejects(mediaEraser(DEMO_PERSON, 1, site.ctx), PluginUnavailableError);
    assert.equal((site.db.prepare('SELECT count(*) AS n FROM media WHERE user_id = ?').get(ALEX_ID) as { n: number }).n, 3);
    assert.deepEqual(site.db.prepare('SELECT * FROM erasure_journal').all(), []);
    rmSync(cv, { recursive: true });
    const pages = await eraseAll(mediaEraser, DEMO_PERSON, site.ctx);
    assert.equal(sum(pages, 'removed_count'), 3);
    assert.deepEqual(messages(pages), ['Deleted 3 uploaded files (3 were already gone from the disk).']);
    assert.equal(site.db.prepare('SELECT 1 FROM media WHERE user_id = ?').get(ALEX_ID), undefined);
  });

  test('a file already gone is fine', async () => {
    const site = freshSite();
    unlinkSync(join(site.dir, 'data', 'media', 'alex-avatar.png'));
    const pages = await eraseAll(mediaEraser, DEMO_PERSON, site.ctx);
    assert.deepEqual(messages(pages), ['Deleted 3 uploaded files (1 was already gone from the disk).']);
  });
});

describe('settings', () => {
  test('deleteOnPosts must be a list of URLs', async () => {
    const site = freshSite({ deleteOnPosts: TALK });
    await assert.rejects(commentsEraser(DEMO_PERSON, 1, site.ctx), (e: unknown) => e instanceof ManifestError && /deleteOnPosts/.test(e.message));
    assert.equal(alexComments(site.db).length, 13);
  });

  test('orders: settings.reason gives the reason; a bad one is a ManifestError', async () => {
    const site = freshSite({ reason: 'the law of Ruritania says so' });
    const [page] = await eraseAll(ordersEraser, SAM, site.ctx);
    assert.deepEqual(page?.messages, ['Kept 1 order and their invoices: the law of Ruritania says so.']);
    await assert.rejects(ordersEraser(SAM, 1, { ...site.ctx, settings: { database: 'data/demo.db', reason: 3 } }), ManifestError);
  });

  test('orders: no orders, nothing retained and no message', async () => {
    const site = freshSite();
    assert.deepEqual(await ordersEraser('guest.poster@example.org', 1, site.ctx), {
      items_removed: false,
      items_retained: false,
      messages: [],
      done: true,
      removed_count: 0,
      retained_count: 0,
    });
  });

  test('a missing database is a ManifestError for every eraser', async () => {
    const site = freshSite();
    for (const [name, eraser] of ERASERS) {
      await assert.rejects(async () => eraser(DEMO_PERSON, 1, { ...site.ctx, settings: { database: 'missing.db' } }), ManifestError, name);
    }
  });

  test('page 0 is a RangeError', async () => {
    const site = freshSite();
    for (const [name, eraser] of ERASERS) await assert.rejects(async () => eraser(DEMO_PERSON, 0, site.ctx), RangeError, name);
  });
});

describe('orders exporter', () => {
  test('exports the orders billed to the email, case-insensitively, nobody else\u2019s', async () => {
    const site = freshSite();
    const items = await exportAll(ordersExporter, '  ALEX.DOE@example.com ', site.ctx);
    assert.deepEqual(items, [
      {
        group_id: 'orders',
        group_label: 'Orders',
        group_description: 'Orders and invoices, kept for tax law.',
        item_id: 'order-1',
        data: [
          { name: 'Order Number', value: 'WC-1001' },
          { name: 'Total', value: '49.99 EUR' },
          { name: 'Date', value: '2023-11-24 10:00:00' },
          { name: 'Billing Name', value: 'Alex Doe' },
          { name: 'Billing Email', value: DEMO_PERSON },
        ],
      },
      {
        group_id: 'orders',
        group_label: 'Orders',
        group_description: 'Orders and invoices, kept for tax law.',
        item_id: 'order-3',
        data: [
          { name: 'Order Number', value: 'WC-1003' },
          { name: 'Total', value: '129.00 EUR' },
          { name: 'Date', value: '2024-05-02 09:45:00' },
          { name: 'Billing Name', value: 'Alex Doe' },
          { name: 'Billing Email', value: 'Alex.Doe@Example.com' },
        ],
      },
    ]);
    assert.deepEqual(
      (await exportAll(ordersExporter, SAM, site.ctx)).map((i) => i.item_id),
      ['order-2'],
    );
    assert.deepEqual(await ordersExporter('nobody@example.net', 1, site.ctx), { data: [], done: true });
    assert.deepEqual(await ordersExporter('', 1, site.ctx), { data: [], done: true });
  });

  test('pages by ctx.pageSize', async () => {
    const site = freshSite();
    const first = exportPageSchema.parse(await ordersExporter(DEMO_PERSON, 1, { ...site.ctx, pageSize: 1 }));
    const second = exportPageSchema.parse(await ordersExporter(DEMO_PERSON, 2, { ...site.ctx, pageSize: 1 }));
    assert.deepEqual([first.data.map((i) => i.item_id), first.done, second.data.map((i) => i.item_id), second.done], [['order-1'], false, ['order-3'], true]);
  });
});

describe('openDemoDb()', () => {
  test('a file from before orders had billing columns gets them, filled from the account', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-erasers-old-'));
    dirs.push(dir);
    const path = join(dir, 'old.db');
    const old = new Sqlite(path);
    old.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
      display_name TEXT NOT NULL DEFAULT '', first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '',
      url TEXT NOT NULL DEFAULT '', registered_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), number TEXT NOT NULL UNIQUE,
      total_cents INTEGER NOT NULL, currency TEXT NOT NULL, created_at TEXT NOT NULL);
      INSERT INTO users (login, email, display_name, registered_at) VALUES ('a', 'a@example.com', 'A', '2020-01-01 00:00:00');
      INSERT INTO orders (user_id, number, total_cents, currency, created_at) VALUES (1, 'X-1', 100, 'EUR', '2020-01-02 00:00:00');`);
    old.close();
    const db = openDemoDb(path);
    assert.deepEqual(db.prepare('SELECT billing_name, billing_email FROM orders').all(), [{ billing_name: 'A', billing_email: 'a@example.com' }]);
    db.close();
    openDemoDb(path).close(); // a second open leaves it as it is
  });
});

describe('anonymizeIp()', () => {
  // WordPress's own truth table (tests/phpunit/tests/functions/anonymization.php), then our additions.
  const cases: ReadonlyArray<readonly [string | null | undefined, string]> = [
    [null, '0.0.0.0'],
    [undefined, '0.0.0.0'],
    ['', '0.0.0.0'],
    ['0', '0.0.0.0'],
    ['1', '0.0.0.0'],
    ['0.0.0.0.0', '0.0.0.0'],
    ['0000:0000:0000:0000:0000:0000:0127:2258', '::'],
    ['unknown', '0.0.0.0'],
    ['or=\\"[1000:0000:0000:0000:0000:0000:0000:0001', '::'],
    ['or=\\"1000:0000:0000:0000:0000:0000:0000:0001', '::'],
    ['1000:0000:0000:0000:0000:0000:0000:0001or=\\"', '::'],
    ['10.20.30.45', '10.20.30.0'],
    ['10.20.30.45:20000', '10.20.30.0'],
    ['10.20.30.45/24', '10.20.30.0'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::'],
    ['[0000:0000:0000:0000:0000:0000:0000:0001]:1234', '::'],
    ['::', '::'],
    ['::1', '::'],
    ['[::]:20000', '::'],
    ['[::1]', '::'],
    ['::ffff:10.15.20.25', '::ffff:10.15.20.0'],
    ['[::FFFF:10.15.20.25]:30000', '::ffff:10.15.20.0'],
    ['::127.0.0.1', '::ffff:127.0.0.0'],
    ['[::127.0.0.1]:30000', '::ffff:127.0.0.0'],
    ['or=\\"[1000:0000:0000:0000:0000:0000:0000:0001]:400', '1000::'],
    ['or=\\"[1000:0000:0000:0000:0000:0000:0000:0001]', '1000::'],
    ['or=\\"[1000:0000:0000:0000:0000:0000:0000:0001]400', '1000::'],
    ['[1000:0000:0000:0000:0000:0000:0000:0001]:235\\"or=', '1000::'],
    ['2a03:2880:2110:df07:face:b00c::1', '2a03:2880:2110:df07::'],
    ['[2a03:2880:2110:df07:face:b00c::1]:20000', '2a03:2880:2110:df07::'],
    ['1000:0000:0000:0000:0000:0000:0000:0001', '1000::'],
    ['[1000:0000:0000:0000:0000:0000:0000:0001]:5678', '1000::'],
    ['fe80::b059:65f4:e877:c40%16', 'fe80::'],
    ['FE80::B059:65F4:E877:C40%eth0', 'fe80::'],
    // Additions: the seed's addresses, compression rules, malformed input.
    ['192.0.2.10', '192.0.2.0'],
    ['2001:db8:85a3::8a2e:370:7334', '2001:db8:85a3::'],
    ['2001:0db8:0000:0000:1:2:3:4', '2001:db8::'],
    ['0:0:0:1::', '0:0:0:1::'],
    ['1:0:0:2::', '1:0:0:2::'],
    ['1:2:3:4:5:6:7:8:9', '::'], // nine groups
    ['1::2::3', '::'], // two `::`
    ['12345::', '::'], // a group of five digits
    ['1:2:3:4:5:6:7:8::', '::'], // `::` standing for no group
    ['host.example.com.x', '0.0.0.0'], // three dots but no address: WordPress would answer 'host.example.com.0'
    ['300.1.2.3', '0.0.0.0'],
    ['::ffff:a.b.c.d', '0.0.0.0'],
  ];
  for (const [raw, expected] of cases) {
    test(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(anonymizeIp(raw), expected));
  }
});
