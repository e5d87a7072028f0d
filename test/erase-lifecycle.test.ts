/**
 * An erasure request end to end over HTTP, a real SMTP server, a real
 * Temporal dev server and the seeded demo database: what must go is gone,
 * what the law keeps is kept and explained, and the receipt proves it.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { receiptDigest } from '../activities/receipts.ts';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { confirmByLink, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

function dump(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return JSON.stringify(
      tables.map((name) => [
        name,
        db
          .prepare(`SELECT * FROM "${name}"`)
          .all()
          .map((row) => JSON.stringify(row))
          .sort(),
      ]),
    );
  } finally {
    db.close();
  }
}

function query<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

describe('erasure lifecycle', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  test('a dry run reports what would be erased and changes nothing', async () => {
    const before = dump(stack.dbPath);
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'erase', dryRun: true, skipConfirmation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(done.dryRun, true);
    const comments = done.erasure.erasers.find((e: { key: string }) => e.key === 'demo-comments');
    assert.equal(comments.removed, 13, 'all 13 of the person’s comments would be erased');
    assert.match(comments.messages.join(' '), /Would/);
    assert.equal(dump(stack.dbPath), before, 'not one row changed');
    assert.equal(stack.mail.messages().filter((m) => /Erasure Request Fulfilled/.test(m.subject)).length, 0);
  });

  test('create → confirm by the mailed link → erasers run → fulfilment mail with the reasons → receipt', async () => {
    const others = query(stack.dbPath, 'SELECT * FROM comments WHERE lower(author_email) <> lower(?) ORDER BY id', DEMO_PERSON);
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'erase' });
    assert.equal(created.status, 201);
    assert.equal(created.body.action, 'erase');
    const confirmation = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Confirm Action: Erase Personal Data/.test(m.subject));
    // The mailed link explains what erasure means and confirms nothing until the button is pressed.
    const link = stack.linkIn(confirmation, `${stack.baseUrl}/confirm?`);
    const prompt = await (await fetch(link)).text();
    assert.match(prompt, /Confirm that you want your data erased/);
    assert.match(prompt, /cannot be undone/);
    const url = new URL(link);
    const form = new URLSearchParams({ id: url.searchParams.get('id') ?? '', key: url.searchParams.get('key') ?? '' });
    const forged = await fetch(`${stack.baseUrl}/confirm`, { method: 'POST', body: form, headers: { Origin: 'https://evil.example' } });
    assert.equal(forged.status, 403, 'a post from another site is refused');
    assert.equal((await stack.api('GET', `/api/requests/${created.body.id}`)).body.status, 'pending', 'opening the link confirmed nothing');
    const page = await confirmByLink(link);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Thanks for confirming your erasure request/);

    const fulfilled = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Erasure Request Fulfilled/.test(m.subject));
    assert.match(fulfilled.text, /What we erased:/);
    assert.match(fulfilled.text, /- Comments: Anonymised your comments: author name, email, IP address/);
    assert.match(fulfilled.text, /- Comments: Deleted your comments in full/);
    assert.match(fulfilled.text, /- Session tokens: Deleted 2 session tokens\./);
    assert.match(fulfilled.text, /What we kept, and why:\n {2}- Orders and invoices: .*tax law/i);
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(done.confirmedBy, 'person');
    assert.deepEqual(
      done.erasure.erasers.map((e: { key: string }) => e.key),
      ['demo-comments', 'demo-sessions', 'demo-media', 'demo-orders', 'demo-user'],
    );
    const byKey = Object.fromEntries(done.erasure.erasers.map((e: { key: string }) => [e.key, e]));
    assert.equal(byKey['demo-comments'].removed, 13);
    assert.equal(byKey['demo-sessions'].removed, 2);
    assert.equal(byKey['demo-media'].removed, 3);
    assert.equal(byKey['demo-orders'].retained, 2);
    assert.equal(byKey['demo-orders'].itemsRemoved, false);
    assert.equal(done.erasure.totals.itemsRetained, true);

    // The database: erasable data gone, retained data still there, other people untouched.
    assert.equal(query(stack.dbPath, 'SELECT id FROM comments WHERE lower(author_email) = lower(?)', DEMO_PERSON).length, 0);
    const anonymised = query<{ author_name: string; author_ip: string; content: string }>(
      stack.dbPath,
      "SELECT * FROM comments WHERE author_name = 'Anonymous'",
    );
    assert.ok(anonymised.length >= 10 && anonymised.every((c) => c.content.length > 0 && /\.0$|::$|^0\.0\.0\.0$/.test(c.author_ip)), 'anonymised, text kept');
    assert.equal(
      query(stack.dbPath, "SELECT id FROM comments WHERE post_url = 'https://demo.example.com/2024/03/talk/' AND author_name = 'Anonymous'").length,
      0,
      'comments on the marked post are deleted, not anonymised',
    );
    assert.deepEqual(
      query(stack.dbPath, "SELECT * FROM comments WHERE lower(author_email) <> lower(?) AND author_email <> '' ORDER BY id", DEMO_PERSON),
      others,
    );
    assert.equal(query(stack.dbPath, 'SELECT id FROM orders WHERE lower(billing_email) = lower(?)', DEMO_PERSON).length, 2);
    assert.equal(query(stack.dbPath, 'SELECT id FROM users WHERE lower(email) = lower(?)', DEMO_PERSON).length, 0);

    // The receipt: downloadable, its digest checks out, no erased data in it.
    const receipt = await stack.api('GET', `/api/requests/${created.body.id}/receipt`);
    assert.equal(receipt.status, 200);
    assert.equal(receipt.body.sha256, done.receipt.sha256);
    assert.equal(receiptDigest(receipt.body.receipt), receipt.body.sha256);
    assert.equal(receipt.body.receipt.requestedBy, DEMO_PERSON);
    assert.equal(receipt.body.receipt.confirmedBy, 'person');
    const text = JSON.stringify(receipt.body);
    for (const erased of ['First! Lovely write-up.', '192.0.2.10']) assert.ok(!text.includes(erased), `the receipt must not hold "${erased}"`);

    // An export now returns only what was retained.
    const exported = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true, sendAsEmail: false });
    const exportDone = await waitForStatus(stack, exported.body.id, 'completed');
    const zip = await unzip(new Uint8Array(await (await fetch(exportDone.download.url)).arrayBuffer()));
    const report = JSON.parse(zip.get('export.json') as string)[`Personal Data Export for ${DEMO_PERSON}`];
    assert.deepEqual(Object.keys(report), ['about', 'orders']);
  });

  test('erasing again finds nothing to erase and does not fail', async () => {
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'erase', skipConfirmation: true });
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(done.confirmedBy, 'admin');
    for (const eraser of done.erasure.erasers) assert.equal(eraser.removed, 0, `${eraser.key} erases nothing twice`);
    assert.equal(done.erasure.totals.itemsRemoved, false);
    assert.equal(done.erasure.erasers.find((e: { key: string }) => e.key === 'demo-orders').retained, 2);
  });

  test('an export and an erasure for the same person may be open at once; two erasures may not', async () => {
    const email = 'sam.roe@example.com';
    const erase = await stack.api('POST', '/api/requests', { email, action: 'erase' });
    const exportRequest = await stack.api('POST', '/api/requests', { email, action: 'export' });
    assert.equal(erase.status, 201);
    assert.equal(exportRequest.status, 201);
    const again = await stack.api('POST', '/api/requests', { email, action: 'erase' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.existingId, erase.body.id);
    const list = await stack.api('GET', '/api/requests?action=erase&status=pending');
    assert.ok(list.body.requests.some((r: { id: string }) => r.id === erase.body.id));
    assert.ok(list.body.requests.every((r: { action: string }) => r.action === 'erase'));
    await stack.api('POST', `/api/requests/${erase.body.id}/cancel`);
    await stack.api('POST', `/api/requests/${exportRequest.body.id}/cancel`);
    assert.equal((await waitForStatus(stack, erase.body.id, 'failed')).reason, 'cancelled');
  });
});
