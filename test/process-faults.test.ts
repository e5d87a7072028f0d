/**
 * Faults of whole processes, with the product run as in production (see
 * helpers/processes.ts): `kill -9` of the HTTP server and of Temporal in the
 * middle of requests, files at rest, a full disk while the ZIP is written,
 * personal data in logs and in Temporal's visibility records, and the admin
 * API's bearer token under guessing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Secret } from '../lib/config.ts';
import { keyedToken } from '../lib/secrets.ts';
import { countRows, seedRows } from './fixtures/plugins/rows-eraser.ts';
import { type ProcessStack, startProcessStack } from './helpers/processes.ts';
import { confirmByLink, FIXTURE_PLUGINS } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const TOTAL = 300;
const ROWS = 200;
const EXPORTED = 'pd-value'; // every exported item id starts with it: personal data for the log check
const EMAILS: string[] = [];

let stack: ProcessStack;
before(async () => {
  stack = await startProcessStack({
    logLevel: 'DEBUG',
    manifest: `version: 1
exporters:
  - key: slow
    name: Slow numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 10
    settings: { total: ${TOTAL}, delayMs: 80, prefix: ${EXPORTED}, name: lucky-number, log: '{dir}/pages' }
  - key: picky
    name: Picky exporter
    module: ${join(FIXTURE_PLUGINS, 'malformed.ts')}
  - key: careless
    name: Careless CRM
    module: ${join(FIXTURE_PLUGINS, 'faulty.ts')}
    settings: { total: 1, failTimes: 1, quoteEmail: true, log: '{dir}/careless-calls' }
erasers:
  - key: rows
    name: Rows
    module: ${join(FIXTURE_PLUGINS, 'rows-eraser.ts')}
    pageSize: 10
    settings: { database: '{dir}/rows.sqlite', delayMs: 80 }
`,
  });
});
after(async () => {
  await stack?.close();
});

test('kill -9 of the HTTP server mid-export and mid-erasure: both complete and the link works after the restart', async () => {
  const email = person('server.kill@example.com');
  const erased = person('server.kill.erase@example.com');
  const rows = join(stack.dir, 'rows.sqlite');
  seedRows(rows, erased, ROWS);
  const id = await createConfirmed(email, 'export');
  const eraseId = await createConfirmed(erased, 'erase');
  await untilPage(id, 5);
  await until(() => countRows(rows, erased) < ROWS, 'the eraser never got going');
  await stack.server.kill();
  assert.ok(countRows(rows, erased) > 0, 'killed in the middle of the erasure');
  assert.equal((await stack.api('GET', `/api/requests/${id}`)).status, 0, 'the server is gone');
  await stack.server.start();
  await stack.waitForStatus(id, 'completed');
  await checkZip(email);
  assert.equal(mailsTo(email, /Personal Data Export$/).length, 1);
  const erasure = await stack.waitForStatus(eraseId, 'completed', 120_000);
  assert.equal(countRows(rows, erased), 0);
  assert.equal(erasure.erasure.totals.removed, ROWS, 'every row counted exactly once');
  assert.equal(mailsTo(erased, /Erasure Request Fulfilled$/).length, 1);
});

test('kill -9 of Temporal mid-export and mid-erasure: both complete exactly once on the same SQLite file', async () => {
  const exporter = person('temporal.kill@example.com');
  const erased = person('erase.me@example.com');
  const rows = join(stack.dir, 'rows.sqlite');
  seedRows(rows, erased, ROWS);
  const exportId = await createConfirmed(exporter, 'export');
  const eraseId = await createConfirmed(erased, 'erase');
  await untilPage(exportId, 5);
  await until(() => countRows(rows, erased) < ROWS - 30, 'the eraser never got going');

  await stack.temporal.kill();
  assert.ok(servedPages() - (pageMarks.get(exportId) ?? 0) < TOTAL / 10, 'killed in the middle of the export');
  const during = countRows(rows, erased);
  assert.ok(during > 0, 'killed in the middle of the erasure');
  await sleep(2000);
  await stack.temporal.start();

  await stack.waitForStatus(exportId, 'completed', 120_000);
  const done = await stack.waitForStatus(eraseId, 'completed', 120_000);
  await checkZip(exporter);
  assert.equal(countRows(rows, erased), 0);
  assert.equal(done.erasure.totals.removed, ROWS, 'every row counted exactly once');
  assert.equal(done.erasure.erasers[0].removed, ROWS);
  for (const [email, subject] of [
    [exporter, /Confirm Action/],
    [exporter, /Personal Data Export$/],
    [erased, /Confirm Action/],
    [erased, /Erasure Request Fulfilled$/],
  ] as const) {
    assert.equal(mailsTo(email, subject).length, 1, `one "${subject.source}" mail to ${email}`);
  }
  assert.deepEqual(leftovers(), [], 'no .partial file and no staging file');
});

test('files at rest are owner-only; staging goes right after the ZIP and after a failed request', async () => {
  const email = person('at.rest@example.com');
  const mark = servedPages();
  const created = await stack.api('POST', '/api/requests', { email, action: 'export', skipConfirmation: true });
  assert.equal(created.status, 201);
  pageMarks.set(created.body.id, mark);
  // The first pages are held in memory (a small export's one activity); past its 2 s they move to the staging file.
  await until(() => readdirSync(join(stack.paths.root, 'staging')).length > 0, 'the export is staged on disk');
  checkModes();
  const done = await stack.waitForStatus(created.body.id, 'completed');
  assert.deepEqual(readdirSync(join(stack.paths.root, 'staging')), [], 'staging removed once the ZIP is built');
  assert.ok(readdirSync(join(stack.paths.root, 'exports')).includes(done.download.url.split('/').pop()), 'the ZIP is in exports/');
  assert.ok(readdirSync(join(stack.paths.root, 'receipts')).length > 0, 'the erasure left a receipt');
  checkModes();

  const broken = person('no-done@malformed.test');
  const failing = await stack.api('POST', '/api/requests', { email: broken, action: 'export', skipConfirmation: true });
  const failed = await stack.waitForStatus(failing.body.id, 'failed');
  assert.match(failed.reason, /exporter "picky".*page 2/);
  // A failed export keeps its pages for a retry for FAILED_STAGING_RETENTION (3 s here), owner-only, then they go.
  checkModes();
  await until(() => readdirSync(join(stack.paths.root, 'staging')).length === 0, 'staging removed after a failed request', 30_000);
});

test('a full disk while the ZIP is written: the request fails with the reason and nothing half-written is served', async () => {
  const exports = join(stack.paths.root, 'exports');
  let mounted = false;
  let failedId = '';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', exports], { stdio: 'ignore' });
    mounted = true;
    // Fill it: the next write anywhere on it gets ENOSPC.
    try {
      writeFileSync(join(exports, 'filler'), Buffer.alloc(128 * 1024), { mode: 0o600 });
    } catch {}
  } catch {
    // No tmpfs here: an exports "directory" that is a file (ENOTDIR) is the same fault to the builder.
    execFileSync('mv', [exports, `${exports}.away`]);
    writeFileSync(exports, '');
  }
  try {
    const email = person('disk.full@example.com');
    const created = await stack.api('POST', '/api/requests', { email, action: 'export', skipConfirmation: true });
    const id = created.body.id as string;
    failedId = id;
    const file = `dsr-export-${keyedToken(new Secret(stack.appSecret), 'export-file', id)}.zip`;
    let failed: any;
    const deadline = Date.now() + 90_000;
    while (!failed) {
      assert.ok(Date.now() < deadline, 'the request did not end');
      for (const path of [`/exports/${file}`, `/exports/${file}/download`, `/exports/${file}.partial`]) {
        const response = await fetch(`${stack.baseUrl}${path}`);
        await response.arrayBuffer();
        assert.notEqual(response.status, 200, `${path} must not be served while the disk is full`);
      }
      const status = await stack.api('GET', `/api/requests/${id}`);
      if (status.body?.status === 'failed') failed = status.body;
      assert.notEqual(status.body?.status, 'completed');
      await sleep(300);
    }
    assert.match(failed.reason, mounted ? /ENOSPC|no space left/i : /ENOTDIR|not a directory/i);
    assert.deepEqual(
      leftovers().filter((path) => path.endsWith('.partial')),
      [],
      'no .partial file',
    );
    await until(() => leftovers().length === 0, `staging of ${id} removed after FAILED_STAGING_RETENTION`, 30_000);
    if (mounted)
      assert.deepEqual(
        readdirSync(exports).filter((name) => name !== 'filler'),
        [],
        'nothing half-written in exports/',
      );
  } finally {
    if (mounted) execFileSync('umount', [exports]);
    else {
      execFileSync('rm', ['-f', exports]);
      execFileSync('mv', [`${exports}.away`, exports]);
    }
  }
  // Space again: the admin's retry delivers.
  const retried = await stack.api('POST', `/api/requests/${failedId}/retry`);
  assert.equal(retried.status, 201, JSON.stringify(retried.body));
  if (retried.body.status === 'pending') assert.equal((await stack.api('POST', `/api/requests/${retried.body.id}/confirm`)).status, 202);
  const done = await stack.waitForStatus(retried.body.id, 'completed');
  const zip = await fetch(done.download.url);
  assert.equal(zip.status, 200);
  assert.equal(
    Buffer.from(await zip.arrayBuffer())
      .subarray(0, 2)
      .toString(),
    'PK',
  );
});

test('the admin API: 401 without or with a wrong token; 429 for an address that keeps guessing', async () => {
  const from = (address: string, token?: string) => get(`${stack.baseUrl}/api/requests`, address, token);
  assert.equal(await from('127.0.0.2'), 401, 'no token (a failure too)');
  for (let attempt = 2; attempt <= 10; attempt++) assert.equal(await from('127.0.0.2', `wrong-${attempt}`), 401, `attempt ${attempt}`);
  assert.equal(await from('127.0.0.2', 'wrong-11'), 429, 'the 11th wrong token in 10 minutes');
  assert.equal(await from('127.0.0.2', stack.adminToken), 429, 'even the right token, until the window passes');
  assert.equal(await from('127.0.0.3', stack.adminToken), 200, 'another address is not affected');
  assert.equal(await from('127.0.0.1', stack.adminToken), 200);
});

test('no personal data in any log at DEBUG, nor in the workflow IDs, search attributes and summaries', async () => {
  const logs = stack.logs();
  assert.deepEqual([...logs.keys()].sort(), ['server.log', 'temporal.log', 'worker.log']);
  assert.ok((logs.get('worker.log') ?? '').length > 1000, 'the worker logged at DEBUG');
  // The careless exporter's first call threw an error naming the person; the worker logged the failure without its words.
  assert.match(logs.get('worker.log') ?? '', /Activity failed[\s\S]*?message withheld from the log/);
  // …and said what an operator needs: the request, the plugin and page, the attempt, the error's name; for the full disk, its code.
  const entries = (logs.get('worker.log') ?? '').split(/\n(?=\d{4}-\d\d-\d\dT)/);
  const pageFailure = entries.find((entry) => entry.includes('exporter page failed') && entry.includes("'careless'"));
  assert.ok(pageFailure, 'the failed page of "careless" has its own line');
  for (const expected of [
    /requestId: 'export-[0-9a-f]{32}-[a-z0-9]{10}'/,
    /plugin: 'careless'/,
    /page: 1\b/,
    /attempt: 1\b/,
    /name: 'Error'/,
    /message withheld/,
  ]) {
    assert.match(pageFailure, expected);
  }
  const zipFailure = entries.find((entry) => entry.includes('export ZIP failed'));
  assert.ok(zipFailure, 'the ZIP that hit the full disk has its own line');
  assert.match(zipFailure, /requestId: 'export-/);
  assert.match(zipFailure, /code: 'ENOSPC'/);
  const needles = [...EMAILS, ...EMAILS.map((email) => email.split('@')[0] as string), EXPORTED, 'lucky-number', stack.adminToken];
  for (const [name, text] of logs) {
    for (const needle of needles) assert.ok(!text.includes(needle), `${name} holds "${needle}"`);
  }

  const client = await stack.client();
  let seen = 0;
  for await (const execution of client.workflow.list()) {
    seen++;
    const description = await client.workflow.getHandle(execution.workflowId, execution.runId).describe();
    const visible = JSON.stringify({
      id: execution.workflowId,
      type: execution.type,
      searchAttributes: execution.searchAttributes,
      typed: execution.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]),
      summary: description.staticSummary,
      details: description.staticDetails,
    });
    for (const needle of needles) assert.ok(!visible.includes(needle), `visibility of ${execution.workflowId} holds "${needle}"`);
  }
  assert.ok(seen >= EMAILS.length, `every request is listed (${seen})`);
});

// ───────────────────────────── helpers ─────────────────────────────

function person(email: string): string {
  EMAILS.push(email);
  return email;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await sleep(50);
  }
}

/** Creates a request, then confirms it through the mailed link, as the person would. */
async function createConfirmed(email: string, action: 'export' | 'erase'): Promise<string> {
  const mark = servedPages();
  const created = await stack.api('POST', '/api/requests', { email, action });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  pageMarks.set(created.body.id, mark);
  const mail = await stack.mail.waitFor((m) => m.to.includes(email) && /Confirm Action/.test(m.subject), 30_000);
  const confirmed = await confirmByLink(stack.linkIn(mail, `${stack.baseUrl}/confirm?`));
  assert.equal(confirmed.status, 200);
  await confirmed.arrayBuffer();
  return created.body.id as string;
}

