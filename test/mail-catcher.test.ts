import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { startMailCatcher, type MailCatcher } from '../dev/mail-catcher.ts';

let catcher: MailCatcher;

before(async () => {
  catcher = await startMailCatcher({ rejectRecipients: (rcpt) => rcpt.endsWith('@bounce.example') });
});

after(async () => {
  await catcher.close();
});

function send(message: SendMailOptions) {
  return nodemailer.createTransport(catcher.smtpUrl).sendMail({ from: 'privacy@example.com', ...message });
}

describe('startMailCatcher()', () => {
  test('listens on loopback', () => {
    assert.match(catcher.smtpUrl, /^smtp:\/\/127\.0\.0\.1:\d+$/);
  });

  test('waitFor() finds a message sent with nodemailer, parsed', async () => {
    const waiting = catcher.waitFor((m) => m.subject === 'Confirm your export');
    const info = await send({
      to: 'alex.doe@example.com',
      bcc: 'dpo@example.com',
      subject: 'Confirm your export',
      text: 'Click https://example.com/confirm?key=abc to confirm.',
      html: '<p>Click</p>',
    });
    const mail = await waiting;
    assert.equal(mail.from, 'privacy@example.com');
    assert.deepEqual(mail.to, ['alex.doe@example.com', 'dpo@example.com']);
    assert.equal(mail.text.trim(), 'Click https://example.com/confirm?key=abc to confirm.');
    assert.equal(mail.html, '<p>Click</p>');
    assert.equal(mail.messageId, info.messageId);
    assert.match(mail.raw, /^Subject: Confirm your export/m);
    assert.ok(mail.date instanceof Date);
  });

  test('waitFor() resolves for a message caught before the call', async () => {
    await send({ to: 'sam.roe@example.com', subject: 'Already here', text: 'x' });
    const mail = await catcher.waitFor((m) => m.subject === 'Already here', 100);
    assert.deepEqual(mail.to, ['sam.roe@example.com']);
  });

  test('waitFor() rejects after its timeout', async () => {
    await assert.rejects(
      catcher.waitFor((m) => m.subject === 'never', 50),
      /none matched within 50 ms/,
    );
  });

  test('rejectRecipients refuses RCPT with 550, so nodemailer fails with a 5xx', async () => {
    const before = catcher.messages().length;
    await assert.rejects(send({ to: 'nobody@bounce.example', subject: 'Bounce', text: 'x' }), (error: unknown) => {
      const { responseCode } = error as { responseCode?: number };
      assert.equal(responseCode, 550);
      return true;
    });
    assert.equal(catcher.messages().length, before);
  });

  test('clear() forgets every caught message', () => {
    assert.ok(catcher.messages().length > 0);
    catcher.clear();
    assert.deepEqual(catcher.messages(), []);
  });
});
