/**
 * A bad page never takes down a worker: one oversized answer (an http body of
 * 50 MB, a single-page sql query over 600,000 rows, a module's huge list)
 * fails its own request at once, without retry, naming the plugin, the page
 * and the limit, while the worker lives on and other requests complete.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { validateExportPage } from '../plugins/host/check-answer.ts';
import { PageTooLargeError } from '../lib/errors.ts';
import type { EraserSnapshot, PageLimits } from '../manifest/snapshot.ts';
import { resolvePlugin } from '../plugins/kinds/registry.ts';
import { closeSqlConnections } from '../plugins/kinds/sql.ts';
import { testContext } from './helpers/context.ts';
import { type ProcessStack, startProcessStack } from './helpers/processes.ts';

const item = (i: number) => ({ group_id: 'g', group_label: 'G', item_id: `i-${i}`, data: [{ name: 'Note', value: `note number ${i} `.repeat(6) }] });

/** Answers `/export` with `items` items for `huge@…` (streamed, no Content-Length) and two for anyone else. */
async function startBigEndpoint(items: number): Promise<{ server: Server; url: string; calls: Map<string, number> }> {
  const calls = new Map<string, number>();
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const { email } = JSON.parse(raw) as { email: string };
    calls.set(email, (calls.get(email) ?? 0) + 1);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const count = email.startsWith('huge') ? items : 2;
    res.write('{"done":true,"data":[');
    for (let i = 0; i < count; i++) {
      const ok = res.write(`${i ? ',' : ''}${JSON.stringify(item(i))}`);
      if (!ok) await new Promise((resolve) => res.once('drain', resolve));
      if (res.destroyed) return;
    }
    res.end(']}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

function snapshot(source: EraserSnapshot['source'], limits: PageLimits, permissions: Partial<EraserSnapshot['permissions']>): EraserSnapshot {
  return {
    index: 0,
    key: 'big',
    name: 'Big',
    pageSize: undefined,
    timeoutMs: 30_000,
    settings: {},
    retry: { maxAttempts: 1, initialIntervalMs: 1, maxIntervalMs: 1 },
    retentionReason: undefined,
    supportsDryRun: false,
    maxPages: 10,
    group: { id: 'rows', label: 'Rows', description: '' },
    source,
    limits,
    permissions: { net: [], env: [], read: [], write: [], ...permissions },
  };
}

describe('page limits, each kind alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsr-limits-'));
  after(async () => {
    await closeSqlConnections();
    rmSync(dir, { recursive: true, force: true });
  });

  test('http: a body over maxPageBytes is refused as it streams, naming plugin, page and limit', async () => {
    const endpoint = await startBigEndpoint(20_000); // ~3 MB
    try {
      const plugin = snapshot(
        { kind: 'http', url: `${endpoint.url}/export`, headers: {} },
        { maxPageBytes: 1024 * 1024, maxPageItems: 100_000 },
        {
          net: [new URL(endpoint.url).host],
        },
      );
      const fn = await resolvePlugin(plugin, 'exporter');
      const ctx = testContext({ manifestDir: dir, key: 'big', permissions: plugin.permissions });
      await assert.rejects(Promise.resolve(fn('huge@example.com', 3, ctx)), (error: Error) => {
        assert.ok(error instanceof PageTooLargeError, `${error.name}: ${error.message}`);
        assert.match(error.message, /page 3 of exporter "big".*limit of 1 MiB \(maxPageBytes in plugins\.yaml\)/);
        return true;
      });
      assert.equal(((await fn('small@example.com', 1, ctx)) as { data: unknown[] }).data.length, 2, 'a small page still passes');
    } finally {
      endpoint.server.close();
    }
  });

  test('sql: a single-page query over maxPageItems rows fails without fetching them all', async () => {
    const file = join(dir, 'rows.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE row (id INTEGER PRIMARY KEY, email TEXT, note TEXT)');
    const insert = db.prepare('INSERT INTO row (email, note) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 1500; i++) insert.run('many@example.com', `n${i}`);
      insert.run('one@example.com', 'only');
    })();
    db.close();
    process.env.DSR_LIMITS_SQLITE = `sqlite:${file}`;
    const plugin = snapshot(
      {
        kind: 'sql',
        connection: 'DSR_LIMITS_SQLITE',
        query: 'SELECT id, note FROM row WHERE email = :email ORDER BY id;',
        itemId: 'row-{id}',
        fields: { Note: 'note' },
      },
      { maxPageBytes: 8 * 1024 * 1024, maxPageItems: 1000 },
      { env: ['DSR_LIMITS_SQLITE'], read: [dir] },
    );
    const fn = await resolvePlugin(plugin, 'exporter');
    const ctx = testContext({ manifestDir: dir, key: 'big', permissions: plugin.permissions });
    await assert.rejects(Promise.resolve(fn('many@example.com', 1, ctx)), /page 1 of exporter "big": it holds more than 1,000 rows, the limit \(maxPageItems/);
    const one = (await fn('one@example.com', 1, ctx)) as { data: { item_id: string }[]; done: boolean };
    assert.deepEqual(
      one.data.map((i) => i.item_id),
      ['row-1501'],
      'the wrapped query answers the same rows as before',
    );
    assert.equal(one.done, true);
  });

  test('module: an answer over the item or byte limit is refused before it is checked item by item', () => {
    const limits = { maxPageBytes: 64 * 1024, maxPageItems: 100 };
    const exporter = { key: 'mod', name: 'Module', limits };
    assert.throws(
      () => validateExportPage({ data: Array.from({ length: 101 }, (_, i) => item(i)), done: true }, exporter, 2),
      (error: Error) => {
        assert.ok(error instanceof PageTooLargeError);
        assert.match(error.message, /page 2 of exporter "mod": it holds more than 100 items/);
        return true;
      },
    );
    const wide = { data: [{ ...item(1), data: [{ name: 'Blob', value: 'x'.repeat(70 * 1024) }] }], done: true };
    assert.throws(() => validateExportPage(wide, exporter, 1), /exporter "mod".*limit of 64 KiB/);
    assert.equal(validateExportPage({ data: [item(1)], done: true }, exporter, 1).data.length, 1);
  });
});

