/**
 * Runs one exporter page after page into the request's staging store, for
 * up to a time budget, heartbeating its position. A retry after a crash resumes
 * at the last heartbeated page; pages are written idempotently (a page
 * written twice replaces itself), so every item lands exactly once.
 *
 * An `http` exporter may take a page for later (HTTP 202 "pending", as a
 * processor erasing asynchronously does): the batch stops there and the
 * workflow waits; the page then arrives by its callback or when asked again
 * with its ticket, and is staged by its number like any other.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import type { Store } from '../storage/store.ts';
import type { PluginSnapshot } from '../manifest/snapshot.ts';
import type { RunningPlugin } from '../model/request.ts';
import { openStaging, type StagingStore } from '../report/staging.ts';
import type { Secret } from '../lib/config.ts';
import { existsSync } from 'node:fs';
import { StagingLostError } from '../lib/errors.ts';
import { callbackUrl } from '../lib/secrets.ts';
import { loggingFailure } from './log-failure.ts';
import { type PluginFunction, pendingAnswer } from '../plugins/contract.ts';
import { callPage, loadPlugin } from '../plugins/host/call-page.ts';
import { parseCallbackBody, validateExportPage } from '../plugins/host/check-answer.ts';

export interface ExportBatchInput {
  requestId: string;
  email: string;
  exporter: PluginSnapshot;
  manifestDir: string;
  /** First page to fetch (1-based). */
  page: number;
  budgetMs: number;
  /** For the live progress the heartbeat carries: exporters in the manifest, items staged by earlier batches, exporters done. */
  pluginsTotal?: number;
  itemsBefore?: number;
  pluginsDone?: number;
  /** Attempts at the first page made before this batch's own (see BatchProgress.attemptsBefore). */
  attemptsBefore?: number;
  /** Earlier batches staged pages here: a missing staging file means they were lost (another host's disk). */
  expectStaged?: boolean;
}

/** What an admin's progress bar shows while a batch runs, carried in its heartbeat (the server reads it without a worker). */
export interface BatchProgress {
  plugin: { index: number; key: string; name: string };
  pluginsTotal: number;
  page: number;
  /** Items staged for the whole request so far. */
  items: number;
  /** Exporters of the request done when this activity began: several activities report at once when exporters run side by side. */
  pluginsDone?: number;
  /** Several exporters at work in this one activity (a small export in one go), each at its page. */
  running?: RunningPlugin[];
  /** Attempts at this page made before this activity's own (in the small export's one activity). */
  attemptsBefore?: number;
}

export interface ExportBatchResult {
  /** The page the next batch starts at. */
  nextPage: number;
  done: boolean;
  items: number;
  pages: number;
  /** Page `nextPage` was taken for later (HTTP 202): the workflow waits for it. */
  pending?: { ticket?: string; retryAfterMs?: number };
}

/** A page an exporter took for later: delivered by its callback, or asked for again with its ticket. */
export interface LaterExportPageInput {
  requestId: string;
  email: string;
  exporter: PluginSnapshot;
  manifestDir: string;
  page: number;
}

/** Where one exporter's pages stand within an activity (its heartbeat details, so a retry resumes there). */
export interface Position {
  page: number;
  items: number;
  pages: number;
  live?: BatchProgress;
}

