/**
 * A demo processor for `npm start`: a small mailing-list service on loopback
 * that erases asynchronously, as real processors do. It checks the engine's
 * signature, accepts an erasure with HTTP 202 (a ticket, and a time to ask
 * again in case its callback is lost), and a few seconds later POSTs the
 * page's final answer to the page's callback_url, signed, with a receipt
 * signed with its receipt key. A newcomer sees the request wait for it on the
 * admin page and in the Temporal UI. plugins.yaml's `demo-mailing-list`
 * entry points at it through DEMO_PROCESSOR_URL. The wire protocol is in
 * docs/PLUGINS.md; this is its smallest honest counterpart.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signBody, verifySignature } from '../lib/http-signature.ts';

export interface DemoProcessorOptions {
  /** The key both sides sign their requests with (DEMO_PROCESSOR_SECRET). */
  secret: string;
  /** The key its receipts are signed with (DEMO_PROCESSOR_RECEIPT_KEY). */
  receiptKey: string;
  /** Addresses on the list at start. */
  subscribers: readonly string[];
  port?: number;
  /** How long the "deletion job" takes before the callback. @default 4000 */
  delayMs?: number;
}

export interface DemoProcessor {
  /** Where the engine sends erasure pages (DEMO_PROCESSOR_URL). */
  url: string;
  stop(): Promise<void>;
}

interface EraseCall {
  email: string;
  page: number;
  requestId: string;
  dryRun?: boolean;
  callback_url?: string;
  ticket?: string;
}

/** Starts the demo mailing-list processor on 127.0.0.1. */
export async function startDemoProcessor(options: DemoProcessorOptions): Promise<DemoProcessor> {
  const delayMs = options.delayMs ?? 4000;
  // Each subscriber and their campaign events (opens, clicks): what an erasure removes.
  const lists = new Map(options.subscribers.map((email) => [email.toLowerCase(), { events: 3 }]));
  /** Finished jobs by ticket, for a processor asked again before (or instead of) its callback. */
  const finished = new Map<string, unknown>();
  const timers = new Set<NodeJS.Timeout>();

  /** Erases the subscriber (once: a second erasure finds nothing) and writes the page's final answer with its receipt. */
  const erase = (call: EraseCall) => {
    const key = call.email.toLowerCase();
    const found = lists.get(key);
    lists.delete(key);
    const removed = found ? 1 + found.events : 0;
    const receiptBody = JSON.stringify({
      processor: 'Demo Mailing List Ltd',
      request: call.requestId,
      erased: found ? `the subscriber and ${found.events} campaign events` : 'nothing (not on the list)',
      at: new Date().toISOString(),
    });
    return {
      items_removed: removed > 0,
      items_retained: false,
      messages: [
        found ? `The mailing list deleted the subscriber and ${found.events} campaign events.` : 'The mailing list had no subscriber with this address.',
      ],
      removed_count: removed,
      done: true,
      receipt: { body: receiptBody, signature: `sha256=${createHmac('sha256', options.receiptKey).update(receiptBody).digest('hex')}` },
    };
  };

  const callBack = async (url: string, answer: unknown) => {
    const body = JSON.stringify(answer);
    const { timestamp, signature } = signBody(options.secret, body);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-DSR-Timestamp': timestamp, 'X-DSR-Signature': signature },
      body,
    }).catch((error: Error) => ({ status: 0, statusText: error.message }));
    // 202 taken, 409 answered already (by a poll), 410 the request ended: nothing more to do in each case.
    if (![202, 409, 410].includes(response.status)) console.warn(`[demo processor] callback answered ${response.status}`);
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, value: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
    if (req.method !== 'POST' || req.url !== '/erase') return reply(404, { error: 'POST /erase only' });
    const signed = verifySignature({
      secret: options.secret,
      body: raw,
      timestamp: req.headers['x-dsr-timestamp'] as string | undefined,
      signature: req.headers['x-dsr-signature'] as string | undefined,
    });
    if (!signed) return reply(401, { error: 'the X-DSR-Signature does not match' });
    const call = JSON.parse(raw) as EraseCall;
    if (call.dryRun) {
      const subscribed = lists.has(call.email.toLowerCase());
      return reply(200, {
        items_removed: subscribed,
        items_retained: false,
        messages: [subscribed ? 'The mailing list would delete the subscriber and their campaign events.' : 'The mailing list has no such subscriber.'],
        done: true,
      });
    }
    if (call.ticket !== undefined) {
      // Asked again: the job's answer, or (a ticket from before a restart) the job done now.
      const answer = finished.get(call.ticket) ?? erase(call);
      finished.delete(call.ticket);
      return reply(200, answer);
    }
    const ticket = `job-${call.requestId}-${call.page}`;
    reply(202, { status: 'pending', ticket, retry_after: 60 });
    const timer = setTimeout(() => {
      timers.delete(timer);
      const answer = erase(call);
      finished.set(ticket, answer);
      if (call.callback_url) void callBack(call.callback_url, answer);
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/erase`,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
