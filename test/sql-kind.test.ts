/**
 * The `sql` kind against a real PostgreSQL server (installed and started by
 * the test helper) and a SQLite file: paging, mapping, erasure in pages with
 * exact counts, retained data, dry runs, SQL injection through the email,
 * permissions, manifest mistakes; then a whole export and erase request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { ManifestError, PermissionError, PluginContractError, PluginUnavailableError } from '../lib/errors.ts';
import type { EraserSnapshot, Permissions, PluginSource } from '../manifest/snapshot.ts';
import type { ErasePage, ExportPage } from '../plugins/contract.ts';
import { resolvePlugin } from '../plugins/kinds/registry.ts';
import { closeSqlConnections } from '../plugins/kinds/sql.ts';
import { readTarget } from '../plugins/kinds/sql/connect.ts';
import { postgresConfig } from '../plugins/kinds/sql/postgres.ts';
import { testContext } from './helpers/context.ts';
import { startPostgres, type TestPostgres } from './helpers/postgres.ts';
import { startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const ALEX = 'alex@example.com';
const SAM = 'sam@example.com';
const INJECTIONS = [`x' OR '1'='1`, `'; DROP TABLE contacts; --`, `a@b.c" OR 1=1 --`, `${ALEX}' --`, `' OR email LIKE '%`];
const TAX = 'tax law requires invoices to be kept for 10 years';

const EXPORT_QUERY = 'SELECT id, name, phone FROM contacts WHERE email = :email ORDER BY id LIMIT :limit OFFSET :offset';
const ERASE_STATEMENTS = [
  `UPDATE contacts SET email = 'erased-' || id || '@invalid', name = NULL, phone = NULL
   WHERE id IN (SELECT id FROM contacts WHERE email = :email ORDER BY id LIMIT :limit)`,
  'DELETE FROM notes WHERE id IN (SELECT id FROM notes WHERE email = :email ORDER BY id LIMIT :limit)',
];
const RETAIN = { query: 'SELECT count(*) AS count FROM invoices WHERE email = :email', reason: TAX };

type Row = Record<string, unknown>;

/** One database the suite runs against, with the means to reset and read it. */
interface Backend {
  name: string;
  env: string;
  /** What a plugin needs declared to reach it. */
  permissions: Partial<Permissions>;
  exec(sql: string): Promise<void>;
  all(sql: string): Promise<Row[]>;
}

/** 25 contacts (every even one without a phone) and 12 notes for Alex, 3 invoices; 5 contacts, 2 notes, 1 invoice for Sam. */
function seedSql(): string {
  const contacts = [
    ...Array.from(
      { length: 25 },
      (_, i) => `(${i + 1}, '${ALEX}', 'Alex ${i + 1}', ${(i + 1) % 2 === 0 ? 'NULL' : `'+1 555 01${String(i + 1).padStart(2, '0')}'`})`,
    ),
    ...Array.from({ length: 5 }, (_, i) => `(${101 + i}, '${SAM}', 'Sam ${i + 1}', '+44 20 7946 000${i}')`),
  ];
  const notes = [
    ...Array.from({ length: 12 }, (_, i) => `(${i + 1}, '${ALEX}', 'note ${i + 1}')`),
    `(50, '${SAM}', 'sam note')`,
    `(51, '${SAM}', 'sam note 2')`,
  ];
  return `
    DROP TABLE IF EXISTS contacts; DROP TABLE IF EXISTS notes; DROP TABLE IF EXISTS invoices;
    CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, phone TEXT);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, email TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE invoices (id INTEGER PRIMARY KEY, email TEXT NOT NULL, total INTEGER NOT NULL);
    INSERT INTO contacts (id, email, name, phone) VALUES ${contacts.join(', ')};
    INSERT INTO notes (id, email, body) VALUES ${notes.join(', ')};
    INSERT INTO invoices (id, email, total) VALUES (1, '${ALEX}', 100), (2, '${ALEX}', 250), (3, '${ALEX}', 75), (4, '${SAM}', 10);`;
}

