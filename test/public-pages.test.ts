/**
 * The pages a person sees: the request form, the confirmation link and the
 * download page. The limiter and the form's rules run against a stand-in
 * service; the person's whole journey runs in real Chromium against the
 * whole product, with real mail. Screenshots go to .tmp/screenshots/.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { createRateLimiter, rateKeyForAddress } from '../server/rate-limit.ts';
import { mailboxKey, PUBLIC_RATE_LIMITS, publicRoutes } from '../server/public/routes.ts';
import { DuplicateRequestError, type RequestService } from '../server/requests.ts';
import { Secret } from '../lib/config.ts';
import { regimeTable } from '../lib/regimes.ts';
import { subjectHash } from '../lib/secrets.ts';
import { storagePaths } from '../storage/file-layout.ts';
import { fileStore } from '../storage/file-store.ts';
import { launchBrowser, screenshot } from './helpers/browser.ts';
import { startStack, type Stack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const NEUTRAL = 'If this address is known to us, we have sent it an email with a link to confirm the request.';

describe('rate limiter', () => {
  test('allows `limit` hits per key in a sliding window, then refuses until the oldest hit leaves it', () => {
    let clock = 1_000_000;
    const limiter = createRateLimiter({ limit: 3, windowMs: 60_000, now: () => clock });
    assert.deepEqual(limiter.hit('a'), { allowed: true, retryAfterMs: 0 });
    clock += 10_000;
    assert.equal(limiter.hit('a').allowed, true);
    clock += 10_000;
    assert.equal(limiter.hit('a').allowed, true);
    clock += 10_000;
    assert.deepEqual(limiter.hit('a'), { allowed: false, retryAfterMs: 30_000 }, 'the first hit leaves the window in 30 s');
    assert.equal(limiter.hit('b').allowed, true, 'another key has its own window');
    clock += 29_999;
    assert.equal(limiter.hit('a').allowed, false);
    clock += 1;
    assert.equal(limiter.hit('a').allowed, true, 'exactly one window after the first hit, one more is allowed');
    assert.equal(limiter.hit('a').allowed, false, 'the second and third hits are still in the window');
  });

  test('a refused hit is not counted, so waiting always helps', () => {
    let clock = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, now: () => clock });
    assert.equal(limiter.hit('k').allowed, true);
    for (let i = 0; i < 10; i++) {
      clock += 50;
      assert.equal(limiter.hit('k').allowed, false);
    }
    clock = 1000;
    assert.equal(limiter.hit('k').allowed, true);
  });

  test('forgets idle keys once there are many', () => {
    let clock = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 1000, now: () => clock, sweepAbove: 10 });
    for (let i = 0; i < 11; i++) limiter.hit(`key-${i}`);
    assert.equal(limiter.size(), 11);
    clock = 5000;
    limiter.hit('new');
    assert.equal(limiter.size(), 1);
  });

  test('rejects a meaningless configuration', () => {
    assert.throws(() => createRateLimiter({ limit: 0, windowMs: 1000 }), /limit/);
    assert.throws(() => createRateLimiter({ limit: 1, windowMs: 0 }), /windowMs/);
  });

  test('counts IPv4 by address and IPv6 by /64', () => {
    assert.equal(rateKeyForAddress('203.0.113.7'), '203.0.113.7');
    assert.equal(rateKeyForAddress('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(rateKeyForAddress('2001:db8:aa:bb:1:2:3:4'), '2001:db8:aa:bb::/64');
    assert.equal(rateKeyForAddress('2001:db8:aa:bb::99'), '2001:db8:aa:bb::/64');
    assert.equal(rateKeyForAddress('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(rateKeyForAddress('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(rateKeyForAddress('::1'), '0:0:0:0::/64');
  });
});

/** The form's tests involve no appeal. */
const noAppeals = {
  appeal: async () => {
    throw new Error('no appeal in these tests');
  },
  appealOf: async () => undefined,
};

