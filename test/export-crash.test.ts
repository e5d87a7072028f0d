/**
 * A worker process killed with SIGKILL in the middle of an export: another
 * worker takes over from the heartbeated page, with that page's cursor, and
 * every item ends up in the ZIP exactly once.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const TOTAL = 400;
const PAGE_SIZE = 10;

let stack: Stack;
before(async () => {
  stack = await startStack({
    worker: false,
    heartbeatTimeoutMs: 3000,
    manifest: `version: 1
exporters:
  - key: slow
    name: Slow numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: ${PAGE_SIZE}
    settings: { total: ${TOTAL}, delayMs: 60, log: '{db}.pages', cursors: true }
`,
  });
});
after(async () => {
  await stack?.close();
});

test('an export survives kill -9 of its worker and holds every item exactly once', async () => {
  const child = stack.spawnWorker();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const created = await stack.api('POST', '/api/requests', { email: 'crash@example.com', action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201);
    const id = created.body.id as string;

    // Kill the worker once it is well into the exporter's pages, past the small export's first go (its
    // half second within one workflow task): batch by batch, as the progress shows.
    const deadline = Date.now() + 60_000;
    let running: any;
    for (;;) {
      const pages = (await readFile(`${stack.dbPath}.pages`, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
      running = pages.length >= 8 ? (await stack.api('GET', `/api/requests/${id}`)).body : undefined;
      if (running?.progress?.running) break;
      assert.ok(Date.now() < deadline, 'the child worker never got going');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(
      running.progress?.running?.map((plugin: { key: string }) => plugin.key),
      ['slow'],
      'progress names the exporter at work',
    );
    assert.ok(running.progress.page >= 1 && running.progress.pluginsTotal === 1);
    child.kill('SIGKILL');
    await exited;
    assert.equal((await stack.api('GET', `/api/requests/${id}`)).body.status, 'processing');

    await stack.startWorker();
    const done = await waitForStatus(stack, id, 'completed', 90_000);
    const zip = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
    const items = JSON.parse(zip.get('export.json') as string)['Personal Data Export for crash@example.com'].numbers.items;
    const ids = Object.keys(items);
    assert.equal(ids.length, TOTAL);
    assert.deepEqual(
      ids,
      Array.from({ length: TOTAL }, (_, n) => `n-${n}`),
    );
    for (const id of ids) assert.equal(items[id].length, 1, `${id} must hold one pair: a page stored twice would merge two`);
    assert.equal(done.items, TOTAL + 1);

    const served = (await readFile(`${stack.dbPath}.pages`, 'utf8')).trim().split('\n');
    assert.ok(served.length < (TOTAL / PAGE_SIZE) * 1.5, `the new worker resumed instead of starting over (${served.length} page calls)`);
    const deliveries = stack.mail.messages().filter((m) => /Personal Data Export$/.test(m.subject));
    assert.equal(deliveries.length, 1, 'one download mail');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
