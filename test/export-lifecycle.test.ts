/**
 * An export request end to end, through HTTP, a real SMTP server, a real
 * Temporal dev server and the seeded demo database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { confirmByLink, type Stack, startStack, statusOnceGone, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const OTHER_PEOPLE = ['sam.roe@example.com', 'guest.poster@example.org'];

describe('export lifecycle', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  test('create → confirmation mail → link → download mail → ZIP with exactly the person’s data', async () => {
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'pending');
    const id: string = created.body.id;
    assert.doesNotMatch(created.body.workflow.id, /@|alex/i, 'the workflow ID must not contain the email');

    const confirmation = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Confirm Action/.test(m.subject));
    assert.match(confirmation.subject, /^\[Test Site\] Confirm Action: Export Personal Data$/);
    const confirmLink = stack.linkIn(confirmation, `${stack.baseUrl}/confirm?`);
    const page = await confirmByLink(confirmLink);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Thanks for confirming your export request/);

    const delivery = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Personal Data Export$/.test(m.subject));
    assert.match(delivery.text, /automatically delete the file on \d{1,2} \w+ \d{4}, \d\d:\d\d UTC/);
    const downloadLink = stack.linkIn(delivery, `${stack.baseUrl}/exports/`);

    const done = await waitForStatus(stack, id, 'completed');
    assert.equal(done.download.url, downloadLink);
    assert.ok(done.confirmedAt && done.completedAt);

    const again = await fetch(confirmLink);
    assert.equal(again.status, 200);
    assert.match(await again.text(), /already confirmed/, 'a repeat click is harmless');

    const download = await fetch(downloadLink);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/zip');
    const entries = await unzip(new Uint8Array(await download.arrayBuffer()));
    assert.deepEqual([...entries.keys()].sort(), ['export.json', 'index.html', 'processing.json']);

    const json = JSON.parse(entries.get('export.json') as string);
    const report = json[`Personal Data Export for ${DEMO_PERSON}`];
    assert.deepEqual(Object.keys(report), ['about', 'user', 'comments', 'session-tokens', 'media', 'orders']);
    assert.equal(Object.keys(report.comments.items).length, 13, 'all 13 comments, paged 5 at a time, including the case variant');
    assert.equal(Object.keys(report['session-tokens'].items).length, 2);
    assert.equal(Object.keys(report.media.items).length, 3);
    const userPairs = Object.values(report.user.items)[0] as { name: string; value: unknown }[];
    assert.ok(userPairs.some((pair) => pair.name === 'User Email' && pair.value === DEMO_PERSON));
    assert.equal(Object.keys(report.orders.items).length, 2);
    assert.equal(done.items, 1 + 1 + 13 + 2 + 3 + 2, 'About + account + comments + sessions + media + orders');

    const html = entries.get('index.html') as string;
    for (const text of [entries.get('export.json') as string, html]) {
      for (const other of OTHER_PEOPLE) assert.ok(!text.toLowerCase().includes(other), `${other} must not be in the export`);
    }
    assert.match(html, /Table of Contents/);
    assert.doesNotMatch(html, /<script/i);
    // The test manifest declares no processing: the report says so rather than inventing it.
    const processing = JSON.parse(entries.get('processing.json') as string);
    assert.equal(processing.controller, null);
    assert.equal(processing.missing.length, 1 + 5, 'the controller and each of the five exporters');
    assert.match(html, /How we use your data and your rights/);
  });

  test('a wrong key changes nothing, and the right key still confirms', async () => {
    const created = await stack.api('POST', '/api/requests', { email: 'sam.roe@example.com', action: 'export', sendAsEmail: true });
    assert.equal(created.status, 201);
    const mail = await stack.mail.waitFor((m) => m.to.includes('sam.roe@example.com') && /Confirm Action/.test(m.subject));
    const link = stack.linkIn(mail, `${stack.baseUrl}/confirm?`);
    const wrong = link.replace(/key=([A-Za-z0-9_-])/, (_, first: string) => `key=${first === 'A' ? 'B' : 'A'}`);
    const refused = await fetch(wrong);
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /not valid/);
    assert.equal((await stack.api('GET', `/api/requests/${created.body.id}`)).body.status, 'pending');
    // A mail scanner opening the link (GET, HEAD) confirms nothing; the page's button does.
    assert.equal((await fetch(link)).status, 200);
    assert.equal((await fetch(link, { method: 'HEAD' })).status, 200);
    assert.equal((await stack.api('GET', `/api/requests/${created.body.id}`)).body.status, 'pending');
    assert.equal((await confirmByLink(link)).status, 200);
    await waitForStatus(stack, created.body.id, 'completed');
  });

  test('resend mails a fresh link and the earlier one stops working', async () => {
    const email = 'resend@example.net';
    const created = await stack.api('POST', '/api/requests', { email, action: 'export' });
    const first = await stack.mail.waitFor((m) => m.to.includes(email) && /Confirm Action/.test(m.subject));
    const resent = await stack.api('POST', `/api/requests/${created.body.id}/resend`);
    assert.equal(resent.status, 202);
    const second = await stack.mail.waitFor((m) => m.to.includes(email) && /Confirm Action/.test(m.subject) && m.id !== first.id);
    const firstLink = stack.linkIn(first, `${stack.baseUrl}/confirm?`);
    const secondLink = stack.linkIn(second, `${stack.baseUrl}/confirm?`);
    assert.notEqual(firstLink, secondLink);
    // The workflow records the new key before mailing it, so once the mail is here the old link is void.
    assert.equal((await fetch(firstLink)).status, 400);
    assert.equal((await confirmByLink(secondLink)).status, 200);
    await waitForStatus(stack, created.body.id, 'completed');
  });

  test('a second incomplete request for the same email and action is refused with the existing id', async () => {
    const first = await stack.api('POST', '/api/requests', { email: 'Guest.Poster@example.org', action: 'export' });
    assert.equal(first.status, 201);
    const second = await stack.api('POST', '/api/requests', { email: 'guest.poster@example.org', action: 'export' });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'duplicate_request');
    assert.equal(second.body.error.existingId, first.body.id);

    const cancelled = await stack.api('POST', `/api/requests/${first.body.id}/cancel`);
    assert.equal(cancelled.status, 202);
    const ended = await waitForStatus(stack, first.body.id, 'failed');
    assert.equal(ended.reason, 'cancelled');
    const third = await stack.api('POST', '/api/requests', { email: 'guest.poster@example.org', action: 'export' });
    assert.equal(third.status, 201, 'a failed request does not block a new one');
    assert.notEqual(third.body.id, first.body.id);
    assert.equal((await stack.api('GET', `/api/requests/${first.body.id}`)).body.status, 'failed', 'the old request stays readable');
    await stack.api('POST', `/api/requests/${third.body.id}/cancel`);
  });

  test('an admin can force a request without the person’s confirmation', async () => {
    const created = await stack.api('POST', '/api/requests', { email: 'forced@example.net', action: 'export', sendAsEmail: false });
    assert.equal(created.status, 201);
    const forced = await stack.api('POST', `/api/requests/${created.body.id}/confirm`);
    assert.equal(forced.status, 202);
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.ok(done.download.url.startsWith(`${stack.baseUrl}/exports/`));
    assert.equal(
      stack.mail.messages().filter((m) => m.to.includes('forced@example.net') && /Personal Data Export$/.test(m.subject)).length,
      0,
      'sendAsEmail false: the admin downloads, no mail to the person',
    );
    const zip = await fetch(done.download.url);
    assert.equal(zip.status, 200);
    const again = await stack.api('POST', `/api/requests/${created.body.id}/confirm`);
    assert.equal(again.status, 409, 'a completed request cannot be confirmed again');
  });

  test('skipConfirmation sends no confirmation mail', async () => {
    const created = await stack.api('POST', '/api/requests', { email: 'skip@example.net', action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'confirmed');
    await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(stack.mail.messages().filter((m) => m.to.includes('skip@example.net') && /Confirm Action/.test(m.subject)).length, 0);
  });

  test('the admin API refuses bad input with a message that says what to fix', async () => {
    const badEmail = await stack.api('POST', '/api/requests', { email: 'not-an-email', action: 'export' });
    assert.equal(badEmail.status, 400);
    assert.equal(badEmail.body.error.fields[0].field, 'email');
    const injection = await stack.api('POST', '/api/requests', { email: 'a@b.c\r\nBcc: x@y.z', action: 'export' });
    assert.equal(injection.status, 400);
    const unknownField = await stack.api('POST', '/api/requests', { email: 'a@example.com', action: 'export', extra: 1 });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.body.error.message, /extra/);
    const badAction = await stack.api('POST', '/api/requests', { email: 'a@example.com', action: 'delete-everything' });
    assert.equal(badAction.status, 400);
    const notJson = await stack.api('POST', '/api/requests', '{"email":');
    assert.equal(notJson.status, 400);
    const anonymous = await fetch(`${stack.baseUrl}/api/requests`);
    assert.equal(anonymous.status, 401);
    const missing = await stack.api('GET', '/api/requests/export-00000000000000000000000000000000-aaaaaaaaaa');
    assert.equal(missing.status, 404);
    const unknownFile = await fetch(`${stack.baseUrl}/exports/dsr-export-${'a'.repeat(43)}.zip`);
    assert.equal(unknownFile.status, 404);
    const traversal = await fetch(`${stack.baseUrl}/exports/..%2F..%2Fpackage.json`);
    assert.equal(traversal.status, 404);
  });

  test('the list filters by status', async () => {
    const completed = await stack.api('GET', '/api/requests?status=completed');
    assert.equal(completed.status, 200);
    assert.ok(completed.body.requests.length >= 1);
    assert.ok(completed.body.requests.every((r: { status: string }) => r.status === 'completed'));
    const bad = await stack.api('GET', '/api/requests?status=weird');
    assert.equal(bad.status, 400);
  });
});

describe('export expiry and retention', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ confirmTtlMs: 1500, retentionMs: 2500 });
  });
  after(async () => {
    await stack?.close();
  });

  test('an unconfirmed request expires: status failed/expired, and the link says so', async () => {
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export' });
    const mail = await stack.mail.waitFor((m) => /Confirm Action/.test(m.subject));
    const failed = await waitForStatus(stack, created.body.id, 'failed', 20_000);
    assert.equal(failed.reason, 'expired');
    const late = await fetch(stack.linkIn(mail, `${stack.baseUrl}/confirm?`));
    assert.equal(late.status, 410);
    assert.match(await late.text(), /expired/);
  });

  test('the export file is deleted after the retention and its link answers 410', async () => {
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true });
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal((await fetch(done.download.url)).status, 200);
    assert.equal(await statusOnceGone(done.download.url), 410);
    assert.equal((await stack.api('GET', `/api/requests/${created.body.id}`)).body.download.deleted, true);
  });
});

describe('early deletion by an admin', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  test('DELETE /api/requests/:id/export removes the file at once', async () => {
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true, sendAsEmail: false });
    const done = await waitForStatus(stack, created.body.id, 'completed');
    const deleted = await stack.api('DELETE', `/api/requests/${created.body.id}/export`);
    assert.equal(deleted.status, 202);
    const deadline = Date.now() + 15_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await fetch(done.download.url)).status;
    }
    assert.equal(status, 410);
  });
});
