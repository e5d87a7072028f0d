/**
 * Erasure that reaches processors, on the real stack with a real HTTP
 * processor on loopback: a page accepted for later (HTTP 202) is answered by
 * a signed callback or by polling with a ticket; the callback is taken even
 * while no worker runs; a wrong token or signature (401) and a replay (409)
 * change nothing, a callback for a finished request answers 410; a processor
 * that never answers leaves its eraser "not confirmed by the processor" and
 * tells the team; a processor's receipt is verified, a forged one reported.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { signBody, verifySignature } from '../lib/http-signature.ts';
import { adminCookie, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const PROC_SECRET = 'processor-shared-secret-0123456789';
const RECEIPT_SECRET = 'processor-receipt-key-0123456789';
const TEAM = 'privacy-team@example.com';
const EMAIL = 'subscriber@example.com';

interface Processor {
  server: Server;
  url: string;
  /** Pages accepted, with the callback URL each carried. */
  accepted: { path: string; page: number; callbackUrl: string; ticket?: string; requestId: string }[];
  /** Answers of our callbacks: status per call. */
  callbackStatuses: number[];
  /** Callbacks held back until the test releases them (the worker-less case). */
  held: (() => Promise<number>)[];
  holdCallbacks: boolean;
  /** Callback URLs of pages a required processor never answered by itself. */
  requiredCallbacks: string[];
  /** Callback URLs an asynchronous exporter was given. */
  exportCallbacks: string[];
  /** Erasure notices received by the recipients. */
  notices: { notice: string; requestId: string; email: string; erasedAt: string; callback_url: string }[];
}

const finalAnswer = (receiptKey = RECEIPT_SECRET) => {
  const body = JSON.stringify({ erased: 'subscriber and 3 campaign events', at: '2026-12-01T10:00:00Z', by: 'MailingList Inc.' });
  return {
    items_removed: true,
    items_retained: false,
    messages: ['MailingList Inc. deleted the subscriber and 3 campaign events.'],
    removed_count: 4,
    done: true,
    receipt: { body, signature: `sha256=${createHmac('sha256', receiptKey).update(body).digest('hex')}` },
  };
};

async function startProcessor(): Promise<Processor> {
  const processor: Processor = {
    server: createServer(),
    url: '',
    accepted: [],
    callbackStatuses: [],
    held: [],
    holdCallbacks: false,
    notices: [],
    exportCallbacks: [],
    requiredCallbacks: [],
  };
  const callBack = async (url: string, answer: unknown) => {
    const body = JSON.stringify(answer);
    const { timestamp, signature } = signBody(PROC_SECRET, body);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-DSR-Timestamp': timestamp, 'X-DSR-Signature': signature },
      body,
    });
    processor.callbackStatuses.push(response.status);
    return response.status;
  };
  processor.server.on('request', async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const json = (status: number, value: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
    const verified = verifySignature({
      secret: PROC_SECRET,
      body: raw,
      timestamp: req.headers['x-dsr-timestamp'] as string,
      signature: req.headers['x-dsr-signature'] as string,
    });
    if (!verified) return json(401, { error: 'bad signature' });
    const body = JSON.parse(raw) as { page: number; callback_url: string; ticket?: string; requestId: string };
    processor.accepted.push({
      path: req.url ?? '',
      page: body.page,
      callbackUrl: body.callback_url,
      requestId: body.requestId,
      ...(body.ticket ? { ticket: body.ticket } : {}),
    });
    switch (req.url) {
      case '/callback':
      case '/forged-receipt': {
        json(202, { status: 'pending' });
        const answer = req.url === '/forged-receipt' ? finalAnswer('not-the-key') : finalAnswer();
        const send = () => callBack(body.callback_url, answer);
        if (processor.holdCallbacks) processor.held.push(send);
        else setTimeout(() => void send(), 300);
        return;
      }
      case '/poll':
        if (body.ticket === undefined) return json(202, { status: 'pending', ticket: 'job-1', retry_after: 1 });
        if (body.ticket === 'job-1') return json(202, { status: 'pending', ticket: 'job-2', retry_after: 1 });
        return json(200, finalAnswer());
      case '/slow-poll':
        if (body.ticket === undefined) return json(202, { status: 'pending', ticket: 'slow-1', retry_after: 2 });
        return json(200, finalAnswer());
      // An exporter that delivers page 1 later by callback, page 2 at once.
      case '/export-later': {
        const item = (n: number) => ({
          group_id: 'newsletter',
          group_label: 'Newsletter',
          item_id: `subscription-${n}`,
          data: [
            { name: 'Email', value: (body as unknown as { email: string }).email },
            { name: 'List', value: n === 1 ? 'Weekly offers' : 'Product news' },
          ],
        });
        if (body.page === 2) return json(200, { data: [item(2)], done: true });
        json(202, { status: 'pending' });
        const page1 = { data: [item(1)], done: false };
        processor.exportCallbacks.push(body.callback_url);
        setTimeout(() => void callBack(body.callback_url, page1), 300);
        return;
      }
      case '/required':
        processor.requiredCallbacks.push(body.callback_url);
        return json(202, { status: 'pending' });
      case '/silent':
        return json(202, { status: 'pending' });
      // Recipients told of an erasure (Art. 19): at once, later by callback, or out of service.
      case '/ack-now':
        processor.notices.push(JSON.parse(raw));
        return json(200, { acknowledged: true, message: 'Removed from the ad audience.' });
      case '/ack-later': {
        processor.notices.push(JSON.parse(raw));
        json(202, { status: 'pending' });
        setTimeout(() => void callBack(body.callback_url, { acknowledged: true, message: 'Deleted from the CRM copy.' }), 300);
        return;
      }
      case '/down':
        return json(503, { error: 'maintenance' });
      default:
        return json(404, {});
    }
  });
  await new Promise<void>((resolve) => processor.server.listen(0, '127.0.0.1', resolve));
  processor.url = `http://127.0.0.1:${(processor.server.address() as AddressInfo).port}`;
  return processor;
}

