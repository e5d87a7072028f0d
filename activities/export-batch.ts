/**
 * Runs one exporter page after page into the request's staging store, for
 * up to a time budget, heartbeating its position. A retry after a crash resumes
 * at the last heartbeated page; pages are written idempotently (a page
 * written twice replaces itself), so every item lands exactly once.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import type { Store } from '../storage/store.ts';
import type { PluginSnapshot } from '../manifest/snapshot.ts';
import { openStaging } from '../report/staging.ts';
import { loggingFailure } from './log-failure.ts';
import { callPage, loadPlugin } from '../plugins/host/call-page.ts';
import { validateExportPage } from '../plugins/host/check-answer.ts';

export interface ExportBatchInput {
  requestId: string;
  email: string;
  exporter: PluginSnapshot;
  manifestDir: string;
  /** First page to fetch (1-based). */
  page: number;
  budgetMs: number;
  /** For the live progress the heartbeat carries: exporters in the manifest, items staged by earlier batches. */
  pluginsTotal?: number;
  itemsBefore?: number;
}

/** What an admin's progress bar shows while a batch runs, carried in its heartbeat (the server reads it without a worker). */
export interface BatchProgress {
  plugin: { index: number; key: string; name: string };
  pluginsTotal: number;
  page: number;
  /** Items staged for the whole request so far. */
  items: number;
}

export interface ExportBatchResult {
  /** The page the next batch starts at. */
  nextPage: number;
  done: boolean;
  items: number;
  pages: number;
}

interface Position {
  page: number;
  items: number;
  pages: number;
  live?: BatchProgress;
}

export function createExportActivities({ store: kept }: { store: Store }) {
  return {
    async exportBatch(input: ExportBatchInput): Promise<ExportBatchResult> {
      const { exporter } = input;
      const resumed = activityInfo().heartbeatDetails as Position | undefined;
      const position: Position = resumed && resumed.page >= input.page ? resumed : { page: input.page, items: 0, pages: 0 };
      const exporterFn = await loadPlugin(exporter, 'exporter');
      const store = openStaging(kept.stagingPath(input.requestId));
      const started = Date.now();
      const beat = () => {
        position.live = {
          plugin: { index: exporter.index, key: exporter.key, name: exporter.name },
          pluginsTotal: input.pluginsTotal ?? 0,
          page: position.page,
          items: (input.itemsBefore ?? 0) + position.items,
        };
        heartbeat(position);
      };
      try {
        // The previous page's next_cursor comes from staging, so a new batch or a resumed one has it too.
        let pageCursor = position.page > 1 ? store.cursorAfter(exporter.index, position.page - 1) : undefined;
        // Once here, then after each page: the bottom of one page is the top of the next.
        beat();
        for (;;) {
          const context = { requestId: input.requestId, plugin: exporter.key, page: position.page };
          const page = await loggingFailure('exporter page', context, async () => {
            const answer = await callPage(exporterFn, {
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
            });
            return validateExportPage(answer, exporter, position.page);
          });
          store.writePage(exporter.index, position.page, page.data, page.next_cursor);
          pageCursor = page.next_cursor;
          position.items += page.data.length;
          position.pages += 1;
          position.page += 1;
          beat();
          if (page.done || Date.now() - started >= input.budgetMs) {
            return { nextPage: position.page, done: page.done, items: position.items, pages: position.pages };
          }
        }
      } finally {
        store.close();
      }
    },
  };
}
