/**
 * Every launcher starts the worker with the same memory settings
 * (worker/process-options.ts): `npm run worker` spells them out in
 * package.json, the others import them.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../worker/process-options.ts';
import { ROOT } from './helpers/stack.ts';

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
