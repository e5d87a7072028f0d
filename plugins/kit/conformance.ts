/**
 * One conformance suite for every exporter and eraser, in the spirit of
 * unstorage's `testDriver`: a plugin's own test file is a few lines plus its
 * regression cases. The suites register `node:test` blocks that check what
 * the engine relies on: paging ends, answers are well formed (the engine's
 * own validators), pages are stable, an unknown email finds nothing, item
 * ids do not repeat, erasers are idempotent and a dry run changes nothing.
 *
 * The plugin is called directly, as a plain function: no Temporal, no
 * manifest. Its context is built as the engine builds it: `fetch`, `env`,
 * `readFile` and `resolvePath` allow only what `permissions` declares (as in
 * the plugin's manifest entry), so the suite also fails a plugin that uses
 * more than it declares. Pass settings, manifestDir and the like through the
 * `ctx` factory.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { validateErasePage, validateExportPage } from '../host/check-answer.ts';
import { resolve } from 'node:path';
import type { Permissions } from '../../manifest/snapshot.ts';
import type { ErasePage, ExportItem, ExportPage, PluginContext } from '../contract.ts';
import { pluginCapabilities } from '../permissions.ts';

/** Any exporter or eraser, including plain JavaScript ones whose answers may be malformed. */
export type PageFunction = (email: string, page: number, ctx: PluginContext) => unknown;

/** What the suite tells the `ctx` factory about the call it is about to make. */
export interface CallInfo {
  requestId: string;
  dryRun: boolean;
}

/** Makes a context for one call; what it returns overrides the suite's defaults. */
export type ContextFactory = (call: CallInfo) => Partial<PluginContext>;

/** Options of both suites. */
export interface SuiteOptions {
  /** Name of the `describe` block. */
  name: string;
  /** An email the plugin holds data for. */
  email: string;
  /** An email the plugin holds nothing for. @default 'nobody@example.invalid' */
  unknownEmail?: string;
  /** The plugin's context: settings, manifestDir, … (overrides the suite's). @default settings `{}`, manifestDir `process.cwd()` */
  ctx?: ContextFactory;
  /** What the plugin may touch, as in its manifest entry; paths relative to `manifestDir`. @default nothing */
  permissions?: Partial<Permissions>;
  /** `ctx.pageSize`; small values exercise paging. @default undefined (the plugin's own) */
  pageSize?: number;
  /** Pages after which a plugin still not `done` fails. @default 1000 */
  maxPages?: number;
  /** Registers the plugin's own tests inside the suite; `ctx()` makes a context as the suite does. */
  additionalTests?: (helpers: { ctx: (call?: Partial<CallInfo>) => PluginContext }) => void;
}

/** Options of {@link testExporter}. */
export interface ExporterSuiteOptions extends SuiteOptions {
  exporter: PageFunction;
}

/** Options of {@link testEraser}. */
export interface EraserSuiteOptions extends SuiteOptions {
  eraser: PageFunction;
  /** Restores the data before each test, since erasing is destructive. Without it, the suite cannot expect data to be found. */
  reset?: () => void | Promise<void>;
  /** The eraser honours `ctx.dryRun` (its manifest entry says `supportsDryRun: true`). @default false */
  supportsDryRun?: boolean;
  /** An exporter of the same data: what it sees must not change after a dry run. */
  exporter?: PageFunction;
}

/**
 * Registers the conformance tests of an exporter.
 *
 * @example
 * import exporter from './my-exporter.ts';
 * testExporter({ name: 'my-exporter', exporter, email: 'alex@example.com', pageSize: 2,
 *   permissions: { read: ['./data'] }, ctx: () => ({ manifestDir: dir, settings: { database: './data/my.sqlite' } }) });
 */
export function testExporter(options: ExporterSuiteOptions): void {
  const { exporter, email, unknownEmail = 'nobody@example.invalid', maxPages = 1000 } = options;
  const ctx = _contextMaker(options, 'exporter');
  const who = { key: options.name, name: options.name };
  const run = (address: string) => _drainExporter(maxPages, (page, cursor) => exporter(address, page, { ...ctx(), cursor }), who);
  describe(options.name, () => {
    test(`exportPage() answers well formed pages and is done within ${maxPages} pages`, async () => {
      const pages = await run(email);
      assert.ok(
        pages.some((p) => p.data.length > 0),
        `expected data for "${email}"`,
      );
    });
    test('exportPage() answers the same page twice the same', async () => {
      const pages = await run(email);
      for (const [index, first] of pages.entries()) {
        const cursor = pages[index - 1]?.next_cursor;
        assert.deepEqual(validateExportPage(await exporter(email, index + 1, { ...ctx(), cursor }), who, index + 1), first, `page ${index + 1}`);
      }
    });
    test('exportPage() never repeats an item id within a group', async () => {
      _assertUniqueIds((await run(email)).flatMap((p) => p.data));
    });
    test('exportPage() finds nothing for an unknown email', async () => {
      assert.deepEqual(validateExportPage(await exporter(unknownEmail, 1, ctx()), who, 1), { data: [], done: true });
    });
    options.additionalTests?.({ ctx });
  });
}

