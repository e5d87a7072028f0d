/**
 * Declared permissions, enforced through the plugin context: `ctx.fetch`
 * reaches declared hosts only (every redirect hop checked, nothing sent
 * otherwise), `ctx.env` holds the declared variables only, and
 * `ctx.readFile` / `ctx.resolvePath` stay under the declared paths, links
 * resolved. No Temporal needed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { PermissionError } from '../lib/errors.ts';
import type { Permissions } from '../manifest/snapshot.ts';
import { openDemoDb } from '../plugins/demo/schema.ts';
import { DEMO_PERSON, seedDemoData } from '../plugins/demo/seed.ts';
import { closeDemoConnections } from '../plugins/demo/db.ts';
import commentsEraser from '../plugins/demo/comments-eraser.ts';
import mediaEraser from '../plugins/demo/media-eraser.ts';
import userExporter from '../plugins/demo/user-exporter.ts';
import { assertNetAllowed, pluginCapabilities } from '../plugins/permissions.ts';
import { testContext } from './helpers/context.ts';

const plugin = (permissions: Partial<Permissions>, key = 'crm') => ({ key, permissions: { net: [], env: [], read: [], write: [], ...permissions } });

/** A loopback server that counts requests and answers by path (`/redirect?to=…`, `/loop`, anything else 200). */
async function countingServer(): Promise<{ server: Server; port: number; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect')
      return res.writeHead(Number(url.searchParams.get('status') ?? 302), { Location: url.searchParams.get('to') ?? '/' }).end();
    if (url.pathname === '/loop') return res.writeHead(302, { Location: '/loop' }).end();
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`hello ${req.method} ${url.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, url: `http://127.0.0.1:${port}`, hits };
}