async function everything(backend: Backend): Promise<{ contacts: Row[]; notes: Row[]; invoices: Row[] }> {
  return {
    contacts: await backend.all('SELECT * FROM contacts ORDER BY id'),
    notes: await backend.all('SELECT * FROM notes ORDER BY id'),
    invoices: await backend.all('SELECT * FROM invoices ORDER BY id'),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'dsr-sql-'));
let postgres: TestPostgres;
let pgPool: pg.Pool;
const backends: Backend[] = [];

before(async () => {
  postgres = await startPostgres();
  pgPool = new pg.Pool({ connectionString: postgres.url, max: 2 });
  process.env.DSR_TEST_PG_URL = postgres.url;
  const sqliteFile = join(dir, 'crm.sqlite');
  const sqlite = new Sqlite(sqliteFile);
  process.env.DSR_TEST_SQLITE_URL = `sqlite:${sqliteFile}`;
  backends.push(
    {
      name: 'PostgreSQL',
      env: 'DSR_TEST_PG_URL',
      permissions: { env: ['DSR_TEST_PG_URL'], net: ['127.0.0.1'] },
      exec: async (sql) => void (await pgPool.query(sql)),
      all: async (sql) => (await pgPool.query(sql)).rows,
    },
    {
      name: 'SQLite',
      env: 'DSR_TEST_SQLITE_URL',
      permissions: { env: ['DSR_TEST_SQLITE_URL'], read: [dir], write: [dir] },
      exec: async (sql) => void sqlite.exec(sql),
      all: async (sql) => sqlite.prepare(sql).all() as Row[],
    },
  );
});

