/**
 * Every launcher starts the worker with the same memory settings
 * (worker/process-options.ts): `npm run worker` spells them out in
 * package.json, the others import them. The worker process cleans up after
 * its start.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../worker/process-options.ts';
import { ROOT, startStack, waitForStatus } from './helpers/stack.ts';

test('`npm run worker` starts the worker with the flags and environment of worker/process-options.ts', async () => {
  const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (scripts.worker ?? '').split(/\s+/);
  const node = words.indexOf('node');
  assert.ok(node >= 0, `package.json scripts.worker runs node: ${scripts.worker}`);
  const env = Object.fromEntries(words.slice(0, node).map((w) => w.split('=') as [string, string]));
  assert.deepEqual(env, WORKER_ENV);
  assert.deepEqual(words.slice(node + 1, node + 1 + WORKER_NODE_ARGS.length), WORKER_NODE_ARGS);
  assert.deepEqual(words.slice(node + 1 + WORKER_NODE_ARGS.length), ['--import', 'tsx', 'worker/main.ts']);
});

test('the worker process leaves no bundle of the workflow code behind in the temporary directory', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'dsr-worker-tmp-'));
  const stack = await startStack({ worker: false });
  const child = stack.spawnWorker({ TMPDIR: tmp });
  try {
    const created = await stack.api('POST', '/api/requests', { email: 'tmp@example.com', action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201);
    // Completed: the worker is up, its bundle loaded, and it has run a whole request.
    await waitForStatus(stack, created.body.id, 'completed', 90_000);
    assert.deepEqual(
      (await readdir(tmp)).filter((name) => name.startsWith('dsr-workflows-')),
      [],
      'each start of the worker bundled into a directory of its own and left it there',
    );
  } finally {
    child.kill('SIGTERM');
    await stack.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
