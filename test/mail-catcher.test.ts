import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { startMailCatcher, type MailCatcher } from '../dev/mail-catcher.ts';

let catcher: MailCatcher;

before(async () => {
  catcher = await startMailCatcher({ httpPort: 0, rejectRecipients: (rcpt) => rcpt.endsWith('@bounce.example') });
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
    assert.match(catcher.httpUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('waitFor() finds a message sent with nodemailer, parsed', async () => {
    const waiting = catcher.waitFor((m) => m.subject === 'Confirm your export');
    const info = await send({
      to: 'alex.doe@example.com', bcc: 'dpo@example.com', subject: 'Confirm your export',
      text: 'Click https://example.com/confirm?key=abc to confirm.', html: '<p>Click</p>',
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
    await assert.rejects(catcher.waitFor((m) => m.subject === 'never', 50), /none matched within 50 ms/);
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

  test('the HTTP viewer escapes a hostile subject and links URLs in the text', async () => {
    await send({
      to: 'alex.doe@example.com', subject: '<script>alert(1)</script> & "you"',
      text: 'Download: https://example.com/dl?a=1&b=<2> now. <img src=x onerror=alert(2)>',
    });
    await catcher.waitFor((m) => m.subject.startsWith('<script>'));
    const response = await fetch(`${catcher.httpUrl}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await response.text();
    assert.ok(!html.includes('<script>alert(1)'), 'subject is not escaped');
    assert.ok(!html.includes('<img src=x'), 'text is not escaped');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;you&quot;'));
    assert.ok(html.includes('<a href="https://example.com/dl?a=1&amp;b=" rel="noreferrer">https://example.com/dl?a=1&amp;b=</a>&lt;2&gt; now.'));
    // newest first
    assert.ok(html.indexOf('&lt;script&gt;') < html.indexOf('Already here'));
  });

  test('GET /api/messages lists the messages as JSON, newest first; clear() empties it', async () => {
    const list = await (await fetch(`${catcher.httpUrl}/api/messages`)).json() as { subject: string }[];
    assert.equal(list.length, catcher.messages().length);
    assert.equal(list[0]?.subject, catcher.messages().at(-1)?.subject);
    catcher.clear();
    assert.deepEqual(await (await fetch(`${catcher.httpUrl}/api/messages`)).json(), []);
  });
});