after(async () => {
  await closeSqlConnections();
  await pgPool?.end();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A manifest entry as a request's snapshot holds it. */
function snapshot(
  backend: Backend,
  source: Omit<Extract<PluginSource, { kind: 'sql' }>, 'kind' | 'connection'>,
  permissions: Partial<Permissions> = backend.permissions,
): EraserSnapshot {
  return {
    index: 0,
    key: 'crm-contacts',
    name: 'CRM contacts',
    source: { kind: 'sql', connection: backend.env, ...source },
    pageSize: 10,
    timeoutMs: 10_000,
    retry: { maxAttempts: 1, initialIntervalMs: 1000, maxIntervalMs: 1000 },
    group: { id: 'crm-contacts', label: 'CRM contacts', description: 'People in the CRM' },
    permissions: { net: [], env: [], read: [], write: [], ...permissions },
    settings: {},
    retentionReason: undefined,
    supportsDryRun: true,
    maxPages: 1000,
  };
}

const exporterSource = { query: EXPORT_QUERY, itemId: 'contact-{id}', fields: { Name: 'name', Phone: 'phone' } };
const eraserSource = { statements: ERASE_STATEMENTS, retain: RETAIN };

async function exportPage(plugin: EraserSnapshot, email: string, page: number, extra: { signal?: AbortSignal } = {}): Promise<ExportPage> {
  const fn = await resolvePlugin(plugin, 'exporter');
  return (await fn(email, page, testContext({ manifestDir: dir, pageSize: plugin.pageSize, ...extra }))) as ExportPage;
}

async function erasePage(plugin: EraserSnapshot, email: string, page: number, dryRun = false): Promise<ErasePage> {
  const fn = await resolvePlugin(plugin, 'eraser');
  return (await fn(email, page, testContext({ manifestDir: dir, pageSize: plugin.pageSize, dryRun, role: 'eraser' }))) as ErasePage;
}

for (const name of ['PostgreSQL', 'SQLite']) {
  describe(`sql kind on ${name}`, () => {
    let backend: Backend;
    beforeEach(async () => {
      backend = backends.find((b) => b.name === name) as Backend;
      await backend.exec(seedSql());
    });

    test('the exporter pages through 25 rows 10 at a time, mapping ids and pairs, and nobody else’s', async () => {
      const plugin = snapshot(backend, exporterSource);
      const pages = [];
      for (let page = 1; page <= 3; page++) pages.push(await exportPage(plugin, ALEX, page));
      assert.deepEqual(
        pages.map((p) => [p.data.length, p.done]),
        [
          [10, false],
          [10, false],
          [5, true],
        ],
      );
      const items = pages.flatMap((p) => p.data);
      assert.deepEqual(
        items.map((item) => item.item_id),
        Array.from({ length: 25 }, (_, i) => `contact-${i + 1}`),
      );
      assert.deepEqual(items[0], {
        group_id: 'crm-contacts',
        group_label: 'CRM contacts',
        group_description: 'People in the CRM',
        item_id: 'contact-1',
        data: [
          { name: 'Name', value: 'Alex 1' },
          { name: 'Phone', value: '+1 555 0101' },
        ],
      });
      assert.deepEqual(items[1]?.data, [{ name: 'Name', value: 'Alex 2' }], 'an empty phone is left out');
      assert.ok(!JSON.stringify(items).includes('Sam'));
      assert.deepEqual(await exportPage(plugin, 'nobody@example.com', 1), { data: [], done: true });
    });

    test('a query without :limit and :offset is one page', async () => {
      const plugin = snapshot(backend, {
        ...exporterSource,
        query: 'SELECT count(*) AS n, min(id) AS id FROM contacts WHERE email = :email',
        fields: { Contacts: 'n' },
      });
      const page = await exportPage(plugin, ALEX, 1);
      assert.equal(page.done, true);
      assert.deepEqual(
        page.data.map((item) => [item.item_id, item.data]),
        [['contact-1', [{ name: 'Contacts', value: 25 }]]],
      );
    });

    test('the eraser anonymises and deletes in pages until done, with exact counts and what it keeps', async () => {
      const plugin = snapshot(backend, eraserSource);
      const pages: ErasePage[] = [];
      for (let page = 1; page <= 10 && !pages.at(-1)?.done; page++) pages.push(await erasePage(plugin, ALEX, page));
      assert.deepEqual(
        pages.map((p) => [p.removed_count, p.retained_count, p.done]),
        [
          [20, 0, false],
          [12, 0, false],
          [5, 3, true],
        ],
      );
      assert.equal(
        pages.reduce((n, p) => n + (p.removed_count ?? 0), 0),
        25 + 12,
      );
      assert.deepEqual(pages.at(-1), {
        items_removed: true,
        items_retained: true,
        messages: ['Erased 5 item(s).', `Kept 3 item(s): ${TAX}`],
        done: true,
        removed_count: 5,
        retained_count: 3,
      });
      const data = await everything(backend);
      assert.equal(data.contacts.filter((row) => row.email === ALEX).length, 0);
      assert.ok(
        data.contacts.filter((row) => Number(row.id) <= 25).every((row) => row.name === null && row.phone === null && row.email === `erased-${row.id}@invalid`),
      );
      assert.equal(data.contacts.filter((row) => row.email === SAM).length, 5, 'other people’s rows stay');
      assert.deepEqual(
        data.notes.map((row) => row.email),
        [SAM, SAM],
      );
      assert.equal(data.invoices.length, 4, 'invoices are kept');
      assert.deepEqual(
        await erasePage(plugin, ALEX, 1),
        {
          items_removed: false,
          items_retained: true,
          messages: [`Kept 3 item(s): ${TAX}`],
          done: true,
          removed_count: 0,
          retained_count: 3,
        },
        'running again erases nothing and still reports what is kept',
      );
    });

    test('a dry run reports the whole plan on page 1 and changes nothing', async () => {
      const before = await everything(backend);
      const plugin = snapshot(backend, eraserSource);
      assert.deepEqual(await erasePage(plugin, ALEX, 1, true), {
        items_removed: true,
        items_retained: true,
        messages: ['Would erase 37 item(s).', `Would keep 3 item(s): ${TAX}`],
        done: true,
        removed_count: 37,
        retained_count: 3,
      });
      assert.equal((await erasePage(plugin, ALEX, 2, true)).removed_count, 0);
      assert.deepEqual(await everything(backend), before);
    });

    test('SQL in the email is only ever a value: nothing found, nothing changed', async () => {
      const before = await everything(backend);
      const exporter = snapshot(backend, exporterSource);
      const eraser = snapshot(backend, eraserSource);
      for (const email of INJECTIONS) {
        assert.deepEqual(await exportPage(exporter, email, 1), { data: [], done: true }, email);
        const page = await erasePage(eraser, email, 1);
        assert.deepEqual([page.removed_count, page.retained_count, page.done], [0, 0, true], email);
      }
      assert.deepEqual(await everything(backend), before);
    });

    test('an aborted page starts no query', async () => {
      const controller = new AbortController();
      controller.abort(new Error('cancelled'));
      await assert.rejects(exportPage(snapshot(backend, exporterSource), ALEX, 1, { signal: controller.signal }), /cancelled/);
    });

    test('permissions: an undeclared variable, and a missing one', async () => {
      const plugin = snapshot(backend, exporterSource, { ...backend.permissions, env: [] });
      await assert.rejects(resolvePlugin(plugin, 'exporter'), (error: Error) => {
        assert.ok(error instanceof PermissionError);
        assert.match(error.message, new RegExp(`exporter "crm-contacts" read the environment variable "${backend.env}".*permissions\\.env`));
        return true;
      });
      const unset = { ...snapshot(backend, exporterSource, { ...backend.permissions, env: ['DSR_TEST_UNSET_URL'] }) };
      unset.source = { ...unset.source, connection: 'DSR_TEST_UNSET_URL' } as PluginSource;
      await assert.rejects(
        resolvePlugin(unset, 'exporter'),
        (error: Error) => error instanceof ManifestError && /"DSR_TEST_UNSET_URL" is not set/.test(error.message),
      );
    });

    test('manifest mistakes: an unknown parameter, no :email, a statement that fails', async () => {
      await assert.rejects(
        resolvePlugin(snapshot(backend, { ...exporterSource, query: `${EXPORT_QUERY.replace('ORDER BY', 'AND id > :since ORDER BY')}` }), 'exporter'),
        (error: Error) => error instanceof ManifestError && /exporter "crm-contacts": query: unknown parameter ":since"/.test(error.message),
      );
      await assert.rejects(
        resolvePlugin(snapshot(backend, { statements: ['DELETE FROM notes WHERE email = :email LIMIT :offset'] }), 'eraser'),
        (error: Error) => error instanceof ManifestError && /statements\[0\]: unknown parameter ":offset"; this SQL may use :email, :limit/.test(error.message),
      );
      await assert.rejects(
        resolvePlugin(snapshot(backend, { statements: ['DELETE FROM notes'] }), 'eraser'),
        (error: Error) => error instanceof ManifestError && /statements\[0\] does not use :email/.test(error.message),
      );
      await assert.rejects(
        erasePage(snapshot(backend, { statements: ['DELETE FROM notez WHERE email = :email'] }), ALEX, 1),
        (error: Error) => error instanceof ManifestError && /Cannot run statements\[0\] of eraser "crm-contacts" on .*notez/.test(error.message),
      );
      await assert.rejects(
        exportPage(snapshot(backend, { ...exporterSource, itemId: 'contact-{uuid}' }), ALEX, 1),
        (error: Error) =>
          error instanceof PluginContractError &&
          /itemId "contact-\{uuid\}" names the column "uuid", but the query answers only "id", "name", "phone"/.test(error.message),
      );
      await assert.rejects(
        exportPage(snapshot(backend, { ...exporterSource, query: EXPORT_QUERY.replace('SELECT id', 'SELECT id, 1 AS x'), fields: { Name: 'nmae' } }), ALEX, 1),
        (error: Error) => error instanceof PluginContractError && /fields\["Name"\] names the column "nmae"/.test(error.message),
      );
    });
  });
}

describe('sql kind: PostgreSQL specifics', () => {
  const pgBackend = () => backends.find((b) => b.name === 'PostgreSQL') as Backend;
  beforeEach(async () => {
    await pgBackend().exec(seedSql());
  });

  test('casts, literals with colons, dates and big numbers', async () => {
    await pgBackend().exec(`ALTER TABLE contacts ADD COLUMN seen TIMESTAMPTZ, ADD COLUMN born DATE, ADD COLUMN prefs JSONB;
      UPDATE contacts SET seen = '2024-03-01 10:00:00+00', born = '1990-12-31', prefs = '{"news": true}' WHERE id = 1`);
    const plugin = snapshot(pgBackend(), {
      query: `SELECT id::text AS id, 'a:b :x' AS tag, $$ :y $$ AS dollar, seen, born, prefs, id::bigint * 10000000000000000 AS big, id::int8 AS small
              FROM contacts WHERE email = :email::text /* :z */ ORDER BY contacts.id LIMIT :limit OFFSET :offset`,
      itemId: 'c-{id}',
      fields: { Tag: 'tag', Dollar: 'dollar', Seen: 'seen', Born: 'born', Prefs: 'prefs', Big: 'big', Small: 'small' },
    });
    const page = await exportPage({ ...plugin, pageSize: 1 }, ALEX, 1);
    assert.deepEqual(page.data[0]?.data, [
      { name: 'Tag', value: 'a:b :x' },
      { name: 'Dollar', value: ' :y ' },
      { name: 'Seen', value: '2024-03-01T10:00:00.000Z' },
      { name: 'Born', value: '1990-12-31' },
      { name: 'Prefs', value: '{"news":true}' },
      { name: 'Big', value: '10000000000000000' },
      { name: 'Small', value: 1 },
    ]);
  });

  test('an exporter cannot write: its transaction is read-only', async () => {
    const plugin = snapshot(pgBackend(), { ...exporterSource, query: 'DELETE FROM contacts WHERE email = :email RETURNING id, name, phone' });
    await assert.rejects(exportPage(plugin, ALEX, 1), (error: Error) => error instanceof ManifestError && /read-only transaction/.test(error.message));
    assert.equal((await pgBackend().all(`SELECT id FROM contacts WHERE email = '${ALEX}'`)).length, 25);
  });

  test('permissions: an undeclared host', async () => {
    const plugin = snapshot(pgBackend(), exporterSource, { env: ['DSR_TEST_PG_URL'], net: ['db.example.com'] });
    await assert.rejects(resolvePlugin(plugin, 'exporter'), (error: Error) => {
      assert.ok(error instanceof PermissionError);
      assert.match(error.message, /exporter "crm-contacts" connect to "127\.0\.0\.1:\d+".*permissions\.net/);
      return true;
    });
  });

  test('a server that does not answer is unavailable (retried), not a manifest error', async () => {
    process.env.DSR_TEST_PG_DOWN = 'postgres://postgres@127.0.0.1:1/nothing';
    const plugin = snapshot(pgBackend(), exporterSource, { env: ['DSR_TEST_PG_DOWN'], net: ['127.0.0.1'] });
    plugin.source = { ...plugin.source, connection: 'DSR_TEST_PG_DOWN' } as PluginSource;
    await assert.rejects(exportPage(plugin, ALEX, 1), (error: Error) => {
      assert.ok(error instanceof PluginUnavailableError, `${error.name}: ${error.message}`);
      assert.match(error.message, /exporter "crm-contacts" \(postgres 127\.0\.0\.1:1\/nothing\)/);
      assert.doesNotMatch(error.message, /postgres:\/\//, 'the URL (which may hold a password) is not shown');
      return true;
    });
  });
});

describe('sql kind: a PostgreSQL URL is all pg gets, never PG* variables or ~/.pgpass', () => {
  const PG_ENV = { PGHOST: 'evil.example', PGPORT: '1', PGUSER: 'intruder', PGDATABASE: 'other', PGPASSWORD: 'not-declared', PGSSLMODE: 'require' };
  /** Runs `work` with the PG* variables pg would fall back on set, then restores them. */
  async function withPgEnv<T>(work: () => Promise<T> | T): Promise<T> {
    const saved = Object.fromEntries(Object.keys(PG_ENV).map((name) => [name, process.env[name]]));
    Object.assign(process.env, PG_ENV);
    try {
      return await work();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }
  const pgBackend = () => backends.find((b) => b.name === 'PostgreSQL') as Backend;
  const target = (url: string) => {
    process.env.DSR_TEST_PG_BARE = url;
    const plugin = snapshot(pgBackend(), exporterSource, { env: ['DSR_TEST_PG_BARE'], net: ['db.example.com:5432'] });
    return readTarget(plugin, 'DSR_TEST_PG_BARE', 'exporter');
  };

  test("a URL without port, password or database: 5432, none, the user's name; no TLS unless it asks", async () => {
    await withPgEnv(async () => {
      const bare = target('postgres://alice@db.example.com');
      assert.ok(bare.dialect === 'postgres');
      const client = new pg.Client(postgresConfig(bare.postgres));
      assert.deepEqual([client.host, client.port, client.user, client.database, client.ssl], ['db.example.com', 5432, 'alice', 'alice', false]);
      assert.equal(typeof client.password, 'function', 'a function: pg then reads neither PGPASSWORD nor ~/.pgpass');
      assert.equal(await (client.password as unknown as () => Promise<string> | string)(), '');
      const full = target('postgres://bob:s%40cret@db.example.com/crm?sslmode=no-verify&application_name=crm');
      assert.ok(full.dialect === 'postgres');
      const config = postgresConfig(full.postgres);
      assert.deepEqual([config.user, config.database, config.ssl, config.application_name], ['bob', 'crm', { rejectUnauthorized: false }, 'crm']);
      assert.equal(await (config.password as () => Promise<string> | string)(), 's@cret');
    });
  });

  test('a URL without a user, or with options pg would take a user, password or host from, is refused', () => {
    assert.throws(
      () => target('postgres://db.example.com/crm'),
      (error: Error) => error instanceof ManifestError && /names no user/.test(error.message),
    );
    for (const option of ['user=postgres', 'password=x', 'dbname=other', 'service=crm']) {
      assert.throws(
        () => target(`postgres://alice@db.example.com/crm?${option}`),
        (error: Error) => error instanceof ManifestError && /the options supported are/.test(error.message),
        option,
      );
    }
  });

  test('a plugin connects where its URL says with PG* variables set (PGSSLMODE=require would fail: the server has no TLS)', async () => {
    const plugin = { ...snapshot(pgBackend(), exporterSource), key: 'crm-pg-env' }; // a pool of its own, opened now
    await pgBackend().exec(seedSql());
    const page = await withPgEnv(() => exportPage(plugin, ALEX, 1));
    assert.equal(page.data.length, 10);
  });
});

describe('sql kind: SQLite specifics', () => {
  const sqliteBackend = () => backends.find((b) => b.name === 'SQLite') as Backend;
  beforeEach(async () => {
    await sqliteBackend().exec(seedSql());
  });

  test('permissions: the file must be under permissions.read (exporter) or permissions.write (eraser)', async () => {
    const elsewhere = join(dir, 'elsewhere');
    const exporter = snapshot(sqliteBackend(), exporterSource, { env: ['DSR_TEST_SQLITE_URL'], read: [elsewhere] });
    await assert.rejects(exportPage(exporter, ALEX, 1), (error: Error) => {
      assert.ok(error instanceof PermissionError);
      assert.match(error.message, /exporter "crm-contacts" read ".*crm\.sqlite".*permissions\.read/);
      return true;
    });
    const eraser = snapshot(sqliteBackend(), eraserSource, { env: ['DSR_TEST_SQLITE_URL'], read: [dir] });
    await assert.rejects(erasePage(eraser, ALEX, 1), (error: Error) => {
      assert.ok(error instanceof PermissionError);
      assert.match(error.message, /eraser "crm-contacts" write ".*crm\.sqlite".*permissions\.write/);
      return true;
    });
    assert.equal((await sqliteBackend().all(`SELECT id FROM notes WHERE email = '${ALEX}'`)).length, 12);
  });

  test('a relative path is relative to the manifest’s directory', async () => {
    process.env.DSR_TEST_SQLITE_REL = 'sqlite:./crm.sqlite';
    const plugin = snapshot(sqliteBackend(), exporterSource, { env: ['DSR_TEST_SQLITE_REL'], read: [dir] });
    plugin.source = { ...plugin.source, connection: 'DSR_TEST_SQLITE_REL' } as PluginSource;
    assert.equal((await exportPage(plugin, ALEX, 1)).data.length, 10);
  });

  test('a placeholder of its own (?, @name, $name) is refused', async () => {
    for (const placeholder of ['?', '@email', '$email']) {
      const plugin = snapshot(sqliteBackend(), {
        ...exporterSource,
        query: `SELECT id, name, phone FROM contacts WHERE email = ${placeholder} OR email = :email`,
      });
      await assert.rejects(
        resolvePlugin(plugin, 'exporter'),
        (error: Error) => error instanceof ManifestError && /found the placeholder/.test(error.message),
        placeholder,
      );
    }
  });
});

describe('sql kind in a real request', () => {
  const manifest = `version: 1
exporters:
  - key: crm-contacts
    name: CRM contacts
    kind: sql
    connection: DSR_TEST_PG_URL
    pageSize: 10
    query: ${JSON.stringify(EXPORT_QUERY)}
    itemId: contact-{id}
    fields: { Name: name, Phone: phone }
    groupId: crm-contacts
    groupLabel: CRM contacts
    permissions: { env: [DSR_TEST_PG_URL], net: [127.0.0.1] }
erasers:
  - key: crm-contacts
    name: CRM contacts
    kind: sql
    connection: DSR_TEST_PG_URL
    pageSize: 10
    supportsDryRun: true
    statements: ${JSON.stringify(ERASE_STATEMENTS)}
    retain: ${JSON.stringify(RETAIN)}
    permissions: { env: [DSR_TEST_PG_URL], net: [127.0.0.1] }
`;

  test('export: the rows arrive in export.json; erase: the database is erased, the invoices kept', async () => {
    const backend = backends.find((b) => b.name === 'PostgreSQL') as Backend;
    await backend.exec(seedSql());
    const stack = await startStack({ manifest });
    try {
      const created = await stack.api('POST', '/api/requests', { email: ALEX, action: 'export', skipConfirmation: true, sendAsEmail: false });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const done = await waitForStatus(stack, created.body.id, 'completed');
      const entries = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
      const report = JSON.parse(entries.get('export.json') as string)[`Personal Data Export for ${ALEX}`];
      const contacts = report['crm-contacts'];
      assert.equal(contacts.group_label, 'CRM contacts');
      assert.equal(Object.keys(contacts.items).length, 25);
      assert.deepEqual(contacts.items['contact-3'], [
        { name: 'Name', value: 'Alex 3' },
        { name: 'Phone', value: '+1 555 0103' },
      ]);
      assert.ok(!(entries.get('export.json') as string).includes(SAM));

      const erase = await stack.api('POST', '/api/requests', { email: ALEX, action: 'erase', skipConfirmation: true });
      assert.equal(erase.status, 201, JSON.stringify(erase.body));
      const erased = await waitForStatus(stack, erase.body.id, 'completed');
      const [outcome] = erased.erasure.erasers;
      assert.equal(outcome.removed, 37);
      assert.equal(outcome.retained, 3);
      assert.ok(outcome.messages.includes(`Kept 3 item(s): ${TAX}`), JSON.stringify(outcome.messages));
      const data = await everything(backend);
      assert.equal(data.contacts.filter((row) => row.email === ALEX).length, 0);
      assert.equal(data.contacts.filter((row) => row.email === SAM).length, 5);
      assert.deepEqual(
        data.notes.map((row) => row.email),
        [SAM, SAM],
      );
      assert.equal(data.invoices.length, 4);
    } finally {
      await stack.close();
    }
  });
});