describe('the request form, against a stand-in service', () => {
  const created: { email: string; action: string; regime?: string }[] = [];
  const duplicates = new Set(['taken@example.com']);
  let failNext = false;
  const service = {
    regimes: regimeTable(),
    async create(input: { email: string; action: 'export' | 'erase'; regime?: string }) {
      if (failNext) {
        failNext = false;
        throw new Error('Temporal is unreachable');
      }
      if (duplicates.has(input.email)) throw new DuplicateRequestError('export-x');
      created.push({ email: input.email, action: input.action, ...(input.regime ? { regime: input.regime } : {}) });
      return {};
    },
  } as unknown as RequestService;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const app = publicRoutes(service, {
    siteName: 'Test <Site>',
    store: fileStore(storagePaths('/nonexistent')),
    confirmTtlMs: 86_400_000,
    retentionMs: 3 * 86_400_000,
    now: () => clock,
    answerFloorMs: 0,
    secret: new Secret('x'.repeat(32)),
    actions: noAppeals,
  });
  const post = (fields: Record<string, string>, address: string, headers: Record<string, string> = { Origin: 'http://site.test' }) =>
    app.request(
      'http://site.test/request',
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) },
      { incoming: { socket: { remoteAddress: address } } },
    );

  test('the form: site name, one main, labelled fields, a honeypot people never reach, strict headers', async () => {
    const response = await app.request('http://site.test/request');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-security-policy'), CSP);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const body = await response.text();
    assert.match(body, /^<!doctype html>\n<html lang="en">/);
    assert.match(body, /Test &lt;Site&gt;/, 'the site name, escaped');
    assert.equal(body.match(/<main>/g)?.length, 1);
    assert.match(body, /<label for="email">Your email address<\/label>/);
    assert.match(body, /<input type="email" id="email" name="email" autocomplete="email"/);
    assert.match(body, /<label for="website">Leave this field empty<\/label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off">/);
    assert.doesNotMatch(body, /<script|https?:\/\//i, 'no scripts, nothing loaded from elsewhere');
    assert.doesNotMatch(body, /noindex/, 'the form may be found by search engines');
  });

  test('the same answer for every accepted form; the honeypot and the per-email limit create nothing', async () => {
    const answers = [
      await post({ email: 'someone@example.com', action: 'export' }, '198.51.100.1'),
      await post({ email: 'taken@example.com', action: 'export' }, '198.51.100.2'),
      await post({ email: 'bot@example.com', action: 'erase', website: 'https://spam.example' }, '198.51.100.3'),
      // Three per hour per address, from anywhere; the fourth is answered alike and dropped.
      await post({ email: 'Repeat@example.com', action: 'export' }, '198.51.100.4'),
      await post({ email: 'repeat@example.com ', action: 'erase' }, '198.51.100.5'),
      await post({ email: 'repeat@example.com', action: 'export' }, '198.51.100.6'),
      await post({ email: 'REPEAT@example.com', action: 'export' }, '198.51.100.7'),
    ];
    const bodies = await Promise.all(answers.map((answer) => answer.text()));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array(answers.length).fill(200),
    );
    for (const body of bodies) assert.equal(body, bodies[0]);
    assert.match(bodies[0] as string, new RegExp(`${NEUTRAL} The link works for 24 hours\\.`));
    assert.deepEqual(created, [
      { email: 'someone@example.com', action: 'export', regime: 'gdpr' },
      { email: 'Repeat@example.com', action: 'export', regime: 'gdpr' },
      { email: 'repeat@example.com', action: 'erase', regime: 'gdpr' },
      { email: 'repeat@example.com', action: 'export', regime: 'gdpr' },
    ]);
  });

  test('the language of our mails: the browser’s first language of ours preselected, the person’s choice taken', async () => {
    const german = await (await app.request('http://site.test/request', { headers: { 'Accept-Language': 'de-CH, de;q=0.9, en;q=0.5' } })).text();
    assert.match(german, /<option value="de" lang="de" selected>Deutsch<\/option>/);
    const other = await (await app.request('http://site.test/request', { headers: { 'Accept-Language': 'es' } })).text();
    assert.match(other, /<option value="en" lang="en" selected>English<\/option>/);
  });

  test('the pages in the person’s language: the browser’s, or the one a language link picks; errors and answers in the language chosen', async () => {
    const german = await app.request('http://site.test/request', { headers: { 'Accept-Language': 'de' } });
    assert.equal(german.headers.get('content-language'), 'de');
    const form = await german.text();
    assert.match(form, /^<!doctype html>\n<html lang="de">/);
    assert.match(form, /<title>Ihre personenbezogenen Daten anfordern – Test &lt;Site&gt;<\/title>/);
    assert.match(form, /<label for="email">Ihre E-Mail-Adresse<\/label>/);
    assert.match(form, /<span>Meine Daten löschen<\/span>/);
    assert.match(form, /<a href="request\?lang=fr" lang="fr" hreflang="fr">Français<\/a>/);
    assert.doesNotMatch(form, /Your email address|Send request/);
    const french = await (await app.request('http://site.test/request?lang=fr', { headers: { 'Accept-Language': 'de' } })).text();
    assert.match(french, /<html lang="fr">/);
    assert.match(french, /<button type="submit" class="button">Envoyer la demande<\/button>/);
    assert.match(french, /<option value="fr" lang="fr" selected>Français<\/option>/);

    const wrong = await post({ email: 'nope', action: 'export', locale: 'de' }, '198.51.100.40');
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /Geben Sie eine E-Mail-Adresse im richtigen Format ein/);
    const sent = await post({ email: 'deutsch@example.com', action: 'export', locale: 'fr' }, '198.51.100.40', {
      Origin: 'http://site.test',
      'Accept-Language': 'de',
    });
    assert.match(await sent.text(), /Le lien est valable 24 heures\./, 'the language chosen in the form, over the browser’s');
  });

  test('the person says where they live (the configured default preselected); a regime the site does not offer is asked again', async () => {
    const form = await (await app.request('http://site.test/request')).text();
    assert.match(form, /<label for="regime">Where do you live\?<\/label>/);
    assert.match(form, /<option value="gdpr" selected>GDPR \(EU\/EEA\)<\/option>/);
    assert.match(form, /<option value="ccpa">CCPA \(California\)<\/option>/);
    const before = created.length;
    assert.equal((await post({ email: 'californian@example.com', action: 'export', regime: 'ccpa' }, '198.51.100.30')).status, 200);
    assert.deepEqual(created.at(-1), { email: 'californian@example.com', action: 'export', regime: 'ccpa' });
    const unknown = await post({ email: 'martian@example.com', action: 'export', regime: 'mars' }, '198.51.100.30');
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /Choose where you live from the list\./);
    assert.equal(created.length, before + 1);
  });

  test('a wrong email is explained in the form, with what was typed kept (escaped)', async () => {
    const response = await post({ email: 'alex@example"><script>', action: 'erase' }, '198.51.100.20');
    assert.equal(response.status, 400);
    const body = await response.text();
    assert.match(body, /<p class="error" id="email-error">Enter an email address in the correct format, like name@example.com.<\/p>/);
    assert.match(body, /value="alex@example&quot;&gt;&lt;script&gt;"/);
    assert.match(body, /aria-invalid="true"/);
    assert.match(body, /value="erase" checked/, 'the choice is kept too');
    const empty = await post({ email: '  ', action: 'export' }, '198.51.100.20');
    assert.equal(empty.status, 400);
    assert.match(await empty.text(), /Enter your email address\./);
    const noChoice = await post({ email: 'a@example.com' }, '198.51.100.20');
    assert.equal(noChoice.status, 400);
    assert.match(await noChoice.text(), /Choose what you want us to do\./);
  });

  test(`${PUBLIC_RATE_LIMITS.perAddress.limit} forms per address in ${PUBLIC_RATE_LIMITS.perAddress.windowMs / 60_000} minutes, then 429; IPv6 by /64`, async () => {
    const { limit, windowMs } = PUBLIC_RATE_LIMITS.perAddress;
    for (let i = 0; i < limit; i++) assert.equal((await post({ email: `n${i}@example.com`, action: 'export' }, '203.0.113.9')).status, 200);
    const refused = await post({ email: 'late@example.com', action: 'export' }, '203.0.113.9');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), String(windowMs / 1000));
    assert.match(await refused.text(), /Please try again in 10 minutes/);
    assert.equal((await post({ email: 'late@example.com', action: 'export' }, '203.0.113.10')).status, 200, 'another address is not affected');

    for (let i = 0; i < limit; i++) assert.equal((await post({ email: `v${i}@example.com`, action: 'export' }, `2001:db8:1:2::${i + 1}`)).status, 200);
    assert.equal((await post({ email: 'v9@example.com', action: 'export' }, '2001:db8:1:2:ffff::1')).status, 429, 'same /64');

    clock += windowMs;
    assert.equal((await post({ email: 'later@example.com', action: 'export' }, '203.0.113.9')).status, 200, 'after the window');
  });

  test('only same-origin forms are accepted (403 otherwise)', async () => {
    const before = created.length;
    const crossSite = await post({ email: 'x@example.com', action: 'export' }, '192.0.2.1', { Origin: 'http://evil.example' });
    assert.equal(crossSite.status, 403);
    assert.match(await crossSite.text(), /only accept this form when it is sent from our own site/);
    assert.equal(crossSite.headers.get('content-security-policy'), CSP);
    assert.equal((await post({ email: 'x@example.com', action: 'export' }, '192.0.2.1', {})).status, 403, 'no Origin, no Sec-Fetch-Site');
    assert.equal((await post({ email: 'x@example.com', action: 'export' }, '192.0.2.1', { 'Sec-Fetch-Site': 'cross-site' })).status, 403);
    assert.equal(created.length, before);
    assert.equal((await post({ email: 'x@example.com', action: 'export' }, '192.0.2.1', { 'Sec-Fetch-Site': 'same-origin' })).status, 200);
  });

  test('sub-addresses are one mailbox to the per-email limit: victim+1@, victim+2@… get three mails an hour in all', async () => {
    const before = created.length;
    for (let n = 1; n <= 6; n++) {
      const answer = await post({ email: `Victim+${n}@example.com`, action: 'erase' }, `198.51.100.${100 + n}`);
      assert.equal(answer.status, 200);
    }
    assert.equal(created.length - before, PUBLIC_RATE_LIMITS.perEmail.limit, 'only the first three reach the service');
    assert.equal(mailboxKey(' Victim+tag+more@Example.COM'), 'victim@example.com');
    assert.equal(mailboxKey('+leading@example.com'), '+leading@example.com', 'a local part that is all tag stays as it is');
  });

  test('a malformed multipart body gets 400 and the form again, not 500', async () => {
    const response = await app.request(
      'http://site.test/request',
      {
        method: 'POST',
        headers: { Origin: 'http://site.test', 'Content-Type': 'multipart/form-data; boundary=XYZ' },
        body: '--XYZ\r\nContent-Disposition: form-data; name="email"\r\n\r\nbroken',
      },
      { incoming: { socket: { remoteAddress: '198.51.100.200' } } },
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /The form could not be read/);
  });

  test('the answer takes as long whether or not the address already has a request', async () => {
    const slowService = {
      regimes: regimeTable(),
      async create(input: { email: string }) {
        if (input.email.startsWith('open')) throw new DuplicateRequestError('export-x');
        await new Promise((resolve) => setTimeout(resolve, 40)); // starting a workflow
        return {};
      },
    } as unknown as RequestService;
    const timed = publicRoutes(slowService, {
      siteName: 'S',
      store: fileStore(storagePaths('/nonexistent')),
      confirmTtlMs: 1,
      retentionMs: 1,
      answerFloorMs: 150,
      secret: new Secret('x'.repeat(32)),
      actions: noAppeals,
    });
    const once = async (email: string, address: string) => {
      const started = performance.now();
      const response = await timed.request(
        'http://site.test/request',
        {
          method: 'POST',
          headers: { Origin: 'http://site.test', 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email, action: 'export' }),
        },
        { incoming: { socket: { remoteAddress: address } } },
      );
      await response.text();
      return performance.now() - started;
    };
    const fresh: number[] = [];
    const open: number[] = [];
    for (let n = 0; n < 6; n++) {
      fresh.push(await once(`new-${n}@example.com`, `203.0.113.${n}`));
      open.push(await once(`open-${n}@example.com`, `203.0.113.${100 + n}`));
    }
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
    assert.ok(Math.min(...fresh, ...open) >= 145, `no answer before the floor: ${fresh} / ${open}`);
    assert.ok(Math.abs(median(fresh) - median(open)) < 20, `medians ${median(fresh).toFixed(1)} ms (new) and ${median(open).toFixed(1)} ms (open request)`);
  });

  test('a failure on our side is a page, not a stack trace', async () => {
    failNext = true;
    const response = await post({ email: 'y@example.com', action: 'export' }, '192.0.2.50');
    assert.equal(response.status, 503);
    assert.match(await response.text(), /Something went wrong on our side/);
  });

  test('a huge body is refused before it is read', async () => {
    const response = await post({ email: 'z@example.com', action: 'export', filler: 'x'.repeat(20_000) }, '192.0.2.60');
    assert.equal(response.status, 413);
  });
});

