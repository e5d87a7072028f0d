/**
 * The admin's actions on requests through the JSON API (the admin pages use
 * the same code): mark completed, email an export, retry a failed request,
 * find requests by email and page through them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { join } from 'node:path';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';

describe('admin actions', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  test('mark completed closes a pending request without processing it', async () => {
    const created = await stack.api('POST', '/api/requests', { email: 'handled@example.com', action: 'erase' });
    await stack.mail.waitFor((m) => m.to.includes('handled@example.com'));
    const marked = await stack.api('POST', `/api/requests/${created.body.id}/complete`);
    assert.equal(marked.status, 202);
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(done.reason, 'marked completed by an admin');
    assert.equal(done.erasure, undefined, 'no eraser ran');
    const again = await stack.api('POST', `/api/requests/${created.body.id}/complete`);
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /is completed/);
  });

  test('email export sends the download link of an export the admin fetched first', async () => {
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true, sendAsEmail: false });
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(stack.mail.messages().filter((m) => /Personal Data Export$/.test(m.subject)).length, 0);
    const sent = await stack.api('POST', `/api/requests/${created.body.id}/email-export`);
    assert.equal(sent.status, 202);
    const mail = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Personal Data Export$/.test(m.subject));
    assert.ok(mail.text.includes(done.download.url));
    await stack.api('DELETE', `/api/requests/${created.body.id}/export`);
    const deadline = Date.now() + 10_000;
    let gone = await stack.api('POST', `/api/requests/${created.body.id}/email-export`);
    while (gone.status !== 410 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      gone = await stack.api('POST', `/api/requests/${created.body.id}/email-export`);
    }
    assert.equal(gone.status, 410, 'a deleted export cannot be mailed');
  });

  test('retry starts a new request like a failed one', async () => {
    const created = await stack.api('POST', '/api/requests', { email: 'retry@example.com', action: 'export', sendAsEmail: false });
    const early = await stack.api('POST', `/api/requests/${created.body.id}/retry`);
    assert.equal(early.status, 409, 'only a failed request can be retried');
    await stack.api('POST', `/api/requests/${created.body.id}/cancel`);
    await waitForStatus(stack, created.body.id, 'failed');
    const retried = await stack.api('POST', `/api/requests/${created.body.id}/retry`);
    assert.equal(retried.status, 201);
    assert.notEqual(retried.body.id, created.body.id);
    assert.equal(retried.body.status, 'pending');
    assert.equal(retried.body.sendAsEmail, false);
    await stack.api('POST', `/api/requests/${retried.body.id}/cancel`);
  });

  test('retrying a confirmed request that failed keeps it confirmed: no new confirmation mail', async () => {
    const picky = await startStack({
      manifest: `version: 1\nexporters:\n  - key: picky\n    name: Picky exporter\n    module: ${join(FIXTURE_PLUGINS, 'malformed.ts')}\n`,
    });
    try {
      const email = 'no-done@malformed.test';
      const created = await picky.api('POST', '/api/requests', { email, action: 'export', skipConfirmation: true });
      await waitForStatus(picky, created.body.id, 'failed');
      const retried = await picky.api('POST', `/api/requests/${created.body.id}/retry`);
      assert.equal(retried.status, 201);
      assert.notEqual(retried.body.status, 'pending', 'the retry is confirmed already');
      await waitForStatus(picky, retried.body.id, 'failed');
      assert.equal(picky.mail.messages().filter((m) => m.to.includes(email) && /Confirm Action/.test(m.subject)).length, 0, 'the person was not asked again');
    } finally {
      await picky.close();
    }
  });

  test('the list finds requests by email (any case) and pages', async () => {
    const mine = await stack.api('GET', `/api/requests?email=${encodeURIComponent('RETRY@example.com')}`);
    assert.equal(mine.status, 200);
    assert.equal(mine.body.requests.length, 2);
    assert.ok(mine.body.requests.every((r: { email: string }) => r.email === 'retry@example.com'));
    const first = await stack.api('GET', '/api/requests?limit=2');
    const second = await stack.api('GET', '/api/requests?limit=2&offset=2');
    assert.equal(first.body.requests.length, 2);
    assert.ok(second.body.requests.length >= 1);
    const ids = new Set([...first.body.requests, ...second.body.requests].map((r: { id: string }) => r.id));
    assert.equal(ids.size, first.body.requests.length + second.body.requests.length, 'pages do not overlap');
  });
});
