/**
 * What erasers answer, and how a request treats it: answers that break the
 * contract, an eraser that never ends, partial results on failure, a dry run
 * that skips erasers without a plan mode, and a worker killed mid-erasure.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MODES } from './fixtures/plugins/malformed-eraser.ts';
import { countRows, seedRows } from './fixtures/plugins/rows-eraser.ts';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';

const rowsEraser = (key: string, extra = '', settings = '') => `  - key: ${key}
    name: Rows ${key}
    module: ${join(FIXTURE_PLUGINS, 'rows-eraser.ts')}
${extra}    settings: { database: '{db}.rows'${settings} }
`;

describe('malformed eraser answers', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      manifest: `version: 1
erasers:
${rowsEraser('rows', '    pageSize: 2\n')}  - key: broken
    name: Broken Eraser
    module: ${join(FIXTURE_PLUGINS, 'malformed-eraser.ts')}
    maxPages: 5
    settings: { log: '{db}.calls' }
`,
    });
  });
  after(async () => {
    await stack?.close();
  });

  const expected: Record<string, RegExp> = {
    'not-object': /expected an object \{ items_removed, items_retained, messages, done \}, got number/,
    'no-items-removed': /expected "items_removed" \(boolean\) in the response/,
    'removed-not-boolean': /expected "items_removed" to be a boolean, got a string/,
    'no-messages': /expected "messages" \(a list of strings\) in the response/,
    'messages-not-list': /expected "messages" to be a list of strings, got a string/,
    'message-not-string': /messages\[0\]: expected a string, got object/,
    'no-done': /expected "done" \(boolean\) in the response/,
    'bad-count': /expected "removed_count" to be a whole number of items/,
    'never-ends': /answered "done: false" for 5 pages \(maxPages\)/,
  };

  test('each kind fails the request naming the eraser, the page and the problem; earlier results stay reported', async () => {
    assert.deepEqual(Object.keys(expected).sort(), [...MODES].sort());
    const created = await Promise.all(
      MODES.map(async (mode) => {
        const email = `${mode}@malformed.test`;
        seedRows(`${stack.dbPath}.rows`, email, 3);
        const response = await stack.api('POST', '/api/requests', { email, action: 'erase', skipConfirmation: true });
        assert.equal(response.status, 201, JSON.stringify(response.body));
        return [mode, response.body.id as string] as const;
      }),
    );
    for (const [mode, id] of created) {
      const failed = await waitForStatus(stack, id, 'failed');
      assert.match(failed.reason, expected[mode] as RegExp, mode);
      if (mode !== 'never-ends') assert.match(failed.reason, /eraser "broken" \(Broken Eraser\), page 2/, mode);
      const calls = (await readFile(`${stack.dbPath}.calls.${mode}`, 'utf8')).trim().split('\n');
      assert.equal(calls.length, mode === 'never-ends' ? 5 : 2, `${mode}: a contract error is not retried`);
      const [rows, broken] = failed.erasure.erasers;
      assert.equal(rows.removed, 3, `${mode}: what the first eraser erased is reported as removed`);
      assert.equal(rows.itemsRetained, false);
      assert.equal(broken.removed, 1, `${mode}: the broken eraser's good first page is counted`);
      assert.equal(countRows(`${stack.dbPath}.rows`, `${mode}@malformed.test`), 0);
    }
  });
});

describe('dry run', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ manifest: `version: 1\nerasers:\n${rowsEraser('no-plan')}` });
  });
  after(async () => {
    await stack?.close();
  });

  test('an eraser without a plan mode is skipped and nothing changes', async () => {
    seedRows(`${stack.dbPath}.rows`, 'plan@example.com', 4);
    const created = await stack.api('POST', '/api/requests', { email: 'plan@example.com', action: 'erase', dryRun: true, skipConfirmation: true });
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(done.dryRun, true);
    assert.match(done.erasure.erasers[0].skipped, /no plan mode/);
    assert.equal(countRows(`${stack.dbPath}.rows`, 'plan@example.com'), 4);
    assert.equal(stack.mail.messages().filter((m) => /Erasure Request Fulfilled/.test(m.subject)).length, 0, 'no mail to the person for a plan');
    const exportDry = await stack.api('POST', '/api/requests', { email: 'plan@example.com', action: 'export', dryRun: true });
    assert.equal(exportDry.status, 400);
    assert.match(exportDry.body.error.message, /dryRun: only "erase" requests can be a dry run/);
  });
});

describe('a worker killed mid-erasure', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      worker: false,
      heartbeatTimeoutMs: 3000,
      manifest: `version: 1\nerasers:\n${rowsEraser('slow-rows', '    pageSize: 10\n', ', delayMs: 60')}`,
    });
  });
  after(async () => {
    await stack?.close();
  });

  test('the request completes with every row erased and exact totals', async () => {
    const rows = `${stack.dbPath}.rows`;
    seedRows(rows, 'kill@example.com', 300);
    const child = stack.spawnWorker();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const created = await stack.api('POST', '/api/requests', { email: 'kill@example.com', action: 'erase', skipConfirmation: true });
      const deadline = Date.now() + 60_000;
      while (countRows(rows, 'kill@example.com') > 220) {
        assert.ok(Date.now() < deadline, 'the child worker never got going');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill('SIGKILL');
      await exited;
      assert.ok(countRows(rows, 'kill@example.com') > 0, 'killed in the middle');
      await stack.startWorker();
      const done = await waitForStatus(stack, created.body.id, 'completed', 90_000);
      assert.equal(countRows(rows, 'kill@example.com'), 0);
      assert.equal(done.erasure.totals.removed, 300, 'every row counted exactly once');
      assert.equal(done.erasure.erasers[0].removed, 300);
      assert.deepEqual(done.erasure.erasers[0].messages, ['Erased 10 rows.'], 'a line every page repeats is said once');
      const mails = stack.mail.messages().filter((m) => m.to.includes('kill@example.com') && /Erasure Request Fulfilled/.test(m.subject));
      assert.equal(mails.length, 1, 'one fulfilment mail');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
