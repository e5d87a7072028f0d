/**
 * Runs one exporter page after page into the request's staging store, for
 * up to a time budget, heartbeating its cursor. A retry after a crash resumes
 * at the last heartbeated page; pages are written idempotently (a page
 * written twice replaces itself), so every item lands exactly once.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import { pathToFileURL } from 'node:url';
import { PluginContractError } from '../lib/errors.ts';
import type { StoragePaths } from '../lib/storage.ts';
import type { ExporterSnapshot } from '../manifest/snapshot.ts';
import type { Exporter, PluginContext } from '../plugins/contract.ts';
import { openStaging } from '../report/staging.ts';
import { validateExportPage } from './plugin-response.ts';

export interface ExportBatchInput {
  requestId: string;
  email: string;
  exporter: ExporterSnapshot;
  manifestDir: string;
  /** First page to fetch (1-based). */
  page: number;
  budgetMs: number;
}

export interface ExportBatchResult {
  /** The page the next batch starts at. */
  nextPage: number;
  done: boolean;
  items: number;
  pages: number;
}

interface Cursor {
  page: number;
  items: number;
  pages: number;
}

/** How often a long page call still heartbeats, so a slow page is not taken for a dead worker. */
const HEARTBEAT_EVERY_MS = 2_000;

export function createExportActivities({ paths }: { paths: StoragePaths }) {
  return {
    async exportBatch(input: ExportBatchInput): Promise<ExportBatchResult> {
      const { exporter } = input;
      const resumed = activityInfo().heartbeatDetails as Cursor | undefined;
      const cursor: Cursor = resumed && resumed.page >= input.page ? resumed : { page: input.page, items: 0, pages: 0 };
      const exporterFn = await loadExporter(exporter);
      const store = openStaging(paths.staging(input.requestId));
      const started = Date.now();
      try {
        for (;;) {
          heartbeat(cursor);
          const answer = await callPage(exporterFn, input, cursor);
          const page = validateExportPage(answer, exporter, cursor.page);
          store.writePage(exporter.index, cursor.page, page.data);
          cursor.items += page.data.length;
          cursor.pages += 1;
          cursor.page += 1;
          heartbeat(cursor);
          if (page.done || Date.now() - started >= input.budgetMs) {
            return { nextPage: cursor.page, done: page.done, items: cursor.items, pages: cursor.pages };
          }
        }
      } finally {
        store.close();
      }
    },
  };
}

/**
 * Calls the plugin for one page with its timeout, heartbeating while it works.
 * Every timer and listener is released when the page settles: one left
 * waiting for the timeout would keep the page's data alive until then.
 */
async function callPage(exporterFn: Exporter, input: ExportBatchInput, cursor: Cursor): Promise<unknown> {
  const { exporter } = input;
  const { page } = cursor;
  const controller = new AbortController();
  const cancellation = Context.current().cancellationSignal;
  const onCancel = () => controller.abort(new Error(`Exporter "${exporter.key}" page ${page} was cancelled`));
  cancellation.addEventListener('abort', onCancel, { once: true });
  const timer = setTimeout(
    () => controller.abort(new Error(`Exporter "${exporter.key}" page ${page} did not answer within ${exporter.timeoutMs} ms`)),
    exporter.timeoutMs,
  );
  const beat = setInterval(() => heartbeat(cursor), HEARTBEAT_EVERY_MS);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const ctx: PluginContext = {
    requestId: input.requestId,
    settings: exporter.settings,
    pageSize: exporter.pageSize,
    manifestDir: input.manifestDir,
    signal: controller.signal,
  };
  try {
    return await Promise.race([Promise.resolve().then(() => exporterFn(input.email, page, ctx)), aborted]);
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    cancellation.removeEventListener('abort', onCancel);
  }
}

/** Imports the plugin module named in the manifest and picks its exporter function. */
async function loadExporter(exporter: ExporterSnapshot): Promise<Exporter> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(exporter.modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginContractError(`Cannot load exporter "${exporter.key}" from "${exporter.modulePath}": ${(error as Error).message}`);
  }
  const fn = module[exporter.exportName];
  if (typeof fn !== 'function') {
    throw new PluginContractError(
      `Cannot use exporter "${exporter.key}": "${exporter.modulePath}" has no function export "${exporter.exportName}"`,
    );
  }
  return fn as Exporter;
}