export function createExportActivities({ store: kept, secret, publicUrl }: { store: Store; secret: Secret; publicUrl: string }) {
  const callbackFor = (requestId: string, exporter: PluginSnapshot, page: number) =>
    exporter.source.kind === 'http' ? callbackUrl(publicUrl, secret, requestId, exporter.key, page) : undefined;

  /** Stages a page answered later (or says it is still pending): idempotent by its number. */
  const stageLater = (input: LaterExportPageInput, answer: unknown): ExportBatchResult => {
    const later = pendingAnswer(answer);
    if (later) {
      const pending = { ...(later.ticket ? { ticket: later.ticket } : {}), ...(later.retry_after ? { retryAfterMs: later.retry_after * 1000 } : {}) };
      return { nextPage: input.page, done: false, items: 0, pages: 0, pending };
    }
    const page = validateExportPage(answer, input.exporter, input.page);
    const store = openStaging(kept.stagingPath(input.requestId));
    try {
      store.writePage(input.exporter.index, input.page, page.data, page.next_cursor);
    } finally {
      store.close();
    }
    return { nextPage: input.page + 1, done: page.done, items: page.data.length, pages: 1 };
  };

  return {
    /** An exporter's page as its callback delivered it (the server checked the token and signature). */
    async acceptExportPage(input: LaterExportPageInput & { body: string }): Promise<ExportBatchResult> {
      const context = { requestId: input.requestId, plugin: input.exporter.key, page: input.page };
      return loggingFailure('exporter callback', context, async () => {
        return stageLater(input, parseCallbackBody(input.body, 'exporter', input.exporter.key, input.page));
      });
    },

    /** Asks an exporter again for a page it took for later (polling, with its ticket). */
    async pollExportPage(input: LaterExportPageInput & { ticket?: string | undefined }): Promise<ExportBatchResult> {
      const context = { requestId: input.requestId, plugin: input.exporter.key, page: input.page };
      return loggingFailure('exporter poll', context, async () => {
        const exporterFn = await loadPlugin(input.exporter, 'exporter');
        const store = openStaging(kept.stagingPath(input.requestId));
        const cursor = input.page > 1 ? store.cursorAfter(input.exporter.index, input.page - 1) : undefined;
        store.close();
        const answer = await callPage(exporterFn, {
          plugin: input.exporter,
          role: 'exporter',
          requestId: input.requestId,
          email: input.email,
          manifestDir: input.manifestDir,
          page: input.page,
          cursor,
          dryRun: false,
          cancellation: Context.current().cancellationSignal,
          heartbeat: () => heartbeat(),
          callbackUrl: callbackFor(input.requestId, input.exporter, input.page),
          ticket: input.ticket,
        });
        return stageLater(input, answer);
      });
    },

    async exportBatch(input: ExportBatchInput): Promise<ExportBatchResult> {
      const { exporter } = input;
      const resumed = activityInfo().heartbeatDetails as Position | undefined;
      const position: Position = resumed && resumed.page >= input.page ? resumed : { page: input.page, items: 0, pages: 0 };
      const exporterFn = await loadPlugin(exporter, 'exporter');
      if (input.expectStaged && !existsSync(kept.stagingPath(input.requestId))) {
        throw new StagingLostError(`Cannot add to the staged pages of request "${input.requestId}": they are not on this worker host; the export starts over`);
      }
      const store = openStaging(kept.stagingPath(input.requestId));
      const beat = () => {
        position.live = {
          plugin: { index: exporter.index, key: exporter.key, name: exporter.name },
          pluginsTotal: input.pluginsTotal ?? 0,
          page: position.page,
          items: (input.itemsBefore ?? 0) + position.items,
          ...(input.pluginsDone !== undefined ? { pluginsDone: input.pluginsDone } : {}),
          ...(input.attemptsBefore ? { attemptsBefore: input.attemptsBefore } : {}),
        };
        heartbeat(position);
      };
      try {
        return await stagePages({ ...input, store, exporterFn, position, beat, callbackFor });
      } finally {
        store.close();
      }
    },
  };
}

/** What {@link stagePages} needs: one exporter, its staging store, and where it stands. */
export interface StagePagesInput {
  requestId: string;
  email: string;
  exporter: PluginSnapshot;
  exporterFn: PluginFunction;
  manifestDir: string;
  store: StagingStore;
  /** Where the exporter stands; advanced page by page. */
  position: Position;
  budgetMs: number;
  /** Called before the first page and after each: the activity's heartbeat. */
  beat: () => void;
  /** Asked after each page: true ends the batch there, as a spent budget does. */
  enough?: () => boolean;
  callbackFor: (requestId: string, exporter: PluginSnapshot, page: number) => string | undefined;
}

/**
 * Calls one exporter page after page from `position.page`, staging each page, until it is done,
 * takes a page for later (HTTP 202), or `budgetMs` is spent.
 */
export async function stagePages(input: StagePagesInput): Promise<ExportBatchResult> {
  const { exporter, store, position, beat } = input;
  const started = Date.now();
  // The previous page's next_cursor comes from staging, so a new batch or a resumed one has it too.
  let pageCursor = position.page > 1 ? store.cursorAfter(exporter.index, position.page - 1) : undefined;
  // Once here, then after each page: the bottom of one page is the top of the next.
  beat();
  for (;;) {
    const context = { requestId: input.requestId, plugin: exporter.key, page: position.page };
    const page = await loggingFailure('exporter page', context, async () => {
      const answer = await callPage(input.exporterFn, {
        plugin: exporter,
        role: 'exporter',
        requestId: input.requestId,
        email: input.email,
        manifestDir: input.manifestDir,
        page: position.page,
        cursor: pageCursor,
        dryRun: false,
        cancellation: Context.current().cancellationSignal,
        heartbeat: beat,
        callbackUrl: input.callbackFor(input.requestId, exporter, position.page),
      });
      // Only an http exporter can take a page for later: it alone has a callback URL to answer to.
      return (exporter.source.kind === 'http' ? pendingAnswer(answer) : undefined) ?? validateExportPage(answer, exporter, position.page);
    });
    if ('status' in page) {
      // Taken for later: what this batch staged so far, and the page the workflow now waits for.
      const pending = { ...(page.ticket ? { ticket: page.ticket } : {}), ...(page.retry_after ? { retryAfterMs: page.retry_after * 1000 } : {}) };
      return { nextPage: position.page, done: false, items: position.items, pages: position.pages, pending };
    }
    store.writePage(exporter.index, position.page, page.data, page.next_cursor);
    pageCursor = page.next_cursor;
    position.items += page.data.length;
    position.pages += 1;
    position.page += 1;
    beat();
    if (page.done || Date.now() - started >= input.budgetMs || input.enough?.()) {
      return { nextPage: position.page, done: page.done, items: position.items, pages: position.pages };
    }
  }
}
