/**
 * Exporters that fail: one that hangs past its timeout, one that throws a
 * few times, one that always throws, each retried as its manifest entry
 * says; and an admin's retry of a failed export, which takes over its staged
 * pages and carries on at the failing page instead of starting over.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stagingCleanupWorkflowId } from '../model/request.ts';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

let stack: Stack;
before(async () => {
  stack = await startStack({ manifest: 'version: 1\nexporters: []\n' });
});
after(async () => {
  await stack?.close();
});

/** A manifest entry for the faulty fixture; `settings` is YAML flow-map content. */
function faulty(key: string, settings: string, extra = ''): string {
  return (
    `  - key: ${key}\n    name: Faulty ${key}\n    module: ${join(FIXTURE_PLUGINS, 'faulty.ts')}\n    pageSize: 10\n${extra}` +
    `    settings: { log: '${logFile(key)}', ${settings} }\n`
  );
}

function logFile(key: string): string {
  return `${stack.dbPath}.${key}.log`;
}

async function calls(key: string): Promise<string[]> {
  return (await readFile(logFile(key), 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

/** The manifest is read when a request starts processing, so each test writes its own. */
async function useExporters(...entries: string[]): Promise<void> {
  await writeFile(stack.manifestPath, `version: 1\nexporters:\n${entries.join('')}`);
}

async function exportFor(email: string): Promise<string> {
  const created = await stack.api('POST', '/api/requests', { email, action: 'export', skipConfirmation: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id as string;
}

describe('exporter faults', () => {
  test('an exporter that does not answer within its timeout is retried, then fails the request naming it and the page', async () => {
    await useExporters(faulty('hang', 'total: 5, hangMs: 2000', '    timeout: 200ms\n    retry: { maxAttempts: 2, initialInterval: 100ms }\n'));
    const id = await exportFor('hang@faults.test');
    const failed = await waitForStatus(stack, id, 'failed', 30_000);
    assert.match(failed.reason, /exporter "hang" page 1 did not answer within 200 ms/);
    assert.deepEqual(await calls('hang'), ['1', '1'], 'maxAttempts: 2');
  });

  test('an exporter that throws twice, then answers, completes the request', async () => {
    await useExporters(faulty('flaky', 'total: 15, failTimes: 2', '    retry: { maxAttempts: 3, initialInterval: 100ms }\n'));
    const id = await exportFor('flaky@faults.test');
    const done = await waitForStatus(stack, id, 'completed', 30_000);
    assert.equal(done.items, 15 + 1);
    assert.deepEqual(await calls('flaky'), ['1', '1', '1', '2']);
  });

  test('an exporter that always throws fails the request after maxAttempts with its message', async () => {
    await useExporters(faulty('down', "total: 5, failTimes: 1000, message: 'the CRM answered 503'", '    retry: { maxAttempts: 2, initialInterval: 100ms }\n'));
    const id = await exportFor('down@faults.test');
    const failed = await waitForStatus(stack, id, 'failed', 30_000);
    assert.equal(failed.reason, 'exporter "down" (Faulty down) failed: the CRM answered 503');
    assert.deepEqual(await calls('down'), ['1', '1']);
  });
});

describe('retry of a failed export', () => {
  test('resumes at the failing page, keeping what the exporters before it staged', async () => {
    const marker = `${stack.dbPath}.fixed`;
    await useExporters(
      faulty('first', 'total: 25, prefix: a'),
      faulty('third', `total: 50, prefix: b, failOnPage: 3, until: '${marker}'`, '    retry: { maxAttempts: 2, initialInterval: 100ms }\n'),
    );
    const id = await exportFor('resume@faults.test');
    const failed = await waitForStatus(stack, id, 'failed', 30_000);
    assert.match(failed.reason, /the backend of page 3 is down/);
    assert.deepEqual(await calls('first'), ['1', '2', '3']);
    assert.deepEqual(await calls('third'), ['1', '2', '3', '3']);
    assert.ok(existsSync(stack.paths.staging(id)), 'a failed export keeps its staged pages for a retry');
    const cleanup = await stack.client.workflow.getHandle(stagingCleanupWorkflowId(id)).describe();
    assert.equal(cleanup.status.name, 'RUNNING', 'and schedules their deletion');

    await writeFile(marker, 'fixed');
    const retried = await stack.api('POST', `/api/requests/${id}/retry`);
    assert.equal(retried.status, 201);
    const newId = retried.body.id as string;
    // The failed request was confirmed: its retry is too (the person is not asked again because a plugin failed).
    assert.notEqual(retried.body.status, 'pending');
    const done = await waitForStatus(stack, newId, 'completed', 30_000);

    assert.deepEqual(await calls('first'), ['1', '2', '3'], 'the finished exporter is not asked again');
    assert.deepEqual(await calls('third'), ['1', '2', '3', '3', '3', '4', '5'], 'the failing one resumes at its failing page');
    assert.ok(!existsSync(stack.paths.staging(id)), 'the retry took the staged pages over');
    const zip = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
    const items = JSON.parse(zip.get('export.json') as string)['Personal Data Export for resume@faults.test'].faulty.items;
    const expected = [...Array.from({ length: 25 }, (_, n) => `a-${n}`), ...Array.from({ length: 50 }, (_, n) => `b-${n}`)];
    assert.deepEqual(Object.keys(items), expected, 'every item, in order');
    for (const itemId of expected) assert.equal(items[itemId].length, 1, `${itemId} staged exactly once`);
    assert.equal(done.items, 75 + 1);
    await stack.client.workflow.getHandle(stagingCleanupWorkflowId(id)).terminate('test done');
  });

  test('a failed export nobody retries has its staged pages deleted by its cleanup', async () => {
    await useExporters(faulty('broken', "total: 30, failOnPage: 2, message: 'down'", '    retry: { maxAttempts: 1 }\n'));
    const id = await exportFor('never@faults.test');
    await waitForStatus(stack, id, 'failed', 30_000);
    assert.ok(existsSync(stack.paths.staging(id)));
    // The cleanup waits 24 h by default; its delete-now signal stands in for the end of the wait.
    const cleanup = stack.client.workflow.getHandle(stagingCleanupWorkflowId(id));
    await cleanup.signal('deleteNow');
    assert.equal((await cleanup.result()).early, true);
    assert.ok(!existsSync(stack.paths.staging(id)), 'staged pages deleted');
  });

  test('a cancelled export discards its staged pages at once', async () => {
    await useExporters(faulty('slow', 'total: 1000, hangMs: 300', '    timeout: 5s\n'));
    const id = await exportFor('cancel@faults.test');
    await waitForStatus(stack, id, 'processing', 30_000);
    while ((await calls('slow')).length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await stack.api('POST', `/api/requests/${id}/cancel`)).status, 202);
    const failed = await waitForStatus(stack, id, 'failed', 30_000);
    assert.equal(failed.reason, 'cancelled');
    assert.ok(!existsSync(stack.paths.staging(id)));
    await assert.rejects(stack.client.workflow.getHandle(stagingCleanupWorkflowId(id)).describe(), 'no cleanup scheduled');
  });
});