/* ------------------------------------------------------------ in Chromium */

let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const problems = new Map<Page, string[]>();

async function openPage(stack: Stack, viewport = { width: 1024, height: 768 }, locale = 'en-GB'): Promise<Page> {
  browser ??= await launchBrowser();
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale });
  contexts.push(context);
  const page = await context.newPage();
  // Nothing may be loaded from elsewhere, and the CSP must never have to block anything.
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('request', (request) => {
    if (!request.url().startsWith(stack.baseUrl)) seen.push(`request to ${request.url()}`);
  });
  page.on('console', (message) => {
    // Chromium logs every 4xx page as "Failed to load resource"; those statuses are asserted.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) seen.push(`console: ${message.text()}`);
  });
  return page;
}

/** Checks what every public page must have, and returns the h1. */
async function checkPage(page: Page, lang = 'en'): Promise<string> {
  assert.deepEqual(problems.get(page), []);
  assert.equal(await page.locator('html').getAttribute('lang'), lang);
  assert.equal(await page.locator('main').count(), 1);
  assert.equal(await page.locator('h1').count(), 1);
  assert.equal(await page.locator('main > :first-child').textContent(), 'Test Site', 'the site name from the configuration');
  // No horizontal scrolling on a phone.
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  return (await page.locator('h1').textContent()) ?? '';
}