describe('ctx.fetch', () => {
  let a: Awaited<ReturnType<typeof countingServer>>;
  let b: Awaited<ReturnType<typeof countingServer>>;
  before(async () => {
    [a, b] = await Promise.all([countingServer(), countingServer()]);
  });
  after(() => {
    a.server.close();
    b.server.close();
  });
  const fetchFor = (net: string[]) => pluginCapabilities(plugin({ net }), 'exporter', tmpdir()).fetch;

  test('reaches a declared loopback host', async () => {
    const response = await fetchFor([`127.0.0.1:${a.port}`])(`${a.url}/ok`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'hello GET /ok');
  });

  test('refuses an undeclared host with a PermissionError naming the plugin and the host; nothing is sent', async () => {
    const before = b.hits.length;
    for (const net of [[], [`127.0.0.1:${a.port}`], ['localhost']]) {
      await assert.rejects(fetchFor(net)(`${b.url}/secret`), (error: unknown) => {
        assert.ok(error instanceof PermissionError);
        assert.match(error.message, new RegExp(`exporter "crm" connect to "127\\.0\\.0\\.1:${b.port}".*permissions\\.net`));
        return true;
      });
    }
    assert.equal(b.hits.length, before, 'the undeclared server got no request');
  });

  test('refuses a redirect to an undeclared host before following it', async () => {
    const before = b.hits.length;
    const to = encodeURIComponent(`${b.url}/stolen`);
    await assert.rejects(
      fetchFor([`127.0.0.1:${a.port}`])(`${a.url}/redirect?to=${to}`),
      (error: unknown) => error instanceof PermissionError && error.message.includes(`127.0.0.1:${b.port}`),
    );
    assert.equal(b.hits.length, before);
  });

  test('follows redirects between declared hosts; 303 turns a POST into a GET', async () => {
    const fetch = fetchFor([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    const to = encodeURIComponent(`${b.url}/landed`);
    const response = await fetch(`${a.url}/redirect?status=303&to=${to}`, { method: 'POST', body: 'x', headers: { Authorization: 'Bearer t' } });
    assert.equal(await response.text(), 'hello GET /landed');
    const kept = await fetch(`${a.url}/redirect?status=307&to=/kept`, { method: 'POST', body: 'x' });
    assert.equal(await kept.text(), 'hello POST /kept');
  });

  test('stops after 5 redirects; redirect "manual" hands back the 3xx', async () => {
    const fetch = fetchFor([`127.0.0.1:${a.port}`]);
    const before = a.hits.length;
    await assert.rejects(fetch(`${a.url}/loop`), /more than 5 redirects/);
    assert.equal(a.hits.length - before, 6);
    const manual = await fetch(`${a.url}/loop`, { redirect: 'manual' });
    assert.equal(manual.status, 302);
  });

  test('refuses other schemes', async () => {
    await assert.rejects(fetchFor(['*.example.com'])('file:///etc/passwd'), PermissionError);
  });

  test('aborts with the context signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('page timed out'));
    const { fetch } = pluginCapabilities(plugin({ net: [`127.0.0.1:${a.port}`] }), 'exporter', tmpdir(), controller.signal);
    await assert.rejects(fetch(`${a.url}/ok`), /page timed out/);
  });
});

describe('assertNetAllowed()', () => {
  const allowed = (net: string[], url: string) => {
    try {
      assertNetAllowed(plugin({ net }), 'exporter', new URL(url));
      return true;
    } catch (error) {
      assert.ok(error instanceof PermissionError);
      return false;
    }
  };

  test('"*.domain" covers every subdomain, not the domain itself nor look-alikes', () => {
    assert.equal(allowed(['*.example.com'], 'https://api.example.com/'), true);
    assert.equal(allowed(['*.example.com'], 'https://a.b.example.com/'), true);
    assert.equal(allowed(['*.example.com'], 'https://example.com/'), false);
    assert.equal(allowed(['*.example.com'], 'https://evilexample.com/'), false);
    assert.equal(allowed(['*.Example.COM'], 'https://API.example.com/'), true);
  });

  test('"host:port" allows that port only; "host" any port, default ports included', () => {
    assert.equal(allowed(['api.example.com:8443'], 'https://api.example.com:8443/'), true);
    assert.equal(allowed(['api.example.com:8443'], 'https://api.example.com/'), false);
    assert.equal(allowed(['api.example.com:443'], 'https://api.example.com/'), true);
    assert.equal(allowed(['api.example.com'], 'http://api.example.com:9000/'), true);
    assert.equal(allowed(['[::1]:8080'], 'http://[::1]:8080/'), true);
    assert.equal(allowed(['[::1]:8080'], 'http://[::1]:8081/'), false);
  });
});

describe('ctx.env', () => {
  const saved = { ...process.env };
  before(() => {
    process.env.DSR_TEST_TOKEN = 'tok-123';
    process.env.DSR_TEST_OTHER = 'other-secret';
    delete process.env.DSR_TEST_UNSET;
  });
  after(() => {
    process.env = saved;
  });
  const envFor = () => pluginCapabilities(plugin({ env: ['DSR_TEST_TOKEN', 'DSR_TEST_UNSET'] }), 'eraser', tmpdir()).env;

  test('holds only the declared variables', async () => {
    const env = envFor();
    assert.equal(env.DSR_TEST_TOKEN, 'tok-123');
    assert.equal(env.DSR_TEST_UNSET, undefined);
    assert.deepEqual(Object.keys(env), ['DSR_TEST_TOKEN', 'DSR_TEST_UNSET']);
    assert.equal('DSR_TEST_OTHER' in env, false);
    assert.equal('DSR_TEST_TOKEN' in env, true);
    assert.deepEqual({ ...env }, { DSR_TEST_TOKEN: 'tok-123', DSR_TEST_UNSET: undefined });
    assert.equal(await Promise.resolve(env), env, 'awaiting it does not throw');
  });

  test('reading an undeclared variable is a PermissionError naming the plugin and the variable', () => {
    const env = envFor();
    assert.throws(
      () => env.DSR_TEST_OTHER,
      (error: unknown) => error instanceof PermissionError && /eraser "crm" read the environment variable "DSR_TEST_OTHER"/.test(error.message),
    );
    assert.throws(() => env.PATH, PermissionError);
  });

  test('is read-only and never shows a value in JSON or logs', () => {
    const env = envFor();
    assert.throws(() => {
      (env as Record<string, string>).DSR_TEST_TOKEN = 'changed';
    }, TypeError);
    assert.equal(JSON.stringify(env), '{}');
    assert.equal(JSON.stringify({ env }), '{"env":{}}');
    assert.doesNotMatch(inspect(env), /tok-123/);
    assert.match(inspect(env), /DSR_TEST_TOKEN/);
  });
});

describe('ctx.readFile() and ctx.resolvePath()', () => {
  let root: string;
  let data: string;
  let outside: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'dsr-perm-'));
    data = join(root, 'manifest', 'data');
    outside = join(root, 'outside');
    mkdirSync(data, { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(data, 'a.txt'), 'inside');
    writeFileSync(join(outside, 'secret.txt'), 'outside');
    symlinkSync(join(outside, 'secret.txt'), join(data, 'link.txt'));
    symlinkSync(outside, join(data, 'linked-dir'));
    symlinkSync(join(outside, 'created-by-write.txt'), join(data, 'dangling.txt'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const caps = (permissions: Partial<Permissions>) => pluginCapabilities(plugin(permissions), 'exporter', join(root, 'manifest'));

  test('reads a declared file, relative paths against the manifest directory', async () => {
    const { readFile, resolvePath } = caps({ read: [data] });
    assert.equal(new TextDecoder().decode(await readFile('data/a.txt')), 'inside');
    assert.equal(new TextDecoder().decode(await readFile(join(data, 'a.txt'))), 'inside');
    assert.equal(resolvePath('./data/new.txt', 'read'), join(data, 'new.txt'), 'a file not yet created resolves too');
  });

  test('refuses "../" escapes and absolute paths outside', async () => {
    const { readFile, resolvePath } = caps({ read: [data] });
    await assert.rejects(
      readFile('data/../../outside/secret.txt'),
      (error: unknown) =>
        error instanceof PermissionError && /exporter "crm" read ".*outside\/secret\.txt": it is not under its permissions\.read/.test(error.message),
    );
    assert.throws(() => resolvePath(join(outside, 'secret.txt'), 'read'), PermissionError);
    assert.throws(() => resolvePath('/etc/passwd', 'read'), PermissionError);
    assert.throws(() => resolvePath('data/..', 'read'), PermissionError);
  });

  test('refuses a symbolic link that points outside, even a dangling one', async () => {
    const { readFile, resolvePath } = caps({ read: [data], write: [data] });
    await assert.rejects(readFile('data/link.txt'), PermissionError);
    await assert.rejects(readFile('data/linked-dir/secret.txt'), PermissionError);
    assert.throws(() => resolvePath('data/dangling.txt', 'write'), PermissionError);
  });

  test('write needs permissions.write; write paths may be read', () => {
    assert.throws(() => caps({ read: [data] }).resolvePath('data/a.txt', 'write'), /permissions\.write/);
    assert.equal(caps({ write: [data] }).resolvePath('data/a.txt', 'read'), join(data, 'a.txt'));
    assert.equal(caps({ write: [join(data, 'a.txt')] }).resolvePath('data/a.txt', 'write'), join(data, 'a.txt'), 'a single file may be declared');
  });
});

describe('the demo plugins go through ctx.resolvePath', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsr-perm-demo-'));
    const db = openDemoDb(join(dir, 'site', 'demo.db'));
    seedDemoData(db);
    db.close();
  });
  after(() => {
    closeDemoConnections();
    rmSync(dir, { recursive: true, force: true });
  });
  const ctx = (permissions: Partial<Permissions>, role: 'exporter' | 'eraser') =>
    testContext({ manifestDir: dir, role, key: `demo-${role}`, settings: { database: 'site/demo.db' }, permissions: { read: [], write: [], ...permissions } });

  test('an exporter needs read, an eraser write, on the database', async () => {
    const site = join(dir, 'site');
    await assert.rejects(userExporter(DEMO_PERSON, 1, ctx({}, 'exporter')), /exporter "demo-exporter" read .*permissions\.read/);
    assert.equal((await userExporter(DEMO_PERSON, 1, ctx({ read: [site] }, 'exporter'))).data.length, 1);
    await assert.rejects(commentsEraser(DEMO_PERSON, 1, ctx({ read: [site] }, 'eraser')), /eraser "demo-eraser" write .*permissions\.write/);
  });

  test('the media eraser deletes no file outside permissions.write and rolls the page back', async () => {
    const site = join(dir, 'site');
    const elsewhere = join(dir, 'elsewhere.txt');
    writeFileSync(elsewhere, 'not yours');
    const db = openDemoDb(join(site, 'demo.db'));
    db.prepare('UPDATE media SET file_path = ? WHERE id = (SELECT min(id) FROM media WHERE user_id = 1)').run('../elsewhere.txt');
    await assert.rejects(mediaEraser(DEMO_PERSON, 1, ctx({ write: [site] }, 'eraser')), PermissionError);
    assert.ok(existsSync(elsewhere));
    assert.equal((db.prepare('SELECT count(*) AS n FROM media WHERE user_id = 1').get() as { n: number }).n, 3);
    db.close();
  });
});
