/**
 * Runs one eraser page after page, for up to a time budget, heartbeating its
 * cursor and what it has done so far. A retry after a crash resumes at the
 * last heartbeated page; erasers are idempotent, so a page called twice
 * erases nothing twice, and the totals carried in the heartbeat stay right.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { activityInfo, ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { Secret } from '../lib/config.ts';
import { PluginContractError } from '../lib/errors.ts';
import { callbackUrl } from '../lib/secrets.ts';
import type { EraserSnapshot } from '../manifest/snapshot.ts';
import { loggingFailure } from './log-failure.ts';
import { callPage, loadPlugin } from '../plugins/host/call-page.ts';
import { parseCallbackBody, validateErasePage } from '../plugins/host/check-answer.ts';
import { type ErasePage, pendingAnswer } from '../plugins/contract.ts';
import type { EraseCounts, ProcessorReceipt } from '../model/request.ts';
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
  /** Page `nextPage` was accepted for later (HTTP 202): the workflow waits for its answer. */
  pending?: { ticket?: string; retryAfterMs?: number };
  /** A processor's receipt with the page's final answer. */
  receipt?: ProcessorReceipt;
}

/** A page answered later: by its callback, or when asked again with its ticket. */
export interface LaterPageInput {
  requestId: string;
  email: string;
  eraser: EraserSnapshot;
  manifestDir: string;
  page: number;
  dryRun: boolean;
}

type Cursor = EraseCounts & KeptMessages & { page: number };

export function createEraseActivities(deps: { secret: Secret; publicUrl: string }) {
  const callbackFor = (requestId: string, eraser: EraserSnapshot, page: number) =>
    eraser.source.kind === 'http' ? callbackUrl(deps.publicUrl, deps.secret, requestId, eraser.key, page) : undefined;
  return {
    /**
     * A processor's final answer of a page it accepted for later, as its callback delivered it (the
     * server checked the token and signature): checked like any page, its receipt verified.
     */
    async acceptErasePage(input: LaterPageInput & { body: string }): Promise<EraseBatchResult> {
      const context = { requestId: input.requestId, plugin: input.eraser.key, page: input.page };
      return loggingFailure('eraser callback', context, async () => {
        return laterPage(input, parseCallbackBody(input.body, 'eraser', input.eraser.key, input.page));
      });
    },

    /** Asks a processor again about a pending page (polling, with its ticket). */
    async pollErasePage(input: LaterPageInput & { ticket?: string | undefined }): Promise<EraseBatchResult> {
      const context = { requestId: input.requestId, plugin: input.eraser.key, page: input.page };
      return loggingFailure('eraser poll', context, async () => {
        const eraserFn = await loadPlugin(input.eraser, 'eraser');
        const answer = await callPage(eraserFn, {
          plugin: input.eraser,
          role: 'eraser',
          requestId: input.requestId,
          email: input.email,
          manifestDir: input.manifestDir,
          page: input.page,
          dryRun: input.dryRun,
          cancellation: Context.current().cancellationSignal,
          heartbeat: () => heartbeat(),
          callbackUrl: callbackFor(input.requestId, input.eraser, input.page),
          ticket: input.ticket,
        });
        return laterPage(input, answer);
      });
    },

    async eraseBatch(input: EraseBatchInput): Promise<EraseBatchResult> {
      const resumed = activityInfo().heartbeatDetails as Cursor | undefined;
      const cursor: Cursor =
        resumed && resumed.page >= input.page
          ? resumed
          : { page: input.page, pages: 0, itemsRemoved: false, itemsRetained: false, removed: 0, retained: 0, messages: [] };
      try {
        return await drainPages(input, cursor, (page) => callbackFor(input.requestId, input.eraser, page));
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
async function drainPages(input: EraseBatchInput, cursor: Cursor, callbackFor: (page: number) => string | undefined): Promise<EraseBatchResult> {
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
        callbackUrl: callbackFor(cursor.page),
      });
      // Only an http eraser can take a page for later: it alone has a callback URL to answer to.
      const later = eraser.source.kind === 'http' ? pendingAnswer(answer) : undefined;
      return later ?? validateErasePage(answer, eraser, cursor.page);
    });
    if ('status' in page) {
      // Accepted for later: what the batch did so far, and the page the workflow now waits for.
      const { page: nextPage, ...done } = cursor;
      const pending = { ...(page.ticket ? { ticket: page.ticket } : {}), ...(page.retry_after ? { retryAfterMs: page.retry_after * 1000 } : {}) };
      return { ...done, nextPage, done: false, pending };
    }
    countPage(cursor, page, eraser);
    heartbeat(cursor);
    if (page.done || Date.now() - started >= input.budgetMs) {
      const { page: nextPage, ...done } = cursor;
      return { ...done, nextPage, done: page.done };
    }
  }
}

/** Adds one page's answer to the counts. */
function countPage(cursor: Cursor, page: ErasePage, eraser: EraserSnapshot): void {
  cursor.itemsRemoved ||= page.items_removed;
  cursor.itemsRetained ||= page.items_retained;
  cursor.removed += page.removed_count ?? 0;
  cursor.retained += page.retained_count ?? 0;
  // A line every page repeats is said once, and past MAX_MESSAGES counted (the workflow does the same across batches).
  const said = page.items_retained && page.messages.length === 0 && eraser.retentionReason ? [`Some data was kept: ${eraser.retentionReason}`] : page.messages;
  keepMessages(cursor, said);
  cursor.pages += 1;
  cursor.page += 1;
}

/** A page answered later (callback or poll): still pending, or its counts and receipt. */
function laterPage(input: LaterPageInput, answer: unknown): EraseBatchResult {
  const cursor: Cursor = { page: input.page, pages: 0, itemsRemoved: false, itemsRetained: false, removed: 0, retained: 0, messages: [] };
  const later = pendingAnswer(answer);
  if (later) {
    return {
      ...cursor,
      nextPage: input.page,
      done: false,
      pending: { ...(later.ticket ? { ticket: later.ticket } : {}), ...(later.retry_after ? { retryAfterMs: later.retry_after * 1000 } : {}) },
    };
  }
  const page = validateErasePage(answer, input.eraser, input.page);
  countPage(cursor, page, input.eraser);
  const { page: nextPage, ...counts } = cursor;
  return { ...counts, nextPage, done: page.done, ...(page.receipt ? { receipt: checkReceipt(input, page.receipt) } : {}) };
}

/** A processor's receipt, its signature checked with the plugin's `receiptSecret` (HMAC-SHA256 of the body). */
function checkReceipt(input: LaterPageInput, receipt: { body: string; signature: string }): ProcessorReceipt {
  let body: unknown;
  try {
    body = JSON.parse(receipt.body);
  } catch {
    return { page: input.page, verified: false, problem: 'its body is not JSON' };
  }
  const source = input.eraser.source;
  const keyName = source.kind === 'http' ? source.async?.receiptSecret : undefined;
  const key = keyName ? process.env[keyName] : undefined;
  if (!key)
    return { page: input.page, verified: false, body, problem: `no key to check it (set receiptSecret and its variable${keyName ? ` ${keyName}` : ''})` };
  const expected = createHmac('sha256', key).update(receipt.body).digest();
  const given = /^sha256=([0-9a-f]{64})$/i.exec(receipt.signature)?.[1];
  const verified = given !== undefined && timingSafeEqual(expected, Buffer.from(given, 'hex'));
  return { page: input.page, verified, body, ...(verified ? {} : { problem: 'its signature does not match' }) };
}
