/**
 * Runs one exporter page after page into the request's staging store, for
 * up to a time budget, heartbeating its cursor. A retry after a crash resumes
 * at the last heartbeated page; pages are written idempotently (a page
 * written twice replaces itself), so every item lands exactly once.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import type { StoragePaths } from '../lib/storage.ts';
import type { ExporterSnapshot } from '../manifest/snapshot.ts';
import { openStaging } from '../report/staging.ts';
import { callPage, loadPlugin } from './plugin-call.ts';
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

export function createExportActivities({ paths }: { paths: StoragePaths }) {
  return {
    async exportBatch(input: ExportBatchInput): Promise<ExportBatchResult> {
      const { exporter } = input;
      const resumed = activityInfo().heartbeatDetails as Cursor | undefined;
      const cursor: Cursor = resumed && resumed.page >= input.page ? resumed : { page: input.page, items: 0, pages: 0 };
      const exporterFn = await loadPlugin(exporter, 'exporter');
      const store = openStaging(paths.staging(input.requestId));
      const started = Date.now();
      try {
        for (;;) {
          heartbeat(cursor);
          const answer = await callPage(exporterFn, {
            plugin: exporter,
            kind: 'exporter',
            requestId: input.requestId,
            email: input.email,
            manifestDir: input.manifestDir,
            page: cursor.page,
            dryRun: false,
            cancellation: Context.current().cancellationSignal,
            heartbeat: () => heartbeat(cursor),
          });
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
