/**
 * Waiting for a processor (GDPR Art. 28 processors erase asynchronously: a
 * deletion job accepted now, done days later). A page answered "pending"
 * (HTTP 202) is waited for without holding a worker: its final answer comes
 * as a signal from the callback endpoint, or from asking again with the
 * processor's ticket on its `retry_after` (else a backoff). The team is
 * reminded after `asyncReminder`; past `asyncTimeout` the page is reported
 * "not confirmed by the processor" — or, for a `required` plugin, the team is
 * told and the request keeps waiting. Answers are kept by "plugin|page": the
 * first counts, a replay changes nothing.
 */
import * as wf from '@temporalio/workflow';
import type { EraserSnapshot } from '../manifest/snapshot.ts';
import type { AwaitedPage, RequestMemo } from '../model/request.ts';
import type { EraseBatchResult } from '../activities/erase-batch.ts';
import { mail } from './activity-proxies.ts';
import { pluginAnswerSignal } from './definitions.ts';

/** Asking again without a `retry_after`: 30 s, doubling, at most an hour. */
const FIRST_POLL_MS = 30_000;
const MAX_POLL_MS = 3_600_000;
const DEFAULT_ASYNC = { timeoutMs: 30 * 86_400_000, reminderMs: 7 * 86_400_000, required: false };

export interface ProcessorWait {
  /** Records which plugins may call back (before the first page), so the server can check their callbacks. */
  expect(erasers: readonly EraserSnapshot[]): void;
  /**
   * Waits for the final answer of `page` of `eraser`, accepted for later.
   * @returns the page's answer (counts, receipt; maybe pending no more), or `undefined` when its time ran out
   */
  answer(input: {
    eraser: EraserSnapshot;
    page: number;
    pending: NonNullable<EraseBatchResult['pending']>;
    awaited: AwaitedPage;
    poll: (ticket: string | undefined) => Promise<EraseBatchResult>;
    accept: (body: string) => Promise<EraseBatchResult>;
  }): Promise<EraseBatchResult | undefined>;
}

export function processorWait(memo: RequestMemo, save: () => void): ProcessorWait {
  const arrived = new Map<string, string>();
  wf.setHandler(pluginAnswerSignal, ({ plugin, page, body }) => {
    const key = `${plugin}|${page}`;
    if (memo.callbacks?.answered.includes(key) || arrived.has(key)) return; // a replay changes nothing
    arrived.set(key, body);
  });

  return {
    expect(erasers) {
      const plugins: Record<string, { secret?: string }> = {};
      for (const eraser of erasers) {
        if (eraser.source.kind === 'http') plugins[eraser.key] = eraser.source.secret ? { secret: eraser.source.secret } : {};
      }
      memo.callbacks ??= { plugins, answered: [] };
      save();
    },

    async answer({ eraser, page, pending, awaited, poll, accept }) {
      const key = `${eraser.key}|${page}`;
      const rules = (eraser.source.kind === 'http' ? eraser.source.async : undefined) ?? DEFAULT_ASYNC;
      const sinceMs = Date.parse(awaited.since);
      memo.callbacks ??= { plugins: {}, answered: [] };
      const callbacks = memo.callbacks;
      awaited.until = new Date(sinceMs + rules.timeoutMs).toISOString();
      callbacks.waiting = {
        plugin: eraser.key,
        name: eraser.name,
        page,
        since: awaited.since,
        until: new Date(sinceMs + rules.timeoutMs).toISOString(),
        required: rules.required,
      };
      save();
      let ticket = pending.ticket;
      let nextPollMs = pending.retryAfterMs ?? FIRST_POLL_MS;
      let reminded = false;
      let toldTimeout = false;
      const done = (result: EraseBatchResult | undefined, via?: AwaitedPage['via']) => {
        callbacks.answered.push(key);
        delete callbacks.waiting;
        if (result) {
          awaited.answeredAt = new Date().toISOString();
          if (via) awaited.via = via;
        } else awaited.notConfirmed = true;
        save();
        return result;
      };
      for (;;) {
        const body = arrived.get(key);
        if (body !== undefined) {
          const result = await accept(body);
          // A callback may still say "pending" (a progress note): keep waiting.
          if (!result.pending) return done(result, 'callback');
          arrived.delete(key);
        }
        const now = Date.now();
        const timeoutAt = sinceMs + rules.timeoutMs;
        if (!reminded && now >= sinceMs + rules.reminderMs && now < timeoutAt) {
          reminded = true;
          await mail.sendProcessorAlert({
            requestId: memo.requestId,
            plugin: eraser.key,
            name: eraser.name,
            page,
            since: awaited.since,
            kind: 'reminder',
            required: rules.required,
          });
        }
        if (now >= timeoutAt) {
          if (!toldTimeout) {
            toldTimeout = true;
            await mail.sendProcessorAlert({
              requestId: memo.requestId,
              plugin: eraser.key,
              name: eraser.name,
              page,
              since: awaited.since,
              kind: 'timeout',
              required: rules.required,
            });
          }
          if (!rules.required) return done(undefined);
        }
        // Poll only a processor that gave a ticket or a time to ask again; otherwise its callback is awaited.
        const polls = ticket !== undefined || pending.retryAfterMs !== undefined;
        const wakeAt = Math.min(
          polls ? now + nextPollMs : Number.POSITIVE_INFINITY,
          reminded ? Number.POSITIVE_INFINITY : sinceMs + rules.reminderMs,
          toldTimeout ? Number.POSITIVE_INFINITY : timeoutAt,
        );
        const signalled = await wf.condition(() => arrived.has(key), Number.isFinite(wakeAt) ? Math.max(wakeAt - now, 1) : undefined);
        if (signalled || !polls || Date.now() < now + nextPollMs) continue;
        const result = await poll(ticket);
        if (!result.pending) return done(result, 'poll');
        ticket = result.pending.ticket ?? ticket;
        nextPollMs = result.pending.retryAfterMs ?? Math.min(nextPollMs * 2, MAX_POLL_MS);
      }
    },
  };
}
