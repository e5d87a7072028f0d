/**
 * Exporters side by side (plugins.yaml `concurrency`): the report is the one a
 * sequential run makes, byte for byte, and the slow exporters' pages really
 * overlap; a plugin's own `concurrency` keeps its pages from overlapping
 * across requests. Through the whole stack, the demo database and fixture
 * exporters that trace when each page ran.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { demoManifest, FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

interface Traced {
  prefix: string;
  page: number;
  began: number;
  ended: number;
}

/** A numbers exporter (test/fixtures/plugins/numbers.ts) tracing its pages into `trace`. */
function numbersEntry(key: string, options: { total: number; delayMs: number; trace: string; group?: string; concurrency?: number }): string {
  return [
    `  - key: ${key}`,
    `    name: Numbers ${key}`,
    `    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}`,
    '    pageSize: 10',
    ...(options.concurrency ? [`    concurrency: ${options.concurrency}`] : []),
    `    settings: { total: ${options.total}, delayMs: ${options.delayMs}, prefix: ${key}, trace: ${JSON.stringify(options.trace)}${options.group ? `, group: ${options.group}` : ''} }`,
    '',
  ].join('\n');
}

/** The demo manifest's five exporters, then three slow ones, two of them filling one group: run `concurrency` at a time. */
function mixedManifest(dbPath: string, concurrency: number, trace: string): string {
  const demo = demoManifest(dbPath).split('erasers:')[0] as string;
  return [
    demo.replace('version: 1\n', `version: 1\nconcurrency: ${concurrency}\n`),
    numbersEntry('slow-a', { total: 45, delayMs: 120, trace, group: 'shared' }),
    numbersEntry('slow-b', { total: 20, delayMs: 120, trace }),
    numbersEntry('slow-c', { total: 15, delayMs: 60, trace, group: 'shared' }),
  ].join('');
}

/** How many runs a request's workflow took: continue-as-new chains one run after another under one id. */
async function countRuns(stack: Stack, workflowId: string, firstRunId: string): Promise<number> {
  let runs = 0;
  for (let runId: string | null | undefined = firstRunId; runId; runs++) {
    const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}

function readTrace(file: string): Traced[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Traced);
}

/** Whether any page of one exporter ran while a page of another did. */
function overlapAcross(trace: Traced[]): boolean {
  return trace.some((a) => trace.some((b) => a.prefix !== b.prefix && a.began < b.ended && b.began < a.ended));
}

/** Whether any two pages (of any requests) ran at once. */
function anyOverlap(trace: Traced[]): boolean {
  return trace.some((a, i) => trace.some((b, j) => i !== j && a.began < b.ended && b.began < a.ended));
}