after(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
});

describe('a person asks for their data, in Chromium, against the whole product', () => {
  let stack: Stack;
  let requestId = '';
  let downloadUrl = '';
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  test('form → neutral answer → confirmation mail → confirmed page → download mail → download page → ZIP', async () => {
    const phone = await openPage(stack, { width: 375, height: 740 });
    const phoneResponse = await phone.goto(`${stack.baseUrl}/request`);
    assert.equal(phoneResponse?.headers()['content-security-policy'], CSP);
    assert.equal(await checkPage(phone), 'Request your personal data');
    await screenshot(phone, 'public-request-form-phone');

    const page = await openPage(stack);
    await page.goto(`${stack.baseUrl}/request`);
    await checkPage(page);
    await screenshot(page, 'public-request-form');

    // The honeypot is off-screen and out of the tab order: Tab goes email → choice → where you live → button.
    const trap = await page.locator('#website').boundingBox();
    assert.ok(trap && trap.x + trap.width < 0, 'the honeypot is off-screen');
    await page.getByLabel('Your email address').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').getAttribute('value'), 'export');
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').getAttribute('id'), 'regime');
    assert.equal(await page.getByLabel('Where do you live?').inputValue(), 'gdpr', 'the configured default is chosen');
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').getAttribute('id'), 'locale');
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').textContent(), 'Send request');
    assert.equal(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle'), 'solid', 'keyboard focus is visible');

    // A typo: the server explains it in the form and keeps what was typed.
    await page.getByLabel('Your email address').fill('alex.doe@example');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.waitForLoadState();
    assert.match((await page.locator('#email-error').textContent()) ?? '', /correct format/);
    assert.equal(await page.getByLabel('Your email address').inputValue(), 'alex.doe@example');
    await screenshot(page, 'public-request-invalid');

    await page.getByLabel('Your email address').fill(DEMO_PERSON);
    await page.getByLabel('Send me a copy of my data').check();
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.waitForLoadState();
    assert.equal(await checkPage(page), 'Check your email');
    assert.match((await page.locator('main').textContent()) ?? '', new RegExp(NEUTRAL));
    await screenshot(page, 'public-request-sent');

    const confirmation = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Confirm Action: Export Personal Data/.test(m.subject));
    const confirmLink = stack.linkIn(confirmation, `${stack.baseUrl}/confirm?`);
    requestId = new URL(confirmLink).searchParams.get('id') ?? '';
    const prompt = await page.goto(confirmLink);
    assert.equal(prompt?.status(), 200);
    assert.equal(prompt?.headers()['referrer-policy'], 'no-referrer');
    assert.equal(await page.locator('meta[name=robots]').getAttribute('content'), 'noindex');
    assert.equal(await checkPage(page), 'Confirm your request for a copy of your data');
    await screenshot(page, 'public-confirm-prompt');
    assert.equal((await stack.api('GET', `/api/requests/${requestId}`)).body.status, 'pending', 'opening the link confirmed nothing');
    await page.getByRole('button', { name: 'Confirm and send me my data' }).click();
    await page.waitForLoadState();
    assert.equal(await checkPage(page), 'Thanks for confirming your export request');
    await screenshot(page, 'public-confirmed');

    const delivery = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Personal Data Export$/.test(m.subject));
    downloadUrl = stack.linkIn(delivery, `${stack.baseUrl}/exports/`);
    const done = await waitForStatus(stack, requestId, 'completed');
    const shown = await page.goto(downloadUrl);
    assert.equal(shown?.status(), 200);
    assert.match(shown?.headers()['content-type'] ?? '', /^text\/html/);
    assert.equal(await checkPage(page), 'Your personal data is ready');
    const text = (await page.locator('main').textContent()) ?? '';
    assert.match(text, /we will delete this file on \d{1,2} \w+ \d{4}, \d\d:\d\d UTC/);
    assert.match(text, /index\.html.*web browser/);
    assert.match(text, /export\.json/);
    const deletesAt = Date.parse((await page.locator('time').getAttribute('datetime')) ?? '');
    assert.ok(
      Math.abs(deletesAt - Date.parse(done.download.expiresAt)) < 60_000,
      `the page says ${new Date(deletesAt).toISOString()}, the request ${done.download.expiresAt}`,
    );
    await screenshot(page, 'public-download');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download your data/ }).click()]);
    assert.equal(download.suggestedFilename(), 'personal-data-export.zip');
    const entries = await unzip(new Uint8Array(await readFile(await download.path())));
    const json = JSON.parse(entries.get('export.json') as string);
    assert.ok(json[`Personal Data Export for ${DEMO_PERSON}`], 'the export is for the person who asked');
    assert.ok(entries.get('index.html'));
  });

  test('a repeated or broken confirmation link says so', async () => {
    const page = await openPage(stack);
    const confirmation = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Confirm Action/.test(m.subject));
    await page.goto(stack.linkIn(confirmation, `${stack.baseUrl}/confirm?`));
    assert.equal(await checkPage(page), 'This request is already confirmed');
    await screenshot(page, 'public-already-confirmed');

    const broken = await page.goto(`${stack.baseUrl}/confirm?id=${requestId}&key=${'x'.repeat(43)}`);
    assert.equal(broken?.status(), 400);
    assert.equal(await checkPage(page), 'This link is not valid');
    await screenshot(page, 'public-invalid-link');
    await page.getByRole('link', { name: 'Send a new request' }).click();
    await page.waitForLoadState();
    assert.equal(new URL(page.url()).pathname, '/request', 'the link back is relative and right');
  });

  test('scripts still get the ZIP itself at the mailed link', async () => {
    const response = await fetch(downloadUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.equal(response.headers.get('vary'), 'Accept, Accept-Language');
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.ok((await unzip(bytes)).has('export.json'));
    const head = await fetch(downloadUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(bytes.length));
  });

  test('after deletion: 410 page; an unknown file: 404 page', async () => {
    const deleted = await stack.api('DELETE', `/api/requests/${requestId}/export`);
    assert.ok(deleted.status < 300, JSON.stringify(deleted.body));
    // The deletion runs in the request's clean-up workflow: wait for it.
    const deadline = Date.now() + 20_000;
    while ((await fetch(downloadUrl, { method: 'HEAD' })).status !== 410) {
      assert.ok(Date.now() < deadline, 'the export was not deleted within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const page = await openPage(stack);
    const gone = await page.goto(downloadUrl);
    assert.equal(gone?.status(), 410);
    assert.equal(await checkPage(page), 'This file is no longer available');
    // An admin deleted it before the date the mail gave: the page must not claim it went "as promised".
    const said = (await page.locator('main').textContent()) ?? '';
    assert.doesNotMatch(said, /as promised/);
    assert.match(said, /removed it before the date in the email/);
    await screenshot(page, 'public-gone');
    assert.equal((await fetch(`${downloadUrl}/download`)).status, 410);
    assert.equal((await fetch(downloadUrl)).status, 410);

    const unknown = await page.goto(`${stack.baseUrl}/exports/dsr-export-${'a'.repeat(43)}.zip`);
    assert.equal(unknown?.status(), 404);
    assert.equal(await checkPage(page), 'File not found');
    await page.getByRole('link', { name: 'Ask for your data again' }).click();
    await page.waitForLoadState();
    assert.equal(new URL(page.url()).pathname, '/request');
    assert.equal((await fetch(`${stack.baseUrl}/exports/..%2Fplugins.yaml`, { headers: { Accept: 'text/html' } })).status, 404);
  });

  test('a German browser: form, confirmation, mails, download page and the report in German', async () => {
    const page = await openPage(stack, { width: 375, height: 740 }, 'de-DE');
    await page.goto(`${stack.baseUrl}/request`);
    assert.equal(await checkPage(page, 'de'), 'Ihre personenbezogenen Daten anfordern');
    assert.equal(await page.getByLabel('Sprache unserer E-Mails').inputValue(), 'de', 'the browser’s language, preselected');
    await screenshot(page, 'public-request-form-de-phone');
    await page.getByLabel('Ihre E-Mail-Adresse').fill(DEMO_PERSON);
    await page.getByLabel('Mir eine Kopie meiner Daten senden').check();
    await page.getByRole('button', { name: 'Antrag senden' }).click();
    await page.waitForLoadState();
    assert.equal(await checkPage(page, 'de'), 'Sehen Sie in Ihr Postfach');

    const confirmation = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Aktion bestätigen/.test(m.subject));
    await page.goto(stack.linkIn(confirmation, `${stack.baseUrl}/confirm?`));
    assert.equal(await checkPage(page, 'de'), 'Bestätigen Sie Ihren Antrag auf eine Kopie Ihrer Daten');
    await page.getByRole('button', { name: 'Bestätigen und meine Daten senden' }).click();
    await page.waitForLoadState();
    assert.equal(await checkPage(page, 'de'), 'Danke für die Bestätigung Ihres Exportantrags');

    const delivery = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Export personenbezogener Daten$/.test(m.subject));
    assert.match(delivery.text, /^Hallo,/);
    await page.goto(stack.linkIn(delivery, `${stack.baseUrl}/exports/`));
    assert.equal(await checkPage(page, 'de'), 'Ihre personenbezogenen Daten sind bereit');
    const text = (await page.locator('main').textContent()) ?? '';
    assert.match(text, /löschen wir diese Datei am \d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}, \d\d:\d\d UTC/);
    assert.match(text, /processing\.json: was wir mit Ihren Daten tun/);
    await screenshot(page, 'public-download-de-phone');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Ihre Daten herunterladen/ }).click()]);
    const entries = await unzip(new Uint8Array(await readFile(await download.path())));
    const html = entries.get('index.html') ?? '';
    assert.match(html, /<html lang="de">/);
    assert.match(html, /<h1 id="top">Export personenbezogener Daten<\/h1>/);
    assert.match(html, /Wie wir Ihre Daten verwenden, und Ihre Rechte/);
    assert.ok(JSON.parse(entries.get('export.json') ?? '{}')[`Export personenbezogener Daten für ${DEMO_PERSON}`]);
  });
});

