/**
 * A history stays bounded however many pages an exporter has: the workflow
 * continues as new and the request carries on, same id, every item once;
 * each page gets the previous page's next_cursor across batches and runs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

let stack: Stack;
before(async () => {
  stack = await startStack({
    batchBudgetMs: 1, // one page per batch
    batchesPerRun: 3,
    manifest: `version: 1
exporters:
  - key: many-pages
    name: Many pages
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 5
    settings: { total: 60, cursors: true }
`,
  });
});
after(async () => {
  await stack?.close();
});

test('an exporter with many pages continues as new and still delivers every item once', async () => {
  const created = await stack.api('POST', '/api/requests', { email: 'pages@example.com', action: 'export', skipConfirmation: true });
  assert.equal(created.status, 201);
  const done = await waitForStatus(stack, created.body.id, 'completed');
  assert.notEqual(done.workflow.runId, created.body.workflow.runId, 'the request finished in a later run');

  const handle = stack.client.workflow.getHandle(done.workflow.id, done.workflow.runId);
  const history = await handle.fetchHistory();
  assert.ok((history.events?.length ?? 0) < 60, `the last run's history is short (${history.events?.length} events)`);
  const description = await handle.describe();
  assert.equal(
    description.typedSearchAttributes.get({ name: 'DsrRequestId', type: 'KEYWORD' } as never),
    created.body.id,
    'search attributes follow the request into its new runs',
  );

  const zip = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
  const items = JSON.parse(zip.get('export.json') as string)['Personal Data Export for pages@example.com'].numbers.items;
  assert.deepEqual(
    Object.keys(items),
    Array.from({ length: 60 }, (_, n) => `n-${n}`),
  );
  assert.equal(done.items, 61);
});

test('the worker runs workflows in its main thread and keeps the 5 s limit on one activation', () => {
  // Without the explicit limit, the SDK's debugMode (which puts workflows on the main thread) would lift it.
  assert.equal(stack.worker?.options.debugMode, true);
  assert.equal(stack.worker?.options.isolateExecutionTimeoutMs, 5000);
});
