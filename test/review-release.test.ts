/**
 * Review before release and named people, on the real stack: an export
 * waits in "reviewing" (the person gets nothing), a reviewer previews the
 * draft (sandboxed), withholds a group and an item with reasons, approves;
 * the delivered ZIP leaves them out and says how many of which group and
 * why; a rejection is a denial; a reviewer may not delete or cancel; every
 * step is recorded with its author, shown on the request page and in the
 * release record. Chromium screenshots of the review page and of the
 * report's section on what is done with the data, desktop and phone.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { hashPassword, hashToken, loadAdminUsers, verifyPassword } from '../server/accounts.ts';
import { launchBrowser, screenshot } from './helpers/browser.ts';
import { type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const ALICE = { token: 'dsr_alice-0123456789abcdefghijklmnopqrstuvwxyz', password: 'alice correct horse' };
const ROB = { token: 'dsr_rob-0123456789abcdefghijklmnopqrstuvwxyzAB', password: 'rob battery staple' };

describe('review before release, by named people', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      reviewMode: 'optional',
      adminUsers: [
        { name: 'Alice Admin', email: 'alice@example.com', role: 'admin', passwordHash: await hashPassword(ALICE.password), tokenHash: hashToken(ALICE.token) },
        { name: 'Rob Reviewer', email: 'rob@example.com', role: 'reviewer', passwordHash: await hashPassword(ROB.password), tokenHash: hashToken(ROB.token) },
      ],
    });
  });
  after(async () => {
    await stack?.close();
  });

  const as = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const signIn = async (name: string, password: string) => {
    const login = await fetch(`${stack.baseUrl}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Origin: stack.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: name, password, next: '/admin' }),
    });
    assert.equal(login.status, 303, `${name} signs in`);
    return (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  };
  const draftFiles = async () => (await readdir(`${stack.paths.root}/exports`)).filter((name) => name.startsWith('dsr-draft-') && name.endsWith('.zip'));

  let approvedId = '';

  test('withhold a group and an item, approve: the ZIP leaves them out and says how many and why', async () => {
    const created = await as(ALICE.token, 'POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true, review: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    approvedId = id;
    const waiting = await waitForStatus(stack, id, 'reviewing');
    assert.ok(
      waiting.review.groups.some((group: { group: string }) => group.group === 'comments'),
      JSON.stringify(waiting.review),
    );
    assert.equal(waiting.download, undefined, 'nothing for the person yet');
    assert.ok(waiting.deadline.dueAt, 'the legal clock keeps running');
    assert.equal(stack.mail.messages().filter((m) => m.to.includes(DEMO_PERSON) && /Personal Data Export$/.test(m.subject)).length, 0, 'no download mail');

    // The reviewer's preview: the draft as the person would get it, ids shown, sandboxed.
    const cookie = await signIn('Rob Reviewer', ROB.password);
    const preview = await fetch(`${stack.baseUrl}/admin/requests/${id}/preview/index.html`, { headers: { Cookie: cookie } });
    assert.equal(preview.status, 200);
    assert.match(preview.headers.get('content-security-policy') ?? '', /^sandbox; default-src 'none'/);
    assert.equal(preview.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.match(await preview.text(), /<caption class="item-id">/);
    const draftJson = JSON.parse(
      await (await fetch(`${stack.baseUrl}/admin/requests/${id}/preview/export.json`, { headers: { Cookie: cookie } })).text(),
    ) as Record<string, Record<string, { items: Record<string, { name: string; value: string }[]> }>>;
    const draft = Object.values(draftJson)[0] ?? {};
    const orderIds = Object.keys(draft.orders?.items ?? {});
    assert.ok(orderIds.length >= 2, 'the demo person has orders');
    const heldItem = orderIds[0] as string;
    // Values only this order holds (the person's name is in their account too).
    const draftText = JSON.stringify(draftJson);
    const heldValues = (draft.orders?.items[heldItem] ?? [])
      .map((pair) => JSON.stringify(String(pair.value)))
      .filter((value) => value.length > 8 && draftText.split(value).length === 2);
    assert.ok(heldValues.length > 0, 'the withheld order has values of its own');
    const commentCount = Object.keys(draft.comments?.items ?? {}).length;
    assert.ok(commentCount > 0);
    assert.equal((await fetch(`${stack.baseUrl}/admin/requests/${id}/preview/../../../plugins.yaml`, { headers: { Cookie: cookie } })).status, 404);
    assert.equal((await fetch(`${stack.baseUrl}/admin/requests/${id}/preview/index.html`, { redirect: 'manual' })).status, 303, 'only behind the sign-in');

    // Withholding: refused with the rule when wrong, recorded with its author when right.
    const about = await as(ROB.token, 'POST', `/api/requests/${id}/withhold`, { group: 'about', ground: 'rights-of-others', reason: 'x' });
    assert.equal(about.status, 409);
    assert.match(about.body.error.message, /About group/);
    const unknown = await as(ROB.token, 'POST', `/api/requests/${id}/withhold`, { group: 'nope', ground: 'rights-of-others', reason: 'x' });
    assert.match(unknown.body.error.message, /has no group "nope"/);
    const group = await as(ROB.token, 'POST', `/api/requests/${id}/withhold`, {
      group: 'comments',
      ground: 'rights-of-others',
      reason: 'The comments quote other customers by name.',
    });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    const item = await as(ROB.token, 'POST', `/api/requests/${id}/withhold`, {
      group: 'orders',
      item: heldItem,
      ground: 'legal-privilege',
      reason: 'This order is part of a dispute with our lawyers.',
    });
    assert.equal(item.status, 200, JSON.stringify(item.body));

    // A reviewer may review, never delete or cancel.
    const cancel = await as(ROB.token, 'POST', `/api/requests/${id}/cancel`);
    assert.equal(cancel.status, 403);
    assert.match(cancel.body.error.message, /Rob Reviewer is a reviewer; only an admin may/);

    const approved = await as(ROB.token, 'POST', `/api/requests/${id}/approve`, { note: 'Checked with legal.' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const done = await waitForStatus(stack, id, 'completed');
    assert.deepEqual(await draftFiles(), [], 'the draft is gone');
    const deleteByReviewer = await as(ROB.token, 'DELETE', `/api/requests/${id}/export`);
    assert.equal(deleteByReviewer.status, 403, 'a reviewer may not delete the export');

    const delivery = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Personal Data Export$/.test(m.subject));
    const zip = await unzip(new Uint8Array(await (await fetch(stack.linkIn(delivery, `${stack.baseUrl}/exports/`))).arrayBuffer()));
    const exported = Object.values(JSON.parse(zip.get('export.json') ?? '{}'))[0] as Record<string, { items: Record<string, unknown> }>;
    assert.equal(exported.comments, undefined, 'the withheld group is left out');
    assert.equal(exported.orders?.items[heldItem], undefined, 'the withheld item is left out');
    assert.equal(Object.keys(exported.orders?.items ?? {}).length, orderIds.length - 1, 'the other orders are there');
    const html = zip.get('index.html') ?? '';
    for (const file of [html, zip.get('export.json') ?? '', zip.get('processing.json') ?? '']) {
      for (const value of heldValues) assert.ok(!file.includes(JSON.parse(value)), `a withheld value (${value}) is in the delivered copy`);
      assert.doesNotMatch(file, /caption class="item-id"/, 'ids are for the reviewer only');
    }
    assert.match(html, /What we did not include, and why/);
    assert.match(
      html,
      new RegExp(
        `all of Comments \\(${commentCount} items?\\): it would adversely affect the rights and freedoms of others \\(GDPR Art\\. 15\\(4\\)\\)\\. The comments quote other customers by name\\.`,
      ),
    );
    assert.match(html, /1 item of Orders: it is covered by legal professional privilege\. This order is part of a dispute with our lawyers\./);
    const processing = JSON.parse(zip.get('processing.json') ?? '{}');
    assert.deepEqual(
      processing.withheld.map((held: { group: string; items: number; wholeGroup: boolean }) => [held.group, held.items, held.wholeGroup]),
      [
        ['comments', commentCount, true],
        ['orders', 1, false],
      ],
    );

    // Who did what: in the request, on its page, in the release record.
    const trail = done.audit.map((entry: { by: { name: string }; action: string }) => `${entry.by.name}: ${entry.action}`);
    assert.deepEqual(trail, ['Alice Admin: create', 'Rob Reviewer: withhold', 'Rob Reviewer: withhold', 'Rob Reviewer: approve']);
    const page = await (await fetch(`${stack.baseUrl}/admin/requests/${id}`, { headers: { Cookie: cookie } })).text();
    assert.match(page, /Who did what/);
    assert.match(page, /<strong>Alice Admin<\/strong> \(admin\) created the request/);
    assert.match(page, /<strong>Rob Reviewer<\/strong> \(reviewer\) approved the export — Checked with legal\./);
    const record = await as(ALICE.token, 'GET', `/api/requests/${id}/receipt`);
    assert.equal(record.status, 200);
    assert.equal(record.body.release.sha256, done.download.sha256);
    assert.deepEqual(
      record.body.release.review.withheld.map((held: { group: string; item?: string; items: number; by: { name: string } }) => [
        held.group,
        held.item ?? null,
        held.items,
        held.by.name,
      ]),
      [
        ['comments', null, commentCount, 'Rob Reviewer'],
        ['orders', heldItem, 1, 'Rob Reviewer'],
      ],
    );
    assert.equal(record.body.release.review.decision.by.name, 'Rob Reviewer');

    // After the request closed: an admin's early deletion is recorded with its author (the tombstone says who).
    assert.equal((await as(ALICE.token, 'DELETE', `/api/requests/${id}/export`)).status, 202);
    const deadline = Date.now() + 20_000;
    let after = done;
    while (after.audit.at(-1).action !== 'delete-export') {
      assert.ok(Date.now() < deadline, 'the deletion was not recorded');
      await new Promise((resolve) => setTimeout(resolve, 150));
      after = (await as(ALICE.token, 'GET', `/api/requests/${id}`)).body;
    }
    assert.equal(after.audit.at(-1).by.name, 'Alice Admin');
  });

  test('reject: the request ends as a denial, the person is told why, the draft is deleted', async () => {
    const created = await as(ALICE.token, 'POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true, review: true });
    const id = created.body.id as string;
    await waitForStatus(stack, id, 'reviewing');
    assert.equal((await draftFiles()).length, 1);
    const rejected = await as(ALICE.token, 'POST', `/api/requests/${id}/reject`, { ground: 'excessive', reason: 'The third identical request this week.' });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    const denied = await waitForStatus(stack, id, 'denied');
    assert.equal(denied.review.decision.decision, 'rejected');
    assert.equal(denied.review.decision.by.name, 'Alice Admin');
    assert.equal(denied.download, undefined);
    const mail = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /declined/.test(m.subject));
    assert.match(mail.text, /The third identical request this week\./);
    const deadline = Date.now() + 10_000;
    while ((await draftFiles()).length > 0) {
      assert.ok(Date.now() < deadline, 'the draft was not deleted');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(denied.audit.at(-1).action, 'reject');
  });

  test('review is refused where it is off or not an export; the API takes each person’s own token only', async () => {
    const erase = await as(ALICE.token, 'POST', '/api/requests', { email: 'x@example.com', action: 'erase', review: true });
    assert.equal(erase.status, 400);
    assert.match(erase.body.error.message, /review: only "export" requests are reviewed/);
    assert.equal((await as('dsr_not-a-token-0123456789', 'GET', '/api/requests')).status, 401);
    assert.equal((await as(ROB.token, 'GET', `/api/requests/${approvedId}`)).status, 200);
  });

  test('Chromium: the review page and the report’s new section, desktop and phone', async () => {
    const created = await as(ALICE.token, 'POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true, review: true });
    const id = created.body.id as string;
    await waitForStatus(stack, id, 'reviewing');
    const browser = await launchBrowser();
    try {
      for (const [device, viewport] of [
        ['desktop', { width: 1280, height: 900 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        const context = await browser.newContext({ viewport });
        const page = await context.newPage();
        await page.goto(`${stack.baseUrl}/admin/login`);
        await page.getByLabel('Username').fill('Rob Reviewer');
        await page.getByLabel('Password').fill(ROB.password);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.waitForLoadState();
        await page.goto(`${stack.baseUrl}/admin/requests/${id}`);
        assert.equal(await page.locator('#review-heading').textContent(), 'Review before release');
        assert.equal(await page.getByRole('button', { name: 'Cancel request' }).count(), 0, 'a reviewer is not offered what only an admin may do');
        // The frame shows the draft, and nothing in it may run.
        const frame = page.frameLocator('iframe.preview');
        assert.ok((await frame.locator('caption.item-id').count()) > 0, 'the preview shows item ids');
        await page.locator('#review-heading').scrollIntoViewIfNeeded();
        await screenshot(page, `admin-review-${device}`);
        await page.goto(`${stack.baseUrl}/admin/requests/${id}/preview/index.html#how-we-use-your-data`);
        assert.equal(await page.locator('#how-we-use-your-data').textContent(), 'How we use your data and your rights');
        await screenshot(page, `report-processing-section-${device}`);
        await context.close();
      }
    } finally {
      await browser.close();
    }
    await as(ALICE.token, 'POST', `/api/requests/${id}/cancel`);
  });
});

test('ADMIN_USERS: hashes made by the KDF verify; a file with a mistake says where', async () => {
  const hash = await hashPassword('a long enough password');
  assert.match(hash, /^scrypt\$N=32768,r=8,p=3\$/);
  assert.equal(await verifyPassword('a long enough password', hash), true);
  assert.equal(await verifyPassword('a long enough passwore', hash), false);
  const { writeFile, mkdtemp } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'admin-users-'));
  const file = join(dir, 'users.yaml');
  await writeFile(file, `- name: Ann\n  email: ann@example.com\n  role: boss\n  passwordHash: ${hash}\n`);
  await assert.rejects(loadAdminUsers(file), /ADMIN_USERS .*users\.yaml: 0\.role: expected one of admin, reviewer/);
  await writeFile(file, `- name: Ann\n  email: ann@example.com\n  role: admin\n  passwordHash: plain-text\n`);
  await assert.rejects(loadAdminUsers(file), /0\.passwordHash: expected a hash made by `npm run admin:user`/);
  await writeFile(
    file,
    `- name: Ann\n  email: ann@example.com\n  role: admin\n  passwordHash: ${hash}\n- name: ann\n  email: b@example.com\n  role: reviewer\n  tokenHash: ${hashToken('t')}\n`,
  );
  await assert.rejects(loadAdminUsers(file), /the name "ann" is given twice/);
});