describe('no enumeration, limits and origin, against the whole product', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ confirmTtlMs: 4000 });
  });
  after(async () => {
    await stack?.close();
  });

  const post = (fields: Record<string, string>, origin = stack.baseUrl) =>
    fetch(`${stack.baseUrl}/request`, { method: 'POST', headers: { Origin: origin }, body: new URLSearchParams(fields) });

  test('unknown, known, duplicate and bot get byte-identical answers; the bot creates nothing; the link then expires', async () => {
    const bot = `bot-${Date.now()}@example.com`;
    const answers = [
      await post({ email: `nobody-${Date.now()}@example.com`, action: 'export' }),
      await post({ email: DEMO_PERSON, action: 'export' }),
      await post({ email: DEMO_PERSON, action: 'export' }),
      await post({ email: bot, action: 'export', website: 'http://buy.example' }),
    ];
    const bodies = await Promise.all(answers.map((answer) => answer.text()));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 200],
    );
    for (const body of bodies.slice(1)) assert.equal(body, bodies[0]);

    const mail = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Confirm Action/.test(m.subject));
    // Ask Temporal itself, by the keyed subject hash the workflows are found by.
    const runs = async (email: string) => {
      let count = 0;
      for await (const _ of stack.client.workflow.list({ query: `DsrSubject = '${subjectHash(new Secret(stack.appSecret), email)}'` })) count += 1;
      return count;
    };
    assert.equal(await runs(DEMO_PERSON), 1, 'the duplicate created nothing');
    assert.equal(await runs(bot), 0, 'the honeypot created nothing');
    assert.ok(!stack.mail.messages().some((m) => m.to.includes(bot)), 'and mailed nothing');
    assert.equal(stack.mail.messages().filter((m) => m.to.includes(DEMO_PERSON)).length, 1, 'one mail for the known person');

    const id = new URL(stack.linkIn(mail, `${stack.baseUrl}/confirm?`)).searchParams.get('id') ?? '';
    const failed = await waitForStatus(stack, id, 'failed', 20_000);
    assert.equal(failed.reason, 'expired');
    const page = await openPage(stack);
    const expired = await page.goto(stack.linkIn(mail, `${stack.baseUrl}/confirm?`));
    assert.equal(expired?.status(), 410);
    assert.equal(await checkPage(page), 'This link has expired');
    await screenshot(page, 'public-expired-link');
  });

  test('a cross-site POST gets 403; the sixth form from one address in the window gets 429', async () => {
    const crossSite = await post({ email: 'victim@example.com', action: 'erase' }, 'http://evil.example');
    assert.equal(crossSite.status, 403);
    // Four forms so far from this address (the 403 did not count); a fifth with a typo counts too.
    assert.equal((await post({ email: 'typo@example', action: 'export' })).status, 400);
    const refused = await post({ email: 'sixth@example.com', action: 'export' });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const page = await openPage(stack);
    await page.setContent(await refused.text());
    await screenshot(page, 'public-too-many');
  });
});

test('the 410 page says "as promised" only when the export went at the end of its retention', async () => {
  const { exportGone } = await import('../server/public/pages.ts');
  assert.match(String(await exportGone('en', '', false)), /We deleted this export as promised in the email/);
  const early = String(await exportGone('en', '', true));
  assert.doesNotMatch(early, /as promised/);
  assert.match(early, /before the date in the email/);
});
