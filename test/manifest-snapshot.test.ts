/**
 * A request runs with the manifest it started with: editing plugins.yaml
 * while it runs changes nothing for it, and the next request uses the edit.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const manifest = (total: number, second: boolean) => `version: 1
exporters:
  - key: slow
    name: Slow numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 5
    settings: { total: ${total}, delayMs: 100 }
${
  second
    ? `  - key: second
    name: Second
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    settings: { total: 2, group: second, label: Second, prefix: s }
`
    : ''
}`;

let stack: Stack;
before(async () => {
  stack = await startStack({ manifest: manifest(40, true) });
});
after(async () => {
  await stack?.close();
});

async function exported(email: string, id: string) {
  const done = await waitForStatus(stack, id, 'completed');
  const zip = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
  return { done, report: JSON.parse(zip.get('export.json') as string)[`Personal Data Export for ${email}`] };
}

// The first request's 8 pages of 100 ms outlast the half second a small export gets in one go: it is seen processing.
test('editing plugins.yaml mid-request does not change the running request; the next one uses the edit', async () => {
  const first = await stack.api('POST', '/api/requests', { email: 'snap@example.com', action: 'export', skipConfirmation: true });
  await waitForStatus(stack, first.body.id, 'processing');
  await writeFile(stack.manifestPath, manifest(3, false));

  const { done, report } = await exported('snap@example.com', first.body.id);
  assert.equal(Object.keys(report.numbers.items).length, 40, 'the first request keeps total: 40');
  assert.ok(report.second, 'and the exporter the edit removed');

  const next = await stack.api('POST', '/api/requests', { email: 'snap2@example.com', action: 'export', skipConfirmation: true });
  const later = await exported('snap2@example.com', next.body.id);
  assert.equal(Object.keys(later.report.numbers.items).length, 3);
  assert.equal(later.report.second, undefined);
  assert.notEqual(later.done.workflow.id, done.workflow.id);
});
