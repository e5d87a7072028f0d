/**
 * Live progress an admin reads while an export runs: the exporter, its page
 * and the items staged so far move page by page (read from the running
 * activity's heartbeat, so a worker busy exporting still reports), a plugin
 * being retried says so with its attempt and error type, and the ZIP's
 * progress is counted as it is written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildExportZip } from '../report/build.ts';
import { openStaging } from '../report/staging.ts';
import { progressState } from '../server/admin/request-page.ts';
import { FIXTURE_PLUGINS, type Stack, startStack } from './helpers/stack.ts';

describe('progress while an export runs', () => {
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'dsr-progress-'));
  before(async () => {
    stack = await startStack({
      // One batch holds the whole slow exporter: progress must come from inside the batch.
      batchBudgetMs: 60_000,
      manifest: `version: 1
exporters:
  - key: slow
    name: Slow numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 10
    settings: { total: 600, delayMs: 100 }
  - key: flaky
    name: Flaky CRM
    module: ${join(FIXTURE_PLUGINS, 'faulty.ts')}
    retry: { maxAttempts: 5, initialInterval: 3s }
    settings: { total: 5, failTimes: 2, log: '${join(dir, 'flaky-calls')}' }
`,
    });
  });
  after(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('exporter, page and items move page by page inside one batch; a retry shows its attempt and error type', async () => {
    const created = await stack.api('POST', '/api/requests', { email: 'progress@example.com', action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201);
    const seen = new Map<number, number>(); // page → items, for the slow exporter
    let retry: { attempt: number; errorType: string } | undefined;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const view = (await stack.api('GET', `/api/requests/${created.body.id}`)).body;
      const progress = view.progress;
      const atWork = (key: string) => progress?.running?.find((plugin: { key: string }) => plugin.key === key);
      // The items staged before the slow exporter's page: the flaky one has staged none yet (it fails twice, then waits out its 3 s interval).
      if (atWork('slow')) seen.set(atWork('slow').page, progress.items);
      if (atWork('flaky') && progress.retry) retry = progress.retry;
      if (view.status === 'completed' || view.status === 'failed') break;
      assert.ok(Date.now() < deadline, 'the export did not end');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const pages = [...seen.keys()].filter((page) => page > 1);
    assert.ok(pages.length >= 3, `pages seen while the batch ran: ${[...seen.entries()].map(([p, i]) => `${p}:${i}`).join(' ')}`);
    for (const page of pages) assert.equal(seen.get(page), (page - 1) * 10, `page ${page} shows the items staged before it`);
    // Its first attempt failed in the small export's one activity, its second in its own batch: the third is shown under way.
    assert.deepEqual(retry, { attempt: 3, errorType: 'Error' }, 'the retry of the flaky exporter was shown');
    const state = progressState(
      { status: 'processing', action: 'export' },
      {
        status: 'processing',
        pluginsTotal: 2,
        plugin: { index: 1, key: 'flaky', name: 'Flaky CRM' },
        page: 1,
        items: 12_345,
        retry: { attempt: 2, errorType: 'Error' },
      },
    );
    assert.equal(state.text, 'Exporter 2 of 2: Flaky CRM, page 1; 12,345 items exported so far. Retrying: attempt 2, after Error.');
    // Exporters side by side: the bar counts those done, the text names each one at work with its page.
    const side = (pluginsDone: number, running: { index: number; key: string; name: string; page: number }[]) =>
      progressState({ status: 'processing', action: 'export' }, { status: 'processing', pluginsTotal: 8, pluginsDone, running, page: 1, items: 131 });
    const two = side(5, [
      { index: 5, key: 'a', name: 'Slow A', page: 3 },
      { index: 6, key: 'b', name: 'Slow B', page: 2 },
    ]);
    assert.deepEqual([two.value, two.max, two.text], [5, 8, '5 of 8 exporters done; at work: Slow A (page 3), Slow B (page 2); 131 items exported so far.']);
    assert.equal(side(0, []).text, '0 of 8 exporters done; 131 items exported so far.');
    assert.equal(side(8, []).text, 'All 8 exporters done; finishing. 131 items exported so far.');
  });
});

test('the ZIP build reports items written as it streams export.json, and the page says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsr-zip-progress-'));
  try {
    const store = openStaging(join(dir, 's.sqlite'));
    store.writePage(
      0,
      1,
      Array.from({ length: 2500 }, (_, i) => ({ group_id: 'g', group_label: 'G', item_id: `i-${i}`, data: [{ name: 'n', value: i }] })),
    );
    store.close();
    const told: [number, number][] = [];
    await buildExportZip({
      stagingPath: join(dir, 's.sqlite'),
      zipPath: join(dir, 'x.zip'),
      email: 'a@example.com',
      siteName: 'S',
      siteUrl: 'https://s.example',
      generatedAt: new Date(),
      onProgress: (written, total) => told.push([written, total]),
    });
    assert.deepEqual(
      told,
      [
        [1000, 2501],
        [2000, 2501],
        [2501, 2501],
      ],
      'every 1,000 items, then the total (About included)',
    );
    const state = progressState(
      { status: 'processing', action: 'export' },
      { status: 'processing', pluginsTotal: 0, page: 0, items: 2501, zip: { written: 2000, total: 2501 } },
    );
    assert.deepEqual([state.value, state.max, state.text], [2000, 2501, 'Writing the ZIP: 2,000 of 2,501 items.']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the request page says the link was emailed only once it was, and counts with thousands separators', async () => {
  const { requestPage } = await import('../server/admin/request-page.ts');
  const view = (status: 'processing' | 'completed' | 'failed') => ({
    id: 'export-abc',
    action: 'export' as const,
    email: 'p@example.com',
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    sendAsEmail: true,
    items: 1_234_567,
    workflow: { id: 'dsr-export-abc', runId: 'r' },
  });
  const render = async (status: 'processing' | 'completed' | 'failed') =>
    String(await requestPage({ siteName: 'S', csrf: 'c', notices: [], view: view(status) }, undefined));
  assert.match(await render('processing'), /to be emailed to the person when the export is ready/);
  assert.doesNotMatch(await render('processing'), /<dd>emailed to the person/);
  assert.match(await render('failed'), /not emailed: the request did not complete/);
  assert.match(await render('completed'), /<dd>emailed to the person<\/dd>/);
  assert.match(await render('completed'), /<dd>1,234,567<\/dd>/);
});
