/**
 * `npm run plugins:check`: validates plugins.yaml, then runs every exporter
 * and every eraser (in dry run only) against one email the way the engine
 * does, page by page through `callPage` and the engine's answer validators,
 * and prints one table. Exits 1 if the manifest is invalid or any plugin
 * failed. Needs no Temporal; changes no data (erasers without
 * `supportsDryRun: true` are never called).
 *
 * Usage:
 *   npm run plugins:check -- [--manifest plugins.yaml] [--email someone@example.com]
 *                            [--exporters-only | --erasers-only] [--max-pages 1000]
 *
 * The default email matches nothing, so a clean run shows that every plugin
 * loads, answers well formed pages and says `done`; pass a real one to see
 * how many items each would export or erase, and how long its pages take.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { callPage, loadPlugin, type PageCall } from '../plugins/host/call-page.ts';
import { validateErasePage, validateExportPage } from '../plugins/host/check-answer.ts';
import { ManifestError } from '../lib/errors.ts';
import { type EraserSnapshot, type PluginSnapshot, loadManifest } from '../manifest/load.ts';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';

const USAGE = 'usage: npm run plugins:check -- [--manifest plugins.yaml] [--email someone@example.com] [--exporters-only|--erasers-only] [--max-pages 1000]';
const DEFAULT_EMAIL = 'plugins-check@example.invalid';

/** One row of the table. */
interface Row {
  role: 'exporter' | 'eraser';
  key: string;
  name: string;
  pages: number;
  /** Exporters: items; erasers: what a real run would remove / retain (`yes` when a page flags it without a count). */
  items: string;
  removed: string;
  retained: string;
  slowestMs: number;
  totalMs: number;
  status: string;
}

