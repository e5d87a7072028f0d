/**
 * Runs one eraser page after page, for up to a time budget, heartbeating its
 * cursor and what it has done so far. A retry after a crash resumes at the
 * last heartbeated page; erasers are idempotent, so a page called twice
 * erases nothing twice, and the totals carried in the heartbeat stay right.
 */
import { activityInfo, ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { PluginContractError } from '../lib/errors.ts';
import type { EraserSnapshot } from '../manifest/snapshot.ts';
import { loggingFailure } from './log-failure.ts';
import { callPage, loadPlugin } from '../plugins/host/call-page.ts';
import { validateErasePage } from '../plugins/host/check-answer.ts';
import type { EraseCounts } from '../model/request.ts';
import { keepMessages, type KeptMessages } from '../model/erase-messages.ts';

export interface EraseBatchInput {
  requestId: string;
  email: string;
  eraser: EraserSnapshot;
  manifestDir: string;
  /** First page to call (1-based). */
  page: number;
  budgetMs: number;
  dryRun: boolean;
}

/** A batch's counts; its messages capped as the workflow caps them (model/erase-messages.ts). */
export interface EraseBatchResult extends EraseCounts, KeptMessages {
  nextPage: number;
  done: boolean;
}

type Cursor = EraseCounts & KeptMessages & { page: number };

export function createEraseActivities() {
  return {
    async eraseBatch(input: EraseBatchInput): Promise<EraseBatchResult> {
      const resumed = activityInfo().heartbeatDetails as Cursor | undefined;
      const cursor: Cursor =
        resumed && resumed.page >= input.page
          ? resumed
          : { page: input.page, pages: 0, itemsRemoved: false, itemsRetained: false, removed: 0, retained: 0, messages: [] };
      try {
        return await drainPages(input, cursor);
      } catch (error) {
        // What the pages before the failure erased must still be reported: it travels with the failure.
        // Its type is the error's name, so the retry policy's nonRetryableErrorTypes decide (activity-proxies.ts).
        const { page: _next, ...partial } = cursor;
        const failure = error as Error;
        throw ApplicationFailure.create({ type: failure.name, message: failure.message, details: [partial] });
      }
    },
  };
}

/** Calls the eraser from `cursor.page` on until it is done or the time budget is spent, adding up in `cursor`. */
async function drainPages(input: EraseBatchInput, cursor: Cursor): Promise<EraseBatchResult> {
  const { eraser } = input;
  const eraserFn = await loadPlugin(eraser, 'eraser');
  const started = Date.now();
  // Once here, then after each page: the bottom of one page is the top of the next.
  heartbeat(cursor);
  for (;;) {
    if (cursor.page > eraser.maxPages) {
      throw new PluginContractError(
        `Cannot finish eraser "${eraser.key}" (${eraser.name}): it answered "done: false" for ${eraser.maxPages} pages (maxPages); it must answer "done: true" once nothing is left`,
      );
    }
    const context = { requestId: input.requestId, plugin: eraser.key, page: cursor.page };
    const page = await loggingFailure('eraser page', context, async () => {
      const answer = await callPage(eraserFn, {
        plugin: eraser,
        role: 'eraser',
        requestId: input.requestId,
        email: input.email,
        manifestDir: input.manifestDir,
        page: cursor.page,
        dryRun: input.dryRun,
        cancellation: Context.current().cancellationSignal,
        heartbeat: () => heartbeat(cursor),
      });
      return validateErasePage(answer, eraser, cursor.page);
    });
    cursor.itemsRemoved ||= page.items_removed;
    cursor.itemsRetained ||= page.items_retained;
    cursor.removed += page.removed_count ?? 0;
    cursor.retained += page.retained_count ?? 0;
    // A line every page repeats is said once, and past MAX_MESSAGES counted (the workflow does the same across batches).
    const said =
      page.items_retained && page.messages.length === 0 && eraser.retentionReason ? [`Some data was kept: ${eraser.retentionReason}`] : page.messages;
    keepMessages(cursor, said);
    cursor.pages += 1;
    cursor.page += 1;
    heartbeat(cursor);
    if (page.done || Date.now() - started >= input.budgetMs) {
      const { page: nextPage, ...done } = cursor;
      return { ...done, nextPage, done: page.done };
    }
  }
}