describe('page limits in a running worker (its heap capped as in production)', () => {
  let stack: ProcessStack;
  let endpoint: Awaited<ReturnType<typeof startBigEndpoint>>;
  before(async () => {
    endpoint = await startBigEndpoint(500_000); // ~50 MB of JSON
    const dir = mkdtempSync(join(tmpdir(), 'dsr-limits-db-'));
    const db = new Database(join(dir, 'rows.sqlite'));
    db.exec('CREATE TABLE row (id INTEGER PRIMARY KEY, email TEXT, note TEXT)');
    const insert = db.prepare('INSERT INTO row (email, note) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 600_000; i++) insert.run('rows@example.com', 'a note of some length to make rows real');
      insert.run('fine@example.com', 'only');
    })();
    db.close();
    stack = await startProcessStack({
      env: { ROWS_DB: `sqlite:${join(dir, 'rows.sqlite')}` },
      manifest: `version: 1
exporters:
  - key: crm
    name: CRM
    kind: http
    url: ${endpoint.url}/export
    retry: { maxAttempts: 3, initialInterval: 100ms }
    permissions: { net: ['${new URL(endpoint.url).host}'] }
  - key: rows
    name: Rows
    kind: sql
    connection: ROWS_DB
    query: SELECT id, note FROM row WHERE email = :email
    itemId: row-{id}
    fields: { Note: note }
    groupId: rows
    groupLabel: Rows
    retry: { maxAttempts: 3, initialInterval: 100ms }
    permissions: { env: [ROWS_DB], read: ['${dir}'] }
`,
    });
  });
  after(async () => {
    await stack?.close();
    endpoint?.server.close();
  });

  test('a 50 MB http page and a 600,000-row sql page fail their requests at once; the worker lives and others complete', async () => {
    const huge = await stack.api('POST', '/api/requests', { email: 'huge@example.com', action: 'export', skipConfirmation: true });
    const rows = await stack.api('POST', '/api/requests', { email: 'rows@example.com', action: 'export', skipConfirmation: true });
    const fine = await stack.api('POST', '/api/requests', { email: 'fine@example.com', action: 'export', skipConfirmation: true });
    const failedHuge = await stack.waitForStatus(huge.body.id, 'failed');
    assert.match(failedHuge.reason, /page 1 of exporter "crm".*limit of 8 MiB \(maxPageBytes/);
    const failedRows = await stack.waitForStatus(rows.body.id, 'failed');
    assert.match(failedRows.reason, /page 1 of exporter "rows": it holds more than 10,000 rows/);
    await stack.waitForStatus(fine.body.id, 'completed');
    assert.equal(endpoint.calls.get('huge@example.com'), 1, 'the oversized page was not retried');
    assert.ok(stack.worker.running(), 'the worker is still running');
    assert.doesNotMatch(stack.logs().get('worker.log') ?? '', /heap out of memory|FATAL ERROR/);
  });
});
