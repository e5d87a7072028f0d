/**
 * Waiting for a processor (GDPR Art. 28 processors erase asynchronously: a
 * deletion job accepted now, done days later) or a recipient's
 * acknowledgement (Art. 19). A page or notice answered "pending" (HTTP 202)
 * is waited for without holding a worker: its final answer comes
 * as a signal from the callback endpoint, or from asking again with the
 * processor's ticket on its `retry_after` (else a backoff). The team is
 * reminded after `asyncReminder`; past `asyncTimeout` the page is reported
 * "not confirmed by the processor" — or, for a `required` plugin, the team is
 * told and the request keeps waiting. Answers are kept by "plugin|page": the
 * first counts, a replay changes nothing.
 */
import * as wf from '@temporalio/workflow';
import type { AsyncRules } from '../manifest/snapshot.ts';
import type { RequestMemo } from '../model/request.ts';
import { mail } from './activity-proxies.ts';
import { pluginAnswerSignal } from './definitions.ts';

/** Asking again without a `retry_after`: 30 s, doubling, at most an hour. */
const FIRST_POLL_MS = 30_000;
const MAX_POLL_MS = 3_600_000;
const DEFAULT_ASYNC: AsyncRules = { timeoutMs: 30 * 86_400_000, reminderMs: 7 * 86_400_000, required: false };

/** "Ask me later": the processor's ticket and when to ask again. */
export interface Pending {
  ticket?: string;
  retryAfterMs?: number;
}

/** An answer that may still be pending (an eraser page's, a recipient's). */
export interface LaterAnswer {
  pending?: Pending;
}

export interface ProcessorWait {
  /** Records who may call back (before the first page), with the variable of the key their callbacks are signed with. */
  expect(parties: readonly { key: string; secret?: string | undefined }[]): void;
  /**
   * Waits for the final answer of `page` of `key`, accepted for later.
   * @returns the final answer and how it came, or `undefined` when its time ran out
   */
  answer<T extends LaterAnswer>(input: {
    key: string;
    name: string;
    rules: AsyncRules | undefined;
    page: number;
    pending: Pending;
    /** When it was accepted; `until` is set to when its time runs out. */
    awaited: { since: string; until?: string };
    poll: (ticket: string | undefined) => Promise<T>;
    accept: (body: string) => Promise<T>;
  }): Promise<{ result: T; via: 'callback' | 'poll' } | undefined>;
}

export function processorWait(memo: RequestMemo, save: () => void): ProcessorWait {
  const arrived = new Map<string, string>();
  wf.setHandler(pluginAnswerSignal, ({ plugin, page, body }) => {
    const key = `${plugin}|${page}`;
    if (memo.callbacks?.answered.includes(key) || arrived.has(key)) return; // a replay changes nothing
    arrived.set(key, body);
  });

  return {
    expect(parties) {
      memo.callbacks ??= { plugins: {}, answered: [] };
      for (const party of parties) memo.callbacks.plugins[party.key] = party.secret ? { secret: party.secret } : {};
      save();
    },

    async answer({ key: plugin, name, rules: given, page, pending, awaited, poll, accept }) {
      const key = `${plugin}|${page}`;
      const rules = given ?? DEFAULT_ASYNC;
      const sinceMs = Date.parse(awaited.since);
      memo.callbacks ??= { plugins: {}, answered: [] };
      const callbacks = memo.callbacks;
      const timeoutAt = sinceMs + rules.timeoutMs;
      awaited.until = new Date(timeoutAt).toISOString();
      callbacks.waiting = { plugin, name, page, since: awaited.since, until: awaited.until, required: rules.required };
      save();
      let ticket = pending.ticket;
      let nextPollMs = pending.retryAfterMs ?? FIRST_POLL_MS;
      let reminded = false;
      let toldTimeout = false;
      const done = <R>(result: R): R => {
        callbacks.answered.push(key);
        delete callbacks.waiting;
        save();
        return result;
      };
      const alert = (kind: 'reminder' | 'timeout') =>
        mail.sendProcessorAlert({ requestId: memo.requestId, plugin, name, page, since: awaited.since, kind, required: rules.required });
      for (;;) {
        const body = arrived.get(key);
        if (body !== undefined) {
          const result = await accept(body);
          // A callback may still say "pending" (a progress note): keep waiting.
          if (!result.pending) return done({ result, via: 'callback' as const });
          arrived.delete(key);
        }
        const now = Date.now();
        if (!reminded && now >= sinceMs + rules.reminderMs && now < timeoutAt) {
          reminded = true;
          await alert('reminder');
        }
        if (now >= timeoutAt) {
          if (!toldTimeout) {
            toldTimeout = true;
            await alert('timeout');
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
        if (!result.pending) return done({ result, via: 'poll' as const });
        ticket = result.pending.ticket ?? ticket;
        nextPollMs = result.pending.retryAfterMs ?? Math.min(nextPollMs * 2, MAX_POLL_MS);
      }
    },
  };
}