/** Waits until the slow exporter has served `pages` more pages since the request was created (requests run one at a time here). */
async function untilPage(id: string, pages: number): Promise<void> {
  const start = pageMarks.get(id) ?? 0;
  await until(() => servedPages() >= start + pages, `request ${id} never got ${pages} pages`);
}

const pageMarks = new Map<string, number>();

function servedPages(): number {
  try {
    return readFileSync(join(stack.dir, 'pages'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

function mailsTo(email: string, subject: RegExp) {
  return stack.mail.messages().filter((m) => m.to.includes(email) && subject.test(m.subject));
}

/** The mailed download link answers the ZIP, and it holds every item exactly once. */
async function checkZip(email: string): Promise<void> {
  const mail = await stack.mail.waitFor((m) => m.to.includes(email) && /Personal Data Export$/.test(m.subject), 30_000);
  const response = await fetch(stack.linkIn(mail, `${stack.baseUrl}/exports/`));
  assert.equal(response.status, 200);
  const zip = await unzip(new Uint8Array(await response.arrayBuffer()));
  const items = JSON.parse(zip.get('export.json') as string)[`Personal Data Export for ${email}`].numbers.items;
  const ids = Object.keys(items);
  assert.deepEqual(
    ids,
    Array.from({ length: TOTAL }, (_, n) => `${EXPORTED}-${n}`),
  );
  for (const item of ids) assert.equal(items[item].length, 1, `${item} holds one pair: a page stored twice would merge two`);
}

/** `.partial` files and staging files anywhere under STORAGE_DIR. */
function leftovers(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.partial') || dir.endsWith('staging')) found.push(path);
    }
  };
  walk(stack.paths.root);
  return found;
}

/** Every file under exports/, staging/, receipts/ and mail-ledger/ is 0600, the directories 0700. */
function checkModes(): void {
  for (const dir of ['exports', 'staging', 'receipts', 'mail-ledger']) {
    const path = join(stack.paths.root, dir);
    assert.equal(statSync(path).mode & 0o777, 0o700, `${dir}/ is owner-only`);
    for (const name of readdirSync(path)) {
      const mode = statSync(join(path, name)).mode & 0o777;
      assert.equal(mode, 0o600, `${dir}/${name} is 0600, not 0${mode.toString(8)}`);
    }
  }
}

/** GET `url` from the local address `localAddress` (the server counts guesses per client address). */
function get(url: string, localAddress: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
