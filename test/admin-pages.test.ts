/**
 * The admin pages in a real Chromium against the whole stack: sign-in, the
 * list with its add-request form and bulk actions, a request's page with its
 * live progress bar, downloads and erasure results; CSRF and session checks.
 * Screenshots of each page go to .tmp/screenshots/admin-*.png.
 */
import { TOKEN_ACTOR } from '../model/audit.ts';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig, Secret } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { loginPage } from '../server/admin/login-page.ts';
import { createSessions } from '../server/admin/session.ts';
import { launchBrowser, screenshot } from './helpers/browser.ts';
import { demoManifest, FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

/** Three slow exporters ahead of the demo ones, so the progress is seen moving (six pages each, side by side). */
const SLOW = ['A', 'B', 'C']
  .map(
    (letter) => `  - key: slow-${letter.toLowerCase()}
    name: Slow numbers ${letter}
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 10
    settings: { total: 60, delayMs: 600, group: numbers-${letter.toLowerCase()}, label: Numbers ${letter}, prefix: ${letter.toLowerCase()} }
`,
  )
  .join('');

describe('admin sessions', () => {
  const secret = new Secret('s'.repeat(40));
  const adminToken = new Secret('token-0123456789abcdef');
  const adminLogin = { username: 'privacy-officer', password: new Secret('correct horse battery') };

  test('the token, or name and password when configured, and nothing else', async () => {
    const sessions = createSessions({ secret, adminToken, adminLogin });
    assert.deepEqual(await sessions.check({ token: adminToken.reveal() }), TOKEN_ACTOR);
    assert.equal(await sessions.check({ token: 'token-0123456789abcdeX' }), undefined);
    assert.deepEqual(await sessions.check({ username: 'privacy-officer', password: 'correct horse battery' }), { name: 'privacy-officer', role: 'admin' });
    assert.equal(await sessions.check({ username: 'privacy-officer', password: 'wrong' }), undefined);
    assert.equal(await sessions.check({ username: 'someone', password: 'correct horse battery' }), undefined);
    assert.equal(await createSessions({ secret, adminToken }).check({ username: 'privacy-officer', password: 'correct horse battery' }), undefined);
  });

  test('cookies are signed, expire after 8 h, and stop working once logged out', () => {
    let now = 1_000_000;
    const sessions = createSessions({ secret, adminToken, now: () => now });
    const { session, cookie } = sessions.create(TOKEN_ACTOR);
    assert.deepEqual(sessions.verify(cookie), session);
    const [id, expires] = cookie.split('.');
    assert.equal(sessions.verify(`${id}.${Number(expires) + 1}.${cookie.split('.').slice(2).join('.')}`), undefined, 'a stretched expiry breaks the signature');
    const [, , who, signature] = cookie.split('.');
    assert.equal(who && Buffer.from(who, 'base64url').toString(), '["admin token","admin"]');
    const promoted = Buffer.from('["someone","admin"]').toString('base64url');
    assert.equal(sessions.verify(`${id}.${expires}.${promoted}.${signature}`), undefined, 'another name breaks the signature');
    assert.equal(createSessions({ secret, adminToken: new Secret('another-token-0123456') }).verify(cookie), undefined, 'a new token ends old sessions');
    now += 8 * 3_600_000;
    assert.equal(sessions.verify(cookie), undefined, 'expired');
    now -= 1;
    assert.ok(sessions.verify(cookie));
    sessions.revoke(session);
    assert.equal(sessions.verify(cookie), undefined, 'logged out');
  });

  test('CSRF tokens belong to one session', () => {
    const sessions = createSessions({ secret, adminToken });
    const one = sessions.create(TOKEN_ACTOR).session;
    const two = sessions.create(TOKEN_ACTOR).session;
    assert.equal(sessions.checkCsrf(one, sessions.csrfToken(one)), true);
    assert.equal(sessions.checkCsrf(one, sessions.csrfToken(two)), false);
    assert.equal(sessions.checkCsrf(one, undefined), false);
  });

  test('failed sign-ins are limited per address', () => {
    let now = 0;
    const sessions = createSessions({ secret, adminToken, now: () => now, maxFailures: 3, failureWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) sessions.recordFailure('192.0.2.1');
    assert.ok(sessions.blockedFor('192.0.2.1') > 0);
    assert.equal(sessions.blockedFor('192.0.2.2'), 0, 'other addresses are not affected');
    now += 60_000;
    assert.equal(sessions.blockedFor('192.0.2.1'), 0, 'the window passes');
  });

  test('ADMIN_USERNAME and ADMIN_PASSWORD go together', async () => {
    const config = loadConfig({ ADMIN_USERNAME: 'officer', ADMIN_PASSWORD: 'long enough password' });
    assert.equal(config.adminLogin?.username, 'officer');
    assert.doesNotMatch(JSON.stringify(config), /long enough/);
    assert.throws(
      () => loadConfig({ ADMIN_USERNAME: 'officer' }),
      (error: unknown) => error instanceof ConfigError && /ADMIN_PASSWORD: must be set too/.test(error.message),
    );
    assert.throws(() => loadConfig({ ADMIN_USERNAME: 'officer', ADMIN_PASSWORD: 'short' }), /ADMIN_PASSWORD: must be at least 12 characters/);
    const form = String(await loginPage({ siteName: 'S', withPassword: true, next: '/admin', username: '<b>x</b>' }));
    assert.match(form, /<label for="username">Username<\/label>/);
    assert.match(form, /<label for="password">Password<\/label>/);
    assert.match(form, /value="&lt;b&gt;x&lt;\/b&gt;"/, 'escaped');
  });
});

describe('admin pages', () => {
  let stack: Stack;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;

  before(async () => {
    // One page per batch, so the workflow reports progress after every slow page.
    stack = await startStack({ batchBudgetMs: 200 });
    const manifest = demoManifest(stack.dbPath).replace('exporters:\n', `exporters:\n${SLOW}`);
    await writeFile(stack.manifestPath, manifest);
    browser = await launchBrowser();
    admin = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 800 } });
    page = await admin.newPage();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const listed = (id: string) => page.locator(`input[name="request_id"][value="${id}"]`);
  /** The list reads Temporal's visibility store, which lags a little behind: reload until `ready`. */
  async function reloadUntil(ready: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await ready())) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await page.reload();
    }
  }
  const addForm = () => page.getByRole('region', { name: 'Add request' });
  const barValue = () => page.evaluate<number>(`document.getElementById('progress-bar').value`);
  const idFromUrl = () => decodeURIComponent(new URL(page.url()).pathname.split('/').pop() as string);

  test('without a session: pages redirect to the login form, XHR gets 401', async () => {
    const list = await fetch(`${stack.baseUrl}/admin?status=pending`, { redirect: 'manual' });
    assert.equal(list.status, 303);
    assert.equal(list.headers.get('location'), `/admin/login?next=${encodeURIComponent('/admin?status=pending')}`);
    const progress = await fetch(`${stack.baseUrl}/admin/requests/export-x/progress.json`, { redirect: 'manual' });
    assert.equal(progress.status, 401);
    const forged = await fetch(`${stack.baseUrl}/admin`, { redirect: 'manual', headers: { Cookie: 'dsr_admin=abc.99999999999999.forged' } });
    assert.equal(forged.status, 303, 'a forged cookie is no session');
  });

  test('login: a wrong token is refused, the right one opens the list; headers are strict', async () => {
    await page.goto(`${stack.baseUrl}/admin`);
    assert.match(page.url(), /\/admin\/login\?next=%2Fadmin$/);
    await screenshot(page, 'admin-login');
    await page.getByLabel('Admin token').fill('not-the-token');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/admin/login') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Log in' }).click(),
    ]);
    assert.equal(refused.status(), 401);
    await page.getByRole('alert').filter({ hasText: 'Cannot log in' }).waitFor();

    await page.getByLabel('Admin token').fill(stack.adminToken);
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log in' }).click()]);
    assert.equal(new URL(page.url()).pathname, '/admin');
    assert.equal(response?.status(), 200);
    await page.getByRole('heading', { level: 1, name: 'Privacy requests' }).waitFor();

    const headers = response?.headers() ?? {};
    assert.match(headers['content-security-policy'] ?? '', /default-src 'none'; script-src 'self';.*frame-ancestors 'none'/);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    assert.equal(headers['cache-control'], 'no-store');
    const [cookie] = await admin.cookies();
    assert.equal(cookie?.name, 'dsr_admin');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(cookie?.path, '/admin');
    assert.ok((cookie?.expires ?? 0) * 1000 <= Date.now() + 8 * 3_600_000 + 60_000, 'the session lasts 8 h');
  });

  test('export: added with a confirmation email, confirmed by the person, watched to completion, downloaded', async () => {
    await page.goto(`${stack.baseUrl}/admin`);
    await addForm().getByLabel('Email address').fill(DEMO_PERSON);
    await page.getByLabel('Export personal data').check();
    await page.getByLabel('Send a confirmation email to the person').check();
    await page.getByRole('button', { name: 'Add request' }).click();
    const added = page.getByRole('status').filter({ hasText: `Added the export request for ${DEMO_PERSON}` });
    await added.waitFor();
    await screenshot(page, 'admin-add-request-result');

    // The same person and action again: refused, naming the existing request.
    await addForm().getByLabel('Email address').fill(DEMO_PERSON.toUpperCase());
    await page.getByRole('button', { name: 'Add request' }).click();
    const duplicate = page.getByRole('alert').filter({ hasText: 'already exists' });
    await duplicate.waitFor();
    await duplicate.getByRole('link', { name: /View request export-/ }).click();
    const id = idFromUrl();
    assert.match(id, /^export-[0-9a-f]{32}-[a-z0-9]{10}$/);
    await page.getByRole('heading', { level: 1, name: `Export request for ${DEMO_PERSON}` }).waitFor();
    await page.getByText('Waiting for confirmation').waitFor();
    assert.ok(await page.getByRole('button', { name: 'Resend confirmation email' }).isVisible());

    // The person confirms through the link in the real mail, in a browser of their own.
    const mail = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Confirm Action/.test(m.subject));
    const person = await browser.newContext();
    const personPage = await person.newPage();
    const confirmed = await personPage.goto(stack.linkIn(mail, `${stack.baseUrl}/confirm?`));
    assert.equal(confirmed?.status(), 200);
    await personPage.getByRole('button', { name: 'Confirm and send me my data' }).click();
    await personPage.getByRole('heading', { name: 'Thanks for confirming your export request' }).waitFor();
    await person.close();

    // The admin's page follows without a reload: the exporters side by side, each at its page, the bar counting those done.
    const bar = page.locator('progress#progress-bar');
    const text = page.locator('#progress-text');
    const seen = new Map<string, number>(); // text → bar value
    const doneIn = (t: string) => Number(/^(\d+) of 8 exporters done/.exec(t)?.[1] ?? Number.NaN);
    let shot: string | undefined;
    const deadline = Date.now() + 30_000;
    const progressSeen = () => [...seen.keys()].filter((t) => /^\d+ of 8 exporters done/.test(t));
    // Until the five quick exporters are done beside the slow ones, and the slow ones have moved a page on.
    while (!progressSeen().some((t) => doneIn(t) >= 5) || progressSeen().length < 2) {
      assert.ok(
        Date.now() < deadline,
        `the progress never showed the five quick exporters done and the slow ones moving; seen: ${[...seen.keys()].join(' | ')}`,
      );
      const now = await text.textContent().catch(() => null);
      if (now && !seen.has(now)) {
        const value = await barValue().catch(() => undefined); // undefined while the page reloads for a new status
        if (value !== undefined) seen.set(now, value);
        if (/at work: Slow numbers A/.test(now) && !shot) shot = await screenshot(page, 'admin-request-in-progress');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await bar.getAttribute('max'), '8');
    const sideBySide =
      /^\d of 8 exporters done; at work: Slow numbers A \(page \d+\), Slow numbers B \(page \d+\), Slow numbers C \(page \d+\); \d+ items exported so far\.$/;
    assert.ok(
      [...seen.keys()].some((t) => sideBySide.test(t)),
      `the three slow exporters at work side by side: ${[...seen.keys()].join(' | ')}`,
    );
    const progressTexts = [...seen].filter(([t]) => /^\d+ of 8 exporters done/.test(t));
    assert.ok(progressTexts.length >= 2, `the text follows page by page: ${[...seen.keys()].join(' | ')}`);
    for (const [t, value] of progressTexts) assert.equal(value, doneIn(t), `the bar counts the exporters done: ${t}`);

    // Completed: the script reloads once to show the final state and the downloads.
    await page.getByRole('heading', { name: 'Status: Completed' }).waitFor({ timeout: 60_000 });
    assert.equal(await bar.count(), 0, 'no progress bar once final');
    await page.getByText('by the person').waitFor();
    await screenshot(page, 'admin-request-completed');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download export' }).click()]);
    assert.equal(download.suggestedFilename(), `personal-data-export-${id}.zip`);
    const entries = await unzip(new Uint8Array(await readFile((await download.path()) as string)));
    assert.deepEqual([...entries.keys()].sort(), ['export.json', 'index.html', 'processing.json']);
    const report = JSON.parse(entries.get('export.json') as string)[`Personal Data Export for ${DEMO_PERSON}`];
    assert.equal(Object.keys(report['numbers-b'].items).length, 60);
    assert.ok(report.user, 'the demo person’s account is in it');

    const done = await waitForStatus(stack, id, 'completed');
    assert.equal(done.confirmedBy, 'person');
    assert.ok(await page.getByRole('button', { name: 'Delete export now' }).isVisible());
  });

  test('erasure: "erase now" runs the erasers and shows each one’s result and the receipt', async () => {
    await page.goto(`${stack.baseUrl}/admin`);
    await addForm().getByLabel('Email address').fill(DEMO_PERSON);
    await page.getByLabel('Erase personal data').check();
    await page.getByRole('button', { name: 'Add request' }).click();
    const added = page.getByRole('status').filter({ hasText: `Added the erasure request for ${DEMO_PERSON}` });
    await added.getByRole('link', { name: 'View the request' }).click();
    const id = idFromUrl();
    await page.getByRole('heading', { level: 1, name: `Erasure request for ${DEMO_PERSON}` }).waitFor();

    // Irreversible: the page asks first, and "Cancel" in that dialog sends nothing.
    const asked: string[] = [];
    page.once('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('button', { name: 'Erase now' }).click();
    await page.waitForTimeout(500);
    assert.match(asked[0] ?? '', /Erase this person's data now.*cannot be undone/);
    assert.equal((await stack.api('GET', `/api/requests/${id}`)).body.status, 'pending', 'dismissing the question erased nothing');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Erase now' }).click();
    await page.getByRole('status').filter({ hasText: 'Confirmed. The erasure is starting.' }).waitFor();
    await page.getByRole('heading', { name: 'Status: Completed' }).waitFor({ timeout: 60_000 });

    const results = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Eraser' }) });
    for (const name of ['Comments', 'Session tokens', 'Uploaded files', 'Orders and invoices', 'Account']) {
      await results.getByRole('rowheader', { name: new RegExp(`^${name}`) }).waitFor();
    }
    const orders = results.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^Orders and invoices/ }) });
    assert.match((await orders.textContent()) ?? '', /tax law/i, 'what was kept, and why');
    await page.getByText('Receipt SHA-256').waitFor();
    await page.getByText('by an admin').waitFor();
    await screenshot(page, 'admin-erasure-result');
    // On a 390 px phone: no table (the erasers' results, the details) makes the page scroll sideways.
    const phone = await admin.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(page.url());
    await phone.getByText('Receipt SHA-256').waitFor();
    const tooWide = await phone.evaluate<string[]>(`[...document.querySelectorAll('table, dl, pre, .mono')]
      .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))`);
    assert.deepEqual(tooWide, [], 'nothing wider than the screen');
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
    await screenshot(phone, 'admin-erasure-result-390');
    await phone.close();

    const [receipt] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download receipt' }).click()]);
    const body = JSON.parse(await readFile((await receipt.path()) as string, 'utf8'));
    assert.ok(JSON.stringify(body).includes(id));
    await waitForStatus(stack, id, 'completed');
  });

  test('bulk: two pending requests marked completed, with a summary per request', async () => {
    const ids: string[] = [];
    for (const email of ['bulk.one@example.com', 'bulk.two@example.com']) {
      const created = await stack.api('POST', '/api/requests', { email, action: 'export' });
      assert.equal(created.status, 201);
      ids.push(created.body.id);
    }
    await page.goto(`${stack.baseUrl}/admin?status=pending`);
    await reloadUntil(
      async () => (await listed(ids[0] as string).count()) + (await listed(ids[1] as string).count()) === 2,
      'both pending requests in the list',
    );
    await screenshot(page, 'admin-list');
    for (const id of ids) await listed(id).check();
    await page.getByLabel('Bulk action').selectOption('complete');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Apply to selected' }).click();
    const summary = page.getByRole('status').filter({ hasText: '2 requests marked as completed.' });
    await summary.waitFor();
    for (const email of ['bulk.one@example.com', 'bulk.two@example.com']) await summary.getByRole('link', { name: new RegExp(email) }).waitFor();
    for (const id of ids) assert.equal((await waitForStatus(stack, id, 'completed')).reason, 'marked completed by an admin');

    // Again on the same two: both refused, each saying why.
    await page.goto(`${stack.baseUrl}/admin?status=completed`);
    await reloadUntil(
      async () => (await listed(ids[0] as string).count()) + (await listed(ids[1] as string).count()) === 2,
      'both completed requests in the list',
    );
    for (const id of ids) await listed(id).check();
    await page.getByLabel('Bulk action').selectOption('complete');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Apply to selected' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'Cannot mark 2 requests as completed' });
    await refused.waitFor();
    assert.equal(
      await refused
        .getByRole('listitem')
        .filter({ hasText: /is completed/ })
        .count(),
      2,
    );
  });

  test('search by email matches the whole address in any case', async () => {
    await page.goto(`${stack.baseUrl}/admin?email=${encodeURIComponent('BULK.ONE@example.com')}`);
    await reloadUntil(async () => (await page.locator('input[name="request_id"]').count()) === 1, 'the one request of bulk.one');
    await page.getByRole('rowheader', { name: 'bulk.one@example.com' }).waitFor();
    await page.goto(`${stack.baseUrl}/admin?email=bulk.one`);
    await page.getByRole('alert').filter({ hasText: 'enter a whole email address' }).waitFor();
  });

  test('CSRF: a POST with the session but without the token, or from another origin, is refused', async () => {
    await page.goto(`${stack.baseUrl}/admin`);
    // Same origin, with the session cookie, but no CSRF field.
    const status = await page.evaluate<number>(
      `fetch('/admin/requests', { method: 'POST', credentials: 'same-origin', body: new URLSearchParams({ email: 'csrf@example.com', action: 'export', confirm: 'now' }) }).then((r) => r.status)`,
    );
    assert.equal(status, 403);
    const token = await page.locator('input[name="csrf"]').first().inputValue();
    const cookies = (await admin.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const foreign = await fetch(`${stack.baseUrl}/admin/requests`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookies, Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: token, email: 'csrf@example.com', action: 'export' }),
    });
    assert.equal(foreign.status, 403, 'a right token from another origin is refused too');
    const ok = await fetch(`${stack.baseUrl}/admin/requests`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookies, Origin: stack.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: token, email: 'csrf@example.com', action: 'export', confirm: 'email' }),
    });
    assert.equal(ok.status, 303, 'the same form with token and origin is accepted');
    assert.equal((await stack.api('GET', `/api/requests?email=csrf@example.com`)).body.requests.length, 1, 'only the accepted form created a request');
  });

  test('the list works at 375 px wide', async () => {
    const phone = await admin.newPage();
    await phone.setViewportSize({ width: 375, height: 740 });
    await phone.goto(`${stack.baseUrl}/admin`);
    await phone.getByRole('heading', { level: 1, name: 'Privacy requests' }).waitFor();
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
    await screenshot(phone, 'admin-list-375');
    await phone.close();
  });

  test('logout ends the session, even for a replayed cookie', async () => {
    await page.goto(`${stack.baseUrl}/admin`);
    const cookies = (await admin.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    const replay = await fetch(`${stack.baseUrl}/admin`, { redirect: 'manual', headers: { Cookie: cookies } });
    assert.equal(replay.status, 303);
  });
});
