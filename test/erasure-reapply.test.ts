/**
 * Re-applying a completed erasure after a backup was restored, on the real
 * stack with the seeded demo database: the erasers run again, what came
 * back is erased and counted, what is still gone counts nothing, and each
 * run is kept beside the receipt, chained to it by digest.
 */
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { adminCookie, type Stack, startStack, waitForStatus } from './helpers/stack.ts';

/** Puts the person's rows back from the backup, as a restore of last night's dump would. */
function restore(dbPath: string, backupPath: string): void {
  const db = new Database(dbPath);
  try {
    db.prepare('ATTACH DATABASE ? AS backup').run(backupPath);
    for (const table of ['users', 'comments', 'sessions', 'media']) db.exec(`INSERT OR REPLACE INTO main.${table} SELECT * FROM backup.${table}`);
    db.exec('DETACH DATABASE backup');
  } finally {
    db.close();
  }
}

function count(dbPath: string, sql: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(sql).get(DEMO_PERSON) as { n: number }).n;
  } finally {
    db.close();
  }
}

async function reapplied(stack: Stack, id: string, n: number): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const view = (await stack.api('GET', `/api/requests/${id}`)).body;
    if ((view.reapplications ?? []).length >= n) return view;
    assert.ok(Date.now() < deadline, `re-application ${n} of ${id} did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('re-applying a completed erasure', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.close());

  test('after a restore the erasers run again; what came back is erased and counted once; each run is chained to the receipt', async () => {
    const backup = `${stack.dbPath}.backup`;
    await copyFile(stack.dbPath, backup);
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'erase', skipConfirmation: true });
    const id = created.body.id as string;
    const done = await waitForStatus(stack, id, 'completed');
    const comments = 'SELECT count(*) AS n FROM comments WHERE lower(author_email) = lower(?)';
    assert.equal(count(stack.dbPath, comments), 0);
    const removedFirst = done.erasure.erasers.find((e: { key: string }) => e.key === 'demo-comments').removed;
    assert.ok(removedFirst > 0);

    // Refused: no reason, or not a completed erasure.
    const noReason = await stack.api('POST', `/api/requests/${id}/reapply`, { reason: ' ' });
    assert.equal(noReason.status, 400);
    assert.match(JSON.stringify(noReason.body), /say why the erasure runs again/);
    const dry = await stack.api('POST', '/api/requests', { email: 'sam.roe@example.com', action: 'erase', skipConfirmation: true, dryRun: true });
    await waitForStatus(stack, dry.body.id, 'completed');
    const refused = await stack.api('POST', `/api/requests/${dry.body.id}/reapply`, { reason: 'restore' });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /is a dry run, not a completed erasure/);

    restore(stack.dbPath, backup);
    assert.equal(count(stack.dbPath, comments), removedFirst, 'the restore brought the comments back');
    const first = await stack.api('POST', `/api/requests/${id}/reapply`, { reason: 'backup of 2026-11-30 restored' });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(first.body.reapply.n, 1);
    let view = await reapplied(stack, id, 1);
    assert.equal(count(stack.dbPath, comments), 0, 'erased again');
    const [run1] = view.reapplications;
    assert.equal(run1.erasers.find((e: { key: string }) => e.key === 'demo-comments').removed, removedFirst);
    assert.equal(run1.reason, 'backup of 2026-11-30 restored');
    assert.equal(run1.by.name, 'admin token');
    assert.equal(view.status, 'completed', 'the request itself stays as it closed');

    // Nothing restored this time: nothing found, nothing counted twice.
    const second = await stack.api('POST', `/api/requests/${id}/reapply`, { reason: 'checking after the migration' });
    assert.equal(second.body.reapply.n, 2);
    view = await reapplied(stack, id, 2);
    assert.equal(view.reapplications[1].totals.removed, 0);

    const receipt = (await stack.api('GET', `/api/requests/${id}/receipt`)).body;
    assert.equal(receipt.sha256, done.receipt.sha256, 'the receipt itself is unchanged');
    assert.equal(receipt.reapplications.length, 2);
    assert.equal(receipt.reapplications[0].reapplication.previousSha256, done.receipt.sha256);
    assert.equal(receipt.reapplications[1].reapplication.previousSha256, receipt.reapplications[0].sha256);
    assert.deepEqual(receipt.reapplications[0].reapplication.audit[0].action, 'reapply');
    assert.ok(view.audit.some((entry: { action: string; why?: string }) => entry.action === 'reapply' && entry.why === 'checking after the migration'));

    const page = await (await fetch(`${stack.baseUrl}/admin/requests/${id}`, { headers: { Cookie: await adminCookie(stack) } })).text();
    assert.match(page, /Re-application 1, .*backup of 2026-11-30 restored/);
    assert.match(page, /Run the erasers again/);
  });
});
