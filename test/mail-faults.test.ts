/**
 * The mail server refusing for a while, down altogether, or refusing for
 * good. A temporary fault delays the request (it waits, retrying with
 * backoff from 2 s) and each mail still arrives exactly once; a permanent
 * one fails the request with a reason an admin can act on, without the
 * address in it.
 *
 * While the confirmation mail waits, the key's hash is already recorded:
 * the key itself exists only in the mail, so nobody holds a usable link
 * before the server accepts it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMailCatcher } from '../dev/mail-catcher.ts';
import { confirmByLink, type Stack, startStack, waitForStatus } from './helpers/stack.ts';

let stack: Stack;
let port: number;
/** While true, the catcher answers `421 try again later`; it counts what it refused. */
let refusing = false;
let refused = 0;

/** A catcher on the stack's SMTP port (where the worker sends) that can refuse, for a while or for good. */
async function startCatcher(): Promise<void> {
  stack.mail = await startMailCatcher({
    smtpPort: port,
    refuseTemporarily: () => {
      if (refusing) refused++;
      return refusing;
    },
    rejectRecipients: (rcpt) => rcpt.startsWith('bounce'),
  });
}

before(async () => {
  stack = await startStack();
  port = Number(new URL(stack.mail.smtpUrl).port);
  await stack.mail.close();
  await startCatcher();
});
after(async () => {
  await stack?.mail.close();
  await stack?.close();
});

const isConfirmation = (email: string) => (m: { to: string[]; subject: string }) => m.to.includes(email) && /Confirm Action/.test(m.subject);
const isDownload = (email: string) => (m: { to: string[]; subject: string }) => m.to.includes(email) && /Personal Data Export$/.test(m.subject);

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function status(id: string): Promise<string> {
  return (await stack.api('GET', `/api/requests/${id}`)).body.status as string;
}

async function create(email: string, skipConfirmation = false): Promise<string> {
  const created = await stack.api('POST', '/api/requests', { email, action: 'export', sendAsEmail: true, skipConfirmation });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id as string;
}

describe('a mail server refusing for a while (421)', () => {
  test('the confirmation mail waits, then arrives once, and the request completes after the click', async () => {
    const email = 'refused-confirm@example.com';
    refusing = true;
    refused = 0;
    const id = await create(email);
    await until(() => refused >= 2); // the first attempt and one retry
    assert.equal(await status(id), 'pending');
    refusing = false;
    const confirmation = await stack.mail.waitFor(isConfirmation(email), 20_000);
    assert.equal((await confirmByLink(stack.linkIn(confirmation, `${stack.baseUrl}/confirm?`))).status, 200);
    await waitForStatus(stack, id, 'completed');
    assert.equal(stack.mail.messages().filter(isConfirmation(email)).length, 1, 'one confirmation mail');
    assert.equal(stack.mail.messages().filter(isDownload(email)).length, 1, 'one download mail');
  });

  test('the request is not completed before the download mail is accepted', async () => {
    const email = 'refused-download@example.com';
    refusing = true;
    refused = 0;
    const id = await create(email, true);
    await until(() => refused >= 2);
    assert.equal(await status(id), 'processing', 'delivery is part of processing');
    refusing = false;
    await stack.mail.waitFor(isDownload(email), 20_000);
    await waitForStatus(stack, id, 'completed');
    assert.equal(stack.mail.messages().filter(isDownload(email)).length, 1, 'one download mail');
  });
});

describe('a mail server down altogether', () => {
  test('both mails wait for it to come back, then arrive once each', async () => {
    const email = 'smtp-down@example.com';
    await stack.mail.close();
    const id = await create(email);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // the first attempt and one retry fail
    assert.equal(await status(id), 'pending');
    await startCatcher();
    const confirmation = await stack.mail.waitFor(isConfirmation(email), 20_000);
    const link = stack.linkIn(confirmation, `${stack.baseUrl}/confirm?`);

    await stack.mail.close();
    assert.equal((await confirmByLink(link)).status, 200);
    await waitForStatus(stack, id, 'processing');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(await status(id), 'processing', 'not completed while the download mail cannot go out');
    await startCatcher();
    await stack.mail.waitFor(isDownload(email), 20_000);
    await waitForStatus(stack, id, 'completed');
    assert.equal(stack.mail.messages().filter(isDownload(email)).length, 1, 'one download mail');
    assert.equal(stack.mail.messages().filter(isConfirmation(email)).length, 0, 'the confirmation mail was not sent again');
  });
});

describe('a mail server refusing for good (550)', () => {
  const REASON = 'Cannot deliver mail: the mail server refused it permanently (SMTP 550)';

  test('a refused confirmation mail fails the request with a reason an admin can act on', async () => {
    const id = await create('bounce-confirm@example.com');
    const failed = await waitForStatus(stack, id, 'failed', 20_000);
    assert.equal(failed.reason, REASON);
    assert.doesNotMatch(failed.reason, /@|bounce/);
  });

  test('a refused download mail fails the request too', async () => {
    const id = await create('bounce-download@example.com', true);
    const failed = await waitForStatus(stack, id, 'failed', 20_000);
    assert.equal(failed.reason, REASON);
    assert.doesNotMatch(failed.reason, /@|bounce/);
  });
});