/** The command line's flags, or a throw that says which one is wrong. */
function flags() {
  return parseArgs({
    options: {
      manifest: { type: 'string', default: 'plugins.yaml' },
      email: { type: 'string', default: DEFAULT_EMAIL },
      'exporters-only': { type: 'boolean', default: false },
      'erasers-only': { type: 'boolean', default: false },
      'max-pages': { type: 'string', default: '1000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof flags>;
  try {
    args = flags();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const maxPages = Number(args['max-pages']);
  if (args.help || !Number.isSafeInteger(maxPages) || maxPages < 1 || (args['exporters-only'] && args['erasers-only'])) {
    process.stderr.write(`${USAGE}\n`);
    return args.help ? 0 : 2;
  }
  // npm runs scripts from the package root; a relative --manifest means relative to where npm was run.
  const manifestPath = resolve(process.env.INIT_CWD ?? process.cwd(), args.manifest);
  let manifest: Awaited<ReturnType<typeof loadManifest>>;
  try {
    manifest = await loadManifest(manifestPath);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const base = { email: args.email, requestId: `plugins-check-${randomUUID()}`, manifestDir: manifest.dir, maxPages };
  const rows: Row[] = [];
  if (!args['erasers-only']) for (const exporter of manifest.exporters) rows.push(await checkExporter(exporter, base));
  if (!args['exporters-only']) for (const eraser of manifest.erasers) rows.push(await checkEraser(eraser, base));
  process.stdout.write(`${manifest.file} (email ${args.email})\n\n${table(rows)}\n`);
  const failed = rows.filter((row) => row.status.startsWith('FAILED')).length;
  process.stdout.write(`\n${rows.length} plugin(s) checked, ${failed} failed\n`);
  if (!args['erasers-only']) {
    const gaps = processingGaps(manifest.exporters, returnedGroups);
    if (!manifest.controller) gaps.unshift('no controller: block (who answers for the data, how to reach them, where to complain)');
    if (gaps.length > 0) process.stdout.write(`\nprocessing (GDPR Art. 15(1)) not declared:\n${gaps.map((gap) => `  - ${gap}`).join('\n')}\n`);
  }
  const exported = rows.filter((row) => row.role === 'exporter').reduce((sum, row) => sum + Number(row.items || 0), 0);
  if (args.email === DEFAULT_EMAIL && exported === 0 && rows.some((row) => row.role === 'exporter')) {
    // A clean run with nobody's data proves the plugins answer, not that they find anything.
    process.stdout.write(
      `\nwarning: 0 items were checked: ${DEFAULT_EMAIL} matches nobody. Pass --email with a person your systems hold` +
        ` (the demo database's: --email ${DEMO_PERSON}) to check what each plugin finds.\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}

type Base = Pick<PageCall, 'email' | 'requestId' | 'manifestDir'> & { maxPages: number };

/** Groups each exporter returned, by key: what its `processing.categories` must declare. */
const returnedGroups = new Map<string, Map<string, string>>();

async function checkExporter(exporter: PluginSnapshot, base: Base): Promise<Row> {
  let items = 0;
  const groups = new Map<string, string>();
  returnedGroups.set(exporter.key, groups);
  const row = await drain(exporter, 'exporter', base, async (answer, page) => {
    const checked = validateExportPage(answer, exporter, page);
    items += checked.data.length;
    for (const item of checked.data) if (!groups.has(item.group_id)) groups.set(item.group_id, item.group_label);
    return checked.done;
  });
  return { ...row, items: String(items), removed: '', retained: '' };
}

/**
 * What the report's "How we use your data" cannot say: exporters without a `processing:` block,
 * and groups an exporter returned that its `processing.categories` do not declare (drift).
 */
function processingGaps(exporters: readonly PluginSnapshot[], returned: ReadonlyMap<string, ReadonlyMap<string, string>>): string[] {
  const gaps: string[] = [];
  for (const exporter of exporters) {
    const groups = returned.get(exporter.key) ?? new Map<string, string>();
    if (exporter.processing === undefined) {
      gaps.push(`exporter "${exporter.key}" declares no processing: (purposes, legal basis, categories, recipients, retention)`);
      continue;
    }
    const declared = new Set(exporter.processing.categories.map((category) => (typeof category === 'string' ? category : category.group)));
    for (const [group, label] of groups) {
      if (!declared.has(group)) gaps.push(`exporter "${exporter.key}" returned group "${group}" (${label}) that its processing.categories do not declare`);
    }
  }
  return gaps;
}

async function checkEraser(eraser: EraserSnapshot, base: Base): Promise<Row> {
  if (!eraser.supportsDryRun) {
    return {
      role: 'eraser',
      key: eraser.key,
      name: eraser.name,
      pages: 0,
      items: '',
      removed: '',
      retained: '',
      slowestMs: 0,
      totalMs: 0,
      status: 'skipped (no plan mode)',
    };
  }
  const tally = { removed: 0, retained: 0, removedFlag: false, retainedFlag: false };
  const row = await drain(eraser, 'eraser', { ...base, maxPages: Math.min(base.maxPages, eraser.maxPages) }, async (answer, page) => {
    const checked = validateErasePage(answer, eraser, page);
    tally.removed += checked.removed_count ?? 0;
    tally.retained += checked.retained_count ?? 0;
    tally.removedFlag ||= checked.items_removed;
    tally.retainedFlag ||= checked.items_retained;
    return checked.done;
  });
  const count = (n: number, flag: boolean) => (n === 0 && flag ? 'yes' : String(n));
  return { ...row, items: '', removed: count(tally.removed, tally.removedFlag), retained: count(tally.retained, tally.retainedFlag) };
}

/** Calls pages 1, 2, … through the engine's `callPage` until `take` says done, timing each. */
async function drain(
  plugin: PluginSnapshot,
  role: PageCall['role'],
  base: Base,
  take: (answer: unknown, page: number) => Promise<boolean>,
): Promise<Omit<Row, 'items' | 'removed' | 'retained'>> {
  let cursor: string | undefined; // an exporter's next_cursor, handed to its next page as the engine does
  const row = { role, key: plugin.key, name: plugin.name, pages: 0, slowestMs: 0, totalMs: 0, status: 'ok' };
  const started = performance.now();
  try {
    const fn = await loadPlugin(plugin, role);
    for (let page = 1; ; page++) {
      if (page > base.maxPages) throw new Error(`still "done: false" after ${base.maxPages} pages (--max-pages)`);
      const pageStarted = performance.now();
      let answer: unknown;
      try {
        answer = await callPage(fn, {
          plugin,
          role,
          page,
          cursor,
          email: base.email,
          requestId: base.requestId,
          manifestDir: base.manifestDir,
          dryRun: role === 'eraser',
          cancellation: NEVER_ABORTED,
          heartbeat: () => {},
        });
      } finally {
        row.slowestMs = Math.max(row.slowestMs, performance.now() - pageStarted); // a page that timed out counts too
      }
      row.pages = page;
      if (await take(answer, page)) break;
      const next = (answer as { next_cursor?: unknown }).next_cursor; // take() has validated the answer
      cursor = role === 'exporter' && typeof next === 'string' ? next : undefined;
    }
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    row.status = `FAILED: ${name === 'Error' ? '' : `${name}: `}${message.split('\n')[0]}`;
  }
  row.totalMs = performance.now() - started;
  return row;
}

const NEVER_ABORTED = new AbortController().signal;

/** The rows as an aligned plain-text table; the status comes last, since a failure's reason is long. */
function table(rows: Row[]): string {
  const ms = (n: number, row: Row) => (row.status.startsWith('skipped') ? '' : n.toFixed(n < 10 ? 1 : 0));
  const header = ['role', 'key', 'name', 'pages', 'items', 'would remove', 'would retain', 'slowest ms', 'total ms', 'status'];
  const cells = rows.map((r) => [
    r.role,
    r.key,
    r.name,
    r.status.startsWith('skipped') ? '' : String(r.pages),
    r.items,
    r.removed,
    r.retained,
    ms(r.slowestMs, r),
    ms(r.totalMs, r),
    r.status,
  ]);
  const numeric = new Set([3, 4, 5, 6, 7, 8]);
  const widths = header.map((h, i) => (i === header.length - 1 ? h.length : Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length))));
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i === c.length - 1 ? cell : numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

// Exit explicitly: a plugin cut off by its timeout may still hold timers or sockets open.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