describe('exporters side by side', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  /** One export of the demo person under `manifest`: its export.json as downloaded, and the pages traced meanwhile. */
  const exportWith = (manifest: string, trace: string) => exportOn(stack, manifest, trace);
  /** export.json of the sequential run, the one every other run must equal. */
  let sequentialJson: string | undefined;

  async function exportOn(stack: Stack, manifest: string, trace: string): Promise<{ json: string; trace: Traced[]; runs: number }> {
    writeFileSync(trace, '');
    writeFileSync(stack.manifestPath, manifest);
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true, sendAsEmail: false });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await waitForStatus(stack, created.body.id, 'completed');
    const entries = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
    const runs = await countRuns(stack, created.body.workflow.id, created.body.workflow.runId);
    return { json: entries.get('export.json') as string, trace: readTrace(trace), runs };
  }

  test('eight exporters four at a time: byte-identical export.json to one at a time, and the slow ones overlap', async () => {
    const trace = join(stack.dir, 'trace.jsonl');
    const sequential = await exportWith(mixedManifest(stack.dbPath, 1, trace), trace);
    const parallel = await exportWith(mixedManifest(stack.dbPath, 4, trace), trace);

    assert.equal(overlapAcross(sequential.trace), false, 'concurrency: 1 runs one exporter after the other');
    assert.equal(overlapAcross(parallel.trace), true, 'concurrency: 4 runs the slow exporters side by side');
    assert.equal(parallel.trace.length, 5 + 2 + 2, 'every page once');

    // Only the About group's "On" (the time of the build) may differ between two requests.
    const timeless = (json: string) => json.replace(/\{"name":"On","value":"[^"]*"\}/, '{"name":"On","value":"-"}');
    assert.equal(timeless(parallel.json), timeless(sequential.json));
    sequentialJson = timeless(sequential.json);
    const report = JSON.parse(parallel.json)[`Personal Data Export for ${DEMO_PERSON}`];
    assert.deepEqual(Object.keys(report), ['about', 'user', 'comments', 'session-tokens', 'media', 'orders', 'shared', 'numbers']);
    // Two exporters' items in one group: the first exporter's pages, then the second's, as WordPress merges.
    const shared = Object.keys(report.shared.items);
    assert.deepEqual(shared, [...Array.from({ length: 45 }, (_, n) => `slow-a-${n}`), ...Array.from({ length: 15 }, (_, n) => `slow-c-${n}`)]);
  });

  test('batch by batch, side by side, continuing as new every few batches: the same bytes again', async () => {
    assert.ok(sequentialJson, 'runs after the first test');
    // One page per batch and a new run from the 4th batch on: the small export's one activity stages
    // one page per exporter, then the exporters go on batch by batch, four at a time, across runs
    // (slow-a's four batches after its first page cannot all fit in one run).
    const paged = await startStack({ batchBudgetMs: 1, batchesPerRun: 4 });
    try {
      const trace = join(paged.dir, 'trace.jsonl');
      const result = await exportOn(paged, mixedManifest(paged.dbPath, 4, trace), trace);
      assert.ok(result.runs >= 2, `continued as new (${result.runs} runs)`);
      assert.equal(overlapAcross(result.trace.filter((t) => t.page > 1)), true, 'later pages side by side too');
      const pages = result.trace.map((t) => `${t.prefix}/${t.page}`);
      assert.equal(pages.length, 9, `every page of the slow exporters once: ${pages.join(' ')}`);
      assert.equal(new Set(pages).size, 9, `every page of the slow exporters once: ${pages.join(' ')}`);
      assert.equal(result.json.replace(/\{"name":"On","value":"[^"]*"\}/, '{"name":"On","value":"-"}'), sequentialJson);
    } finally {
      await paged.close();
    }
  });

  test("a plugin's concurrency: 1 keeps its pages one at a time across requests running at once", async () => {
    const trace = join(stack.dir, 'limited.jsonl');
    const manifest = (limit?: number) =>
      ['version: 1', 'exporters:', numbersEntry('gated', { total: 20, delayMs: 150, trace, ...(limit ? { concurrency: limit } : {}) })].join('\n');
    const runThree = async (text: string) => {
      writeFileSync(trace, '');
      writeFileSync(stack.manifestPath, text);
      const ids = await Promise.all(
        ['one', 'two', 'three'].map(async (name) => {
          const created = await stack.api('POST', '/api/requests', {
            email: `${name}@example.com`,
            action: 'export',
            skipConfirmation: true,
            sendAsEmail: false,
          });
          assert.equal(created.status, 201, JSON.stringify(created.body));
          return created.body.id as string;
        }),
      );
      for (const id of ids) await waitForStatus(stack, id, 'completed');
      return readTrace(trace);
    };
    const free = await runThree(manifest());
    assert.equal(anyOverlap(free), true, 'without a limit, three requests call the plugin at once');
    const gated = await runThree(manifest(1));
    assert.equal(gated.length, 3 * 2, 'every page of every request once');
    assert.equal(anyOverlap(gated), false, 'concurrency: 1 lets one page in at a time');
  });
});