const eraser = (key: string, url: string, net: string, extra = '') => `  - key: ${key}
    name: MailingList ${key}
    kind: http
    url: ${url}
    secret: PROC_SECRET
    receiptSecret: RECEIPT_SECRET
${extra}    retry: { maxAttempts: 2, initialInterval: 100ms, maxInterval: 200ms }
    permissions: { net: ['${net}'], env: [PROC_SECRET] }
`;

describe('erasure that waits for processors', () => {
  let processor: Processor;
  const stacks: Record<string, Stack> = {};
  before(async () => {
    process.env.PROC_SECRET = PROC_SECRET;
    process.env.RECEIPT_SECRET = RECEIPT_SECRET;
    processor = await startProcessor();
    const net = processor.url.replace('http://', '');
    const start = (path: string, extra = '') =>
      startStack({ manifest: `version: 1\nerasers:\n${eraser('list', `${processor.url}${path}`, net, extra)}`, clock: { teamEmails: [TEAM] } });
    const recipient = (key: string, path: string, extra = '') =>
      `  - key: ${key}\n    name: Recipient ${key}\n    url: ${processor.url}${path}\n    secret: PROC_SECRET\n    disclosed: newsletter audience\n${extra}`;
    const notify = `notify:\n${recipient('ads', '/ack-now')}${recipient('crm', '/ack-later')}${recipient(
      'legacy',
      '/down',
      '    retry: { maxAttempts: 2, initialInterval: 100ms, maxInterval: 100ms }\n',
    )}`;
    [stacks.callback, stacks.poll, stacks.silent, stacks.forged, stacks.notify, stacks.killed, stacks.required, stacks.exporter] = await Promise.all([
      start('/callback'),
      start('/poll'),
      start('/silent', '    asyncTimeout: 3s\n    asyncReminder: 1s\n'),
      start('/forged-receipt'),
      startStack({
        manifest: `version: 1\nerasers:\n${eraser('list', `${processor.url}/callback`, net)}${notify}`,
        clock: { teamEmails: [TEAM] },
      }),
      startStack({ manifest: `version: 1\nerasers:\n${eraser('list', `${processor.url}/slow-poll`, net)}`, worker: false }),
      start('/required', '    asyncTimeout: 2s\n    asyncReminder: 1s\n    required: true\n'),
      startStack({
        manifest: `version: 1\nexporters:\n${eraser('list', `${processor.url}/export-later`, net).replace('    receiptSecret: RECEIPT_SECRET\n', '')}`,
      }),
    ]);
  });
  after(async () => {
    await Promise.all(Object.values(stacks).map((stack) => stack.close()));
    processor?.server.close();
  });

  const erase = async (stack: Stack) => {
    const created = await stack.api('POST', '/api/requests', { email: EMAIL, action: 'erase', skipConfirmation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };

  test('callback: the page waits, the signed answer completes it, its receipt is verified; token, signature, replay and a finished request are refused', async () => {
    const stack = stacks.callback as Stack;
    const id = await erase(stack);
    const done = await waitForStatus(stack, id, 'completed', 30_000);
    const [list] = done.erasure.erasers;
    assert.equal(list.removed, 4);
    assert.deepEqual(list.messages, ['MailingList Inc. deleted the subscriber and 3 campaign events.']);
    assert.equal(list.awaited.length, 1);
    assert.equal(list.awaited[0].via, 'callback');
    assert.ok(list.awaited[0].answeredAt >= list.awaited[0].since);
    assert.equal(list.receipts[0].verified, true);
    assert.deepEqual(list.receipts[0].body, { erased: 'subscriber and 3 campaign events', at: '2026-12-01T10:00:00Z', by: 'MailingList Inc.' });
    const receipt = (await stack.api('GET', `/api/requests/${id}/receipt`)).body;
    assert.equal(receipt.receipt.erasers[0].receipts[0].verified, true, 'the erasure receipt keeps the processor’s');
    const mail = await stack.mail.waitFor((m) => m.to.includes(EMAIL) && /Erasure Request Fulfilled/.test(m.subject));
    assert.match(mail.text, /MailingList Inc\. deleted the subscriber/);

    const accepted = processor.accepted.find((call) => call.requestId === id);
    assert.ok(accepted, 'the processor was asked');
    const url = new URL(accepted.callbackUrl);
    assert.match(url.pathname, new RegExp(`^/callbacks/${id}/list/1/[A-Za-z0-9_-]{43}$`));
    const post = (target: string, body: string, secret = PROC_SECRET) => {
      const { timestamp, signature } = signBody(secret, body);
      return fetch(target, {
        method: 'POST',
        headers: { 'X-DSR-Timestamp': timestamp, 'X-DSR-Signature': signature, 'Content-Type': 'application/json' },
        body,
      });
    };
    const answer = JSON.stringify(finalAnswer());
    assert.equal((await post(accepted.callbackUrl, answer)).status, 410, 'a finished request');
    assert.equal((await post(accepted.callbackUrl.replace(/\/1\//, '/2/'), answer)).status, 401, 'a token is good for its page only');

    // A second request: wrong signature and replay change nothing.
    processor.holdCallbacks = true;
    const second = await erase(stack);
    const deadline = Date.now() + 20_000;
    let waiting = (await stack.api('GET', `/api/requests/${second}`)).body.waiting;
    while (!waiting) {
      assert.ok(Date.now() < deadline, 'the request never said what it waits for');
      await new Promise((resolve) => setTimeout(resolve, 100));
      waiting = (await stack.api('GET', `/api/requests/${second}`)).body.waiting;
    }
    assert.equal(waiting.plugin, 'list');
    assert.equal(waiting.page, 1);
    const target = processor.accepted.find((call) => call.requestId === second)?.callbackUrl as string;
    const forged = await post(target, JSON.stringify({ items_removed: true, items_retained: false, messages: ['forged'], done: true }), 'wrong-secret');
    assert.equal(forged.status, 401);
    assert.equal((await stack.api('GET', `/api/requests/${second}`)).body.status, 'processing', 'a forged callback changes nothing');
    processor.holdCallbacks = false;
    assert.equal(await (processor.held.shift() as () => Promise<number>)(), 202);
    const finished = await waitForStatus(stack, second, 'completed', 30_000);
    assert.equal(finished.erasure.erasers[0].removed, 4, 'counted once');
    // The same callback again: refused (or, once the request has closed, gone), never counted twice.
    assert.ok([409, 410].includes((await post(target, answer)).status));
    assert.equal((await stack.api('GET', `/api/requests/${second}`)).body.erasure.erasers[0].removed, 4);
  });

  test('a callback that arrives while no worker runs is kept, and the request completes when one returns', async () => {
    const stack = stacks.callback as Stack;
    processor.holdCallbacks = true;
    const id = await erase(stack);
    const deadline = Date.now() + 20_000;
    while (!(await stack.api('GET', `/api/requests/${id}`)).body.waiting) {
      assert.ok(Date.now() < deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stack.stopWorker();
    processor.holdCallbacks = false;
    assert.equal(await (processor.held.shift() as () => Promise<number>)(), 202, 'accepted without a worker');
    assert.equal((await stack.api('GET', `/api/requests/${id}`)).body.status, 'processing');
    await stack.startWorker();
    const done = await waitForStatus(stack, id, 'completed', 30_000);
    assert.equal(done.erasure.erasers[0].awaited[0].via, 'callback');
  });

  test('polling: asked again with the processor’s ticket on its retry_after until it answers', async () => {
    const stack = stacks.poll as Stack;
    const id = await erase(stack);
    const done = await waitForStatus(stack, id, 'completed', 30_000);
    assert.equal(done.erasure.erasers[0].awaited[0].via, 'poll');
    assert.equal(done.erasure.erasers[0].removed, 4);
    assert.deepEqual(
      processor.accepted.filter((call) => call.requestId === id).map((call) => call.ticket ?? null),
      [null, 'job-1', 'job-2'],
    );
  });

  test('no answer within asyncTimeout: the team is reminded, then told; the eraser is reported as not confirmed, never as done', async () => {
    const stack = stacks.silent as Stack;
    const id = await erase(stack);
    const done = await waitForStatus(stack, id, 'completed', 30_000);
    const [list] = done.erasure.erasers;
    assert.equal(list.awaited[0].notConfirmed, true);
    assert.equal(list.removed, 0);
    assert.match(list.messages.join(' '), /did not confirm the erasure \(no answer by 20\d\d-\d\d-\d\dT/);
    await stack.mail.waitFor((m) => m.to.includes(TEAM) && /Still waiting for MailingList list/.test(m.subject));
    const told = await stack.mail.waitFor((m) => m.to.includes(TEAM) && /No answer from MailingList list/.test(m.subject));
    assert.match(told.text, /reported as not confirmed by the processor/);
  });

  test('a receipt whose signature does not match is kept and reported as not verified', async () => {
    const stack = stacks.forged as Stack;
    const id = await erase(stack);
    const done = await waitForStatus(stack, id, 'completed', 30_000);
    const receipt = done.erasure.erasers[0].receipts[0];
    assert.equal(receipt.verified, false);
    assert.equal(receipt.problem, 'its signature does not match');
  });

  test('recipients of the data are told of the erasure (Art. 19): acknowledged at once or by callback, one out of service listed as not told; the receipt and the person’s mail list them', async () => {
    const stack = stacks.notify as Stack;
    const id = await erase(stack);
    const done = await waitForStatus(stack, id, 'completed', 30_000);
    const byKey = Object.fromEntries(done.erasure.notified.map((n: { key: string }) => [n.key, n]));
    assert.deepEqual(Object.keys(byKey), ['ads', 'crm', 'legacy']);
    assert.equal(byKey.ads.via, 'answer');
    assert.equal(byKey.ads.message, 'Removed from the ad audience.');
    assert.equal(byKey.crm.via, 'callback');
    assert.equal(byKey.crm.message, 'Deleted from the CRM copy.');
    assert.ok(byKey.crm.acknowledgedAt >= byKey.crm.notifiedAt);
    assert.equal(byKey.legacy.notifiedAt, undefined);
    assert.match(byKey.legacy.failed, /answered 503/);
    assert.equal(byKey.ads.disclosed, 'newsletter audience');

    const notices = processor.notices.filter((notice) => notice.requestId === id);
    assert.equal(notices.length, 2, 'each reachable recipient told once');
    for (const notice of notices) {
      assert.equal(notice.notice, 'erasure');
      assert.equal(notice.email, EMAIL);
      assert.match(new URL(notice.callback_url).pathname, new RegExp(`^/callbacks/${id}/(ads|crm)/1/`));
    }
    const receipt = (await stack.api('GET', `/api/requests/${id}/receipt`)).body;
    assert.deepEqual(
      receipt.receipt.notified.map((n: { key: string; acknowledgedAt?: string }) => [n.key, n.acknowledgedAt !== undefined]),
      [
        ['ads', true],
        ['crm', true],
        ['legacy', false],
      ],
    );
    const mail = await stack.mail.waitFor((m) => m.to.includes(EMAIL) && /Erasure Request Fulfilled/.test(m.subject) && /Recipient ads/.test(m.text));
    assert.match(mail.text, /disclosed your data to about the erasure/);
    assert.match(mail.text, /- Recipient crm/);
    assert.doesNotMatch(mail.text, /Recipient legacy/, 'a recipient that could not be told is not said to be told');
    const page = await (await fetch(`${stack.baseUrl}/admin/requests/${id}`, { headers: { Cookie: await adminCookie(stack) } })).text();
    assert.match(page, /Recipients told of the erasure/);
  });

  test('the worker killed (SIGKILL) while the request waits: a new worker asks again once, and the request completes', async () => {
    const stack = stacks.killed as Stack;
    const child = stack.spawnWorker({ PROC_SECRET, RECEIPT_SECRET });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const id = await erase(stack);
      const deadline = Date.now() + 60_000;
      while (!(await stack.api('GET', `/api/requests/${id}`)).body.waiting) {
        assert.ok(Date.now() < deadline, 'the spawned worker never sent the page');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      child.kill('SIGKILL');
      await exited;
      // Its time to ask again passes while no worker runs.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.equal((await stack.api('GET', `/api/requests/${id}`)).body.status, 'processing');
      await stack.startWorker();
      const done = await waitForStatus(stack, id, 'completed', 60_000);
      const [list] = done.erasure.erasers;
      assert.equal(list.awaited[0].via, 'poll');
      assert.equal(list.removed, 4, 'counted once');
      assert.equal(list.receipts[0].verified, true);
      assert.deepEqual(
        processor.accepted.filter((call) => call.requestId === id).map((call) => call.ticket ?? null),
        [null, 'slow-1'],
        'the page sent once, asked again once',
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('an asynchronous exporter delivers a page through its callback; the export holds every item once', async () => {
    const stack = stacks.exporter as Stack;
    const created = await stack.api('POST', '/api/requests', { email: EMAIL, action: 'export', skipConfirmation: true, sendAsEmail: false });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await waitForStatus(stack, created.body.id, 'completed', 30_000);
    assert.equal(done.items, 1 + 2, 'About and the two pages’ items');
    const zip = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
    const report = JSON.parse(zip.get('export.json') as string)[`Personal Data Export for ${EMAIL}`];
    assert.deepEqual(Object.keys(report.newsletter.items), ['subscription-1', 'subscription-2'], 'page 1 (by callback) before page 2, each once');
    assert.equal(report.newsletter.items['subscription-1'][1].value, 'Weekly offers');
    // The page again, now the request is over: refused, nothing staged twice.
    const url = processor.exportCallbacks.find((target) => target.includes(`/${created.body.id}/`)) as string;
    assert.match(new URL(url).pathname, new RegExp(`^/callbacks/${created.body.id}/list/1/`));
    const body = JSON.stringify({ data: [], done: true });
    const { timestamp, signature } = signBody(PROC_SECRET, body);
    const again = await fetch(url, { method: 'POST', headers: { 'X-DSR-Timestamp': timestamp, 'X-DSR-Signature': signature }, body });
    assert.equal(again.status, 410);
  });

  test('a required processor past its asyncTimeout: the team is told and the request keeps waiting until it answers', async () => {
    const stack = stacks.required as Stack;
    const id = await erase(stack);
    const told = await stack.mail.waitFor((m) => m.to.includes(TEAM) && /No answer from MailingList list/.test(m.subject) && m.text.includes(id));
    assert.match(told.text, /It is required, so the request keeps waiting/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const view = (await stack.api('GET', `/api/requests/${id}`)).body;
    assert.equal(view.status, 'processing', 'still waiting past its asyncTimeout');
    assert.equal(view.waiting.required, true);
    const url = processor.requiredCallbacks.find((target) => target.includes(`/${id}/`)) as string;
    const body = JSON.stringify(finalAnswer());
    const { timestamp, signature } = signBody(PROC_SECRET, body);
    assert.equal((await fetch(url, { method: 'POST', headers: { 'X-DSR-Timestamp': timestamp, 'X-DSR-Signature': signature }, body })).status, 202);
    const done = await waitForStatus(stack, id, 'completed', 30_000);
    assert.equal(done.erasure.erasers[0].removed, 4);
    assert.equal(done.erasure.erasers[0].awaited[0].via, 'callback');
    assert.equal(done.erasure.erasers[0].awaited[0].notConfirmed, undefined);
  });
});