/**
 * Registers the conformance tests of an eraser. Give `reset` so that every
 * test starts from the same data, and `exporter` to check the dry run.
 *
 * @example
 * import eraser from './my-eraser.ts';
 * import exporter from './my-exporter.ts';
 * testEraser({ name: 'my-eraser', eraser, exporter, supportsDryRun: true, email: 'alex@example.com',
 *   permissions: { write: ['./data'] }, reset: () => seedFreshDatabase(dir),
 *   ctx: () => ({ manifestDir: dir, settings: { database: './data/my.sqlite' } }) });
 */
export function testEraser(options: EraserSuiteOptions): void {
  const { eraser, email, unknownEmail = 'nobody@example.invalid', maxPages = 1000, reset } = options;
  const ctx = _contextMaker(options, 'eraser');
  const who = { key: options.name, name: options.name };
  const call = async (address: string, page: number, c: PluginContext) => validateErasePage(await eraser(address, page, c), who, page);
  const run = (requestId: string, dryRun = false) => _drain(maxPages, (page) => call(email, page, ctx({ requestId, dryRun })));
  const found = (pages: ErasePage[]) => pages.some((p) => p.items_removed || p.items_retained);
  describe(options.name, () => {
    if (reset) beforeEach(reset);
    test(`erasePage() answers well formed pages and is done within ${maxPages} pages`, async () => {
      const pages = await run('conformance-1');
      if (reset) assert.ok(found(pages), `expected something removed or retained for "${email}"`);
    });
    test('erasePage() erases nothing on a second run with a new requestId', async () => {
      await run('conformance-1');
      for (const page of await run('conformance-2')) assert.equal(page.items_removed, false, JSON.stringify(page));
    });
    test('erasePage() answers a repeated page with the same requestId the same', async () => {
      for (let page = 1; page <= maxPages; page++) {
        const first = await call(email, page, ctx({ requestId: 'conformance-1' }));
        assert.deepEqual(await call(email, page, ctx({ requestId: 'conformance-1' })), first, `page ${page}`);
        if (first.done) return;
      }
      assert.fail(`not done within ${maxPages} pages`);
    });
    test('erasePage() removes nothing for an unknown email', async () => {
      const answer = await call(unknownEmail, 1, ctx({ requestId: 'conformance-1' }));
      assert.equal(answer.items_removed, false);
      assert.equal(answer.done, true);
    });
    test('erasePage() in a dry run changes nothing an export would see', { skip: !options.supportsDryRun && 'no dry run' }, async () => {
      const { exporter } = options;
      const exported = () =>
        exporter === undefined ? Promise.resolve([]) : _drainExporter(maxPages, (page, cursor) => exporter(email, page, { ...ctx(), cursor }), who);
      const before = await exported();
      const plan = await run('conformance-dry-run', true);
      if (reset) assert.ok(found(plan), `expected the plan to find something for "${email}"`);
      assert.deepEqual(await exported(), before, 'the export changed after a dry run');
      assert.deepEqual(await run('conformance-dry-run-2', true), plan, 'a second dry run planned something else');
    });
    options.additionalTests?.({ ctx });
  });
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Makes contexts the way `callPage` does, with capabilities scoped to `options.permissions`. */
function _contextMaker(options: SuiteOptions, role: 'exporter' | 'eraser'): (call?: Partial<CallInfo>) => PluginContext {
  return ({ requestId = 'conformance-1', dryRun = false } = {}) => {
    const own = options.ctx?.({ requestId, dryRun }) ?? {};
    const manifestDir = own.manifestDir ?? process.cwd();
    const signal = own.signal ?? new AbortController().signal;
    const declared = { net: [], env: [], read: [], write: [], ...options.permissions };
    const permissions = { ...declared, read: declared.read.map((p) => resolve(manifestDir, p)), write: declared.write.map((p) => resolve(manifestDir, p)) };
    const base: PluginContext = {
      requestId,
      dryRun,
      settings: {},
      pageSize: options.pageSize,
      manifestDir,
      signal,
      cursor: undefined,
      ...pluginCapabilities({ key: options.name, permissions }, role, manifestDir, signal),
    };
    return { ...base, ...own, requestId, dryRun };
  };
}

/** As {@link _drain}, handing each page the previous page's `next_cursor` as the engine does. */
async function _drainExporter(
  maxPages: number,
  call: (page: number, cursor: string | undefined) => unknown,
  who: { key: string; name: string },
): Promise<ExportPage[]> {
  let cursor: string | undefined;
  return _drain(maxPages, async (page) => {
    const answer = validateExportPage(await call(page, cursor), who, page);
    cursor = answer.next_cursor;
    return answer;
  });
}

/** Calls pages 1, 2, … until one is `done`, failing after `maxPages`. */
async function _drain<T extends { done: boolean }>(maxPages: number, page: (n: number) => Promise<T>): Promise<T[]> {
  const pages: T[] = [];
  for (let n = 1; n <= maxPages; n++) {
    const answer = await page(n);
    pages.push(answer);
    if (answer.done) return pages;
  }
  assert.fail(`Cannot finish paging: still not done after ${maxPages} pages (maxPages)`);
}

function _assertUniqueIds(items: ExportItem[]): void {
  const seen = new Set<string>();
  for (const { group_id, item_id } of items) {
    const id = JSON.stringify([group_id, item_id]);
    assert.ok(!seen.has(id), `item "${item_id}" appears twice in group "${group_id}"`);
    seen.add(id);
  }
}
