/**
 * The `http` kind against a real endpoint on 127.0.0.1: a small receiver in
 * plain JavaScript that verifies every signature with `verifySignature()` and
 * answers the WordPress contract. First the plugin function alone (signing,
 * answers, errors, permissions), then whole requests through the engine.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { ManifestError, PermissionError, PluginContractError, PluginUnavailableError } from '../lib/errors.ts';
import type { EraserSnapshot, Permissions } from '../manifest/snapshot.ts';
import { createHttpPlugin, signBody, verifySignature } from '../plugins/kinds/http.ts';
import { testContext } from './helpers/context.ts';
import { type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const SECRET_VAR = 'DSR_HTTP_KIND_TEST_SECRET';
const SECRET = randomBytes(32).toString('hex');
const EMAIL = 'pat.doe@example.com';

interface Received {
  path: string;
  body: any;
  raw: string;
  verified: boolean;
  headers: IncomingMessage['headers'];
}

// ---------------------------------------------------------------------------
// The receiver: what a plugin author writes, in plain JavaScript
// ---------------------------------------------------------------------------

async function startReceiver() {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString('utf8');
    const verified = verifySignature({
      secret: SECRET,
      body: raw,
      timestamp: req.headers['x-dsr-timestamp'] as string,
      signature: req.headers['x-dsr-signature'] as string,
    });
    const body = JSON.parse(raw);
    received.push({ path: req.url ?? '', body, raw, verified, headers: req.headers });
    const json = (status: number, value: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
    if (!verified) return json(401, { error: 'bad signature' });
    switch (req.url) {
      case '/export':
        return json(
          200,
          body.page === 1 ? { data: [contact(1, body.email), contact(2, body.email)], done: false } : { data: [contact(3, body.email)], done: true },
        );
      case '/erase':
        return json(
          200,
          body.dryRun
            ? { items_removed: true, items_retained: true, messages: ['Would delete 3 CRM contacts.'], done: true }
            : {
                items_removed: true,
                items_retained: true,
                messages: ['Deleted 3 CRM contacts.', 'Kept 1 invoice: tax law.'],
                done: true,
                removed_count: 3,
                retained_count: 1,
              },
        );
      case '/fail':
        return res
          .writeHead(500, { 'Content-Type': 'text/plain', 'X-Internal': 'hidden' })
          .end(`database down while looking up ${body.email} ${'x'.repeat(500)}`);
      case '/busy':
        return res.writeHead(429).end('slow down');
      case '/missing':
        return res.writeHead(404).end(`no such route for ${body.email}`);
      case '/not-json':
        return res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<html><body>${'Welcome! '.repeat(30)}</body></html>`);
      case '/moved':
        return res.writeHead(301, { Location: '/export' }).end();
      case '/slow':
        return setTimeout(() => json(200, { data: [], done: true }), 2_000);
      default:
        return json(404, {});
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, url: `http://127.0.0.1:${port}`, received };
}

function contact(id: number, email: string) {
  return {
    group_id: 'crm',
    group_label: 'CRM contacts',
    item_id: `contact-${id}`,
    data: [
      { name: 'Email', value: email },
      { name: 'Contact ID', value: id },
    ],
  };
}

// ---------------------------------------------------------------------------
// The plugin function alone
// ---------------------------------------------------------------------------

describe('createHttpPlugin()', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    process.env[SECRET_VAR] = SECRET;
    receiver = await startReceiver();
  });
  after(() => receiver.server.close());

  const net = () => [`127.0.0.1:${receiver.port}`];
  function entry(
    path: string,
    options: { role?: 'exporter' | 'eraser'; permissions?: Partial<Permissions>; secret?: string | null; url?: string } = {},
  ): EraserSnapshot {
    const secret = options.secret === undefined ? SECRET_VAR : options.secret;
    return {
      index: 0,
      key: 'crm',
      name: 'CRM',
      pageSize: undefined,
      timeoutMs: 5_000,
      settings: {},
      retry: { maxAttempts: 1, initialIntervalMs: 1, maxIntervalMs: 1 },
      retentionReason: undefined,
      supportsDryRun: true,
      maxPages: 10,
      source: { kind: 'http', url: options.url ?? `${receiver.url}${path}`, headers: { 'X-Tenant': 'acme' }, ...(secret === null ? {} : { secret }) },
      permissions: { net: net(), env: [SECRET_VAR], read: [], write: [], ...options.permissions },
    };
  }
  function call(plugin: EraserSnapshot, role: 'exporter' | 'eraser' = 'exporter', extra: { dryRun?: boolean; signal?: AbortSignal; pageSize?: number } = {}) {
    const fn = createHttpPlugin(plugin, plugin.source as Extract<EraserSnapshot['source'], { kind: 'http' }>, role);
    const ctx = testContext({ manifestDir: tmpdir(), key: plugin.key, role, permissions: plugin.permissions, requestId: 'req-http-1', ...extra });
    return fn(EMAIL, 1, ctx) as Promise<unknown>;
  }
  const last = () => receiver.received.at(-1) as Received;

  test('POSTs the signed page request and returns the JSON answer as is', async () => {
    const answer = await call(entry('/export'), 'exporter', { pageSize: 50 });
    assert.deepEqual(answer, { data: [contact(1, EMAIL), contact(2, EMAIL)], done: false });
    const got = last();
    assert.equal(got.verified, true, 'the receiver verified the signature');
    assert.deepEqual(got.body, { email: EMAIL, page: 1, requestId: 'req-http-1', role: 'exporter', pageSize: 50 });
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['user-agent'], 'dsr-engine');
    assert.equal(got.headers['x-tenant'], 'acme');
    assert.match(String(got.headers['x-dsr-signature']), /^sha256=[0-9a-f]{64}$/);
  });

  test('erasers get dryRun', async () => {
    assert.deepEqual(await call(entry('/erase'), 'eraser', { dryRun: true }), {
      items_removed: true,
      items_retained: true,
      messages: ['Would delete 3 CRM contacts.'],
      done: true,
    });
    assert.deepEqual(last().body, { email: EMAIL, page: 1, requestId: 'req-http-1', role: 'eraser', dryRun: true });
  });

  test('without a secret nothing is signed (and the receiver refuses it)', async () => {
    await assert.rejects(call(entry('/export', { secret: null, permissions: { env: [] } })), PluginContractError);
    assert.equal(last().headers['x-dsr-signature'], undefined);
    assert.equal(last().verified, false);
  });

  test('verifySignature() accepts an authentic fresh request only', () => {
    const body = '{"email":"a@b.c","page":1}';
    const now = Date.UTC(2025, 0, 1);
    const { timestamp, signature } = signBody(SECRET, body, now);
    const check = (over: Partial<Parameters<typeof verifySignature>[0]>) => verifySignature({ secret: SECRET, body, timestamp, signature, now, ...over });
    assert.equal(check({}), true);
    assert.equal(check({ body: new TextEncoder().encode(body) }), true, 'raw bytes work too');
    assert.equal(check({ now: now + 299_000 }), true);
    assert.equal(check({ now: now + 301_000 }), false, 'stale: more than 5 minutes old');
    assert.equal(check({ now: now - 301_000 }), false, 'from the future');
    assert.equal(check({ now: now + 3_600_000, toleranceSeconds: 7_200 }), true);
    assert.equal(check({ body: body.replace('1}', '2}') }), false, 'tampered body');
    assert.equal(check({ secret: 'other' }), false, 'wrong secret');
    assert.equal(check({ timestamp: String(Number(timestamp) + 1) }), false, 'the timestamp is signed');
    assert.equal(check({ signature: signature.slice(0, -2) }), false, 'truncated');
    assert.equal(check({ signature: undefined }), false);
    assert.equal(check({ timestamp: 'soon' }), false);
  });

  test('a stale timestamp is rejected by the receiver', async () => {
    const { timestamp, signature } = signBody(SECRET, '{}', Date.now() - 600_000);
    const response = await fetch(`${receiver.url}/export`, {
      method: 'POST',
      body: '{}',
      headers: { 'X-DSR-Timestamp': timestamp, 'X-DSR-Signature': signature },
    });
    assert.equal(response.status, 401);
    assert.equal(last().verified, false);
  });

  test('5xx and 429 are PluginUnavailableError (retried) with the status and a short excerpt, never the email', async () => {
    await assert.rejects(call(entry('/fail')), (error: unknown) => {
      assert.ok(error instanceof PluginUnavailableError);
      assert.match(error.message, /exporter "crm".*answered 500 Internal Server Error: database down while looking up <email> x+…$/);
      assert.ok(!error.message.includes(EMAIL), 'no email in the message');
      assert.ok(!error.message.includes('hidden'), 'no headers');
      assert.ok(error.message.split(': ').at(-1)!.length <= 201);
      return true;
    });
    await assert.rejects(call(entry('/busy')), (error: unknown) => error instanceof PluginUnavailableError && /429/.test(error.message));
  });

  test('4xx is a PluginContractError (not retried)', async () => {
    await assert.rejects(
      call(entry('/missing')),
      (error: unknown) => error instanceof PluginContractError && /answered 404 Not Found: no such route for <email>/.test(error.message),
    );
  });

  test('invalid JSON is a PluginContractError quoting the first 100 characters', async () => {
    await assert.rejects(call(entry('/not-json')), (error: unknown) => {
      assert.ok(error instanceof PluginContractError);
      assert.match(error.message, /answered with invalid JSON: <html><body>Welcome! /);
      assert.equal(error.message.split('invalid JSON: ')[1]?.length, 101);
      return true;
    });
  });

  test('a redirect is a ManifestError asking for the final address', async () => {
    await assert.rejects(call(entry('/moved')), (error: unknown) => error instanceof ManifestError && /redirects \(301.*final address/.test(error.message));
  });

  test('an unreachable endpoint is a PluginUnavailableError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const plugin = entry('', { url: `http://127.0.0.1:${port}/export`, permissions: { net: [`127.0.0.1:${port}`] } });
    await assert.rejects(call(plugin), (error: unknown) => error instanceof PluginUnavailableError && /ECONNREFUSED/.test(error.message));
  });

  test('the context signal aborts the call', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('page timed out')), 100);
    await assert.rejects(call(entry('/slow'), 'exporter', { signal: controller.signal }), /page timed out/);
  });

  test('an undeclared host is a PermissionError before any request reaches the server', () => {
    const count = receiver.received.length;
    assert.throws(
      () => call(entry('/export', { permissions: { net: ['api.example.com'] } })),
      (error: unknown) => error instanceof PermissionError && /exporter "crm" connect to "127\.0\.0\.1:\d+".*permissions\.net/.test(error.message),
    );
    assert.equal(receiver.received.length, count);
  });

  test('the secret variable must be declared, and set', async () => {
    const count = receiver.received.length;
    assert.throws(
      () => call(entry('/export', { permissions: { env: [] } })),
      (error: unknown) => error instanceof PermissionError && error.message.includes(SECRET_VAR),
    );
    const unset = 'DSR_HTTP_KIND_TEST_UNSET';
    delete process.env[unset];
    await assert.rejects(
      call(entry('/export', { secret: unset, permissions: { env: [unset] } })),
      (error: unknown) => error instanceof ManifestError && error.message.includes(unset),
    );
    assert.equal(receiver.received.length, count);
  });
});

// ---------------------------------------------------------------------------
// Whole requests
// ---------------------------------------------------------------------------

const httpEntry = (key: string, url: string, net: string) => `  - key: ${key}
    name: CRM
    kind: http
    url: ${url}
    secret: ${SECRET_VAR}
    retry: { maxAttempts: 3, initialInterval: 100ms, maxInterval: 200ms }
    permissions: { net: ['${net}'], env: [${SECRET_VAR}] }
`;

describe('http plugins inside a real request', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let stack: Stack;
  before(async () => {
    process.env[SECRET_VAR] = SECRET;
    receiver = await startReceiver();
    const net = `127.0.0.1:${receiver.port}`;
    stack = await startStack({
      manifest: `version: 1\nexporters:\n${httpEntry('crm', `${receiver.url}/export`, net)}erasers:\n${httpEntry('crm', `${receiver.url}/erase`, net)}`,
    });
  });
  after(async () => {
    await stack?.close();
    receiver?.server.close();
  });

  test('an export collects every page of the endpoint into export.json', async () => {
    const created = await stack.api('POST', '/api/requests', { email: EMAIL, action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await waitForStatus(stack, created.body.id, 'completed');
    const zip = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
    const report = JSON.parse(zip.get('export.json') as string)[`Personal Data Export for ${EMAIL}`];
    assert.deepEqual(Object.keys(report.crm.items), ['contact-1', 'contact-2', 'contact-3']);
    assert.deepEqual(report.crm.items['contact-2'], [
      { name: 'Email', value: EMAIL },
      { name: 'Contact ID', value: 2 },
    ]);
    const calls = receiver.received.filter((r) => r.path === '/export' && r.body.requestId === created.body.id);
    assert.deepEqual(
      calls.map((r) => r.body.page),
      [1, 2],
    );
    assert.ok(calls.every((r) => r.verified));
  });

  test('an erasure reports the endpoint’s counts and messages', async () => {
    const created = await stack.api('POST', '/api/requests', { email: EMAIL, action: 'erase', skipConfirmation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await waitForStatus(stack, created.body.id, 'completed');
    const [crm] = done.erasure.erasers;
    assert.equal(crm.key, 'crm');
    assert.equal(crm.removed, 3);
    assert.equal(crm.retained, 1);
    assert.deepEqual(crm.messages, ['Deleted 3 CRM contacts.', 'Kept 1 invoice: tax law.']);
    const call = receiver.received.find((r) => r.path === '/erase' && r.body.requestId === created.body.id);
    assert.equal(call?.verified, true);
    assert.equal(call?.body.dryRun, false);
  });
});

describe('a permission violation inside a real request', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let stack: Stack;
  before(async () => {
    process.env[SECRET_VAR] = SECRET;
    receiver = await startReceiver();
    stack = await startStack({
      manifest: `version: 1\nexporters:\n${httpEntry('sneaky-crm', `${receiver.url}/export`, 'crm.example.com')}`,
    });
  });
  after(async () => {
    await stack?.close();
    receiver?.server.close();
  });

  test('an undeclared host fails the request at once, naming the plugin and the permission; nothing is sent', async () => {
    const created = await stack.api('POST', '/api/requests', { email: EMAIL, action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const failed = await waitForStatus(stack, created.body.id, 'failed');
    assert.match(failed.reason, /exporter "sneaky-crm" connect to "127\.0\.0\.1:\d+": it is not in its permissions\.net/);
    assert.ok(!failed.reason.includes(EMAIL));
    assert.equal(receiver.received.length, 0, 'the server got no request');
    const history = await stack.client.workflow.getHandle(created.body.workflow.id).fetchHistory();
    const attempts = history.events?.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt) ?? [];
    assert.ok(
      attempts.every((a) => a === 1),
      `PermissionError is not retried (attempts: ${attempts.join(', ')})`,
    );
  });
});
