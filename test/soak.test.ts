/**
 * Soak: many requests at once through the API (200 by default; SOAK_REQUESTS
 * to change it), a quarter each created already confirmed, confirmed by an
 * admin, cancelled, and left to expire, while the in-process worker is
 * stopped and started again twice: while admins act, and across the
 * confirmation deadline. At the end every request is in the state
 * it should be, and the counts add up.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FIXTURE_PLUGINS, type Stack, startStack } from './helpers/stack.ts';

const COUNT = Number(process.env.SOAK_REQUESTS ?? 200);
const CONFIRM_TTL_MS = 20_000;

type Fate = 'skip' | 'confirm' | 'cancel' | 'expire';
const FATES: readonly Fate[] = ['skip', 'confirm', 'cancel', 'expire'];
const EXPECTED: Record<Fate, { status: string; reason?: string }> = {
  skip: { status: 'completed' },
  confirm: { status: 'completed' },
  cancel: { status: 'failed', reason: 'cancelled' },
  expire: { status: 'failed', reason: 'expired' },
};

/** Runs `task` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as T);
      }
    }),
  );
  return results;
}

let stack: Stack;
before(async () => {
  stack = await startStack({
    confirmTtlMs: CONFIRM_TTL_MS,
    manifest: `version: 1
exporters:
  - key: numbers
    name: Numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    settings: { total: 3 }
`,
  });
});
after(async () => {
  await stack?.close();
});

test(`${COUNT} requests at once, confirmed, cancelled and expired, across a worker restart`, { timeout: 150_000 }, async () => {
  assert.ok(Number.isInteger(COUNT) && COUNT >= FATES.length && COUNT <= 500, 'SOAK_REQUESTS between 4 and 500');
  const started = Date.now();
  const plan = Array.from({ length: COUNT }, (_, n) => ({ email: `soak-${n}@example.com`, fate: FATES[n % FATES.length] as Fate }));

  // All at once.
  const created = await Promise.all(
    plan.map(async ({ email, fate }) => {
      const response = await stack.api('POST', '/api/requests', { email, action: 'export', sendAsEmail: false, skipConfirmation: fate === 'skip' });
      assert.equal(response.status, 201, `${email}: ${JSON.stringify(response.body)}`);
      return { id: response.body.id as string, email, fate };
    }),
  );
  const createdMs = Date.now() - started;
  assert.equal(new Set(created.map((request) => request.id)).size, COUNT, 'every request has its own id');

  // The worker goes away while admins act; the actions are signals and cancellations Temporal keeps.
  const restart = (async () => {
    await stack.stopWorker();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await stack.startWorker();
  })();
  await pool(
    created.filter((request) => request.fate === 'confirm' || request.fate === 'cancel'),
    20,
    async ({ id, fate }) => {
      const response = await stack.api('POST', `/api/requests/${id}/${fate}`);
      assert.equal(response.status, 202, `${fate} ${id}: ${JSON.stringify(response.body)}`);
    },
  );
  await restart;

  // And again across the confirmation deadline: the expiry timers fire while no worker runs.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + CONFIRM_TTL_MS - 2000 - Date.now())));
  await stack.stopWorker();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + CONFIRM_TTL_MS + 2000 - Date.now())));
  await stack.startWorker();

  // Wait until no request workflow of this stack is still running (the deletion timers outlive them).
  const deadline = started + CONFIRM_TTL_MS + 90_000;
  for (;;) {
    let running = 0;
    for await (const _ of stack.client.workflow.list({
      query: `TaskQueue = '${stack.taskQueue}' AND WorkflowType = 'exportRequest' AND ExecutionStatus = 'Running'`,
    }))
      running += 1;
    if (running === 0 && Date.now() - started > CONFIRM_TTL_MS) break;
    assert.ok(Date.now() < deadline, `${running} requests still running after ${Math.round((Date.now() - started) / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  const finals = await pool(created, 20, async ({ id, fate }) => {
    const response = await stack.api('GET', `/api/requests/${id}`);
    assert.equal(response.status, 200);
    return { fate, status: response.body.status as string, reason: response.body.reason as string | undefined, download: response.body.download };
  });
  const counts: Record<string, number> = {};
  for (const { fate, status, reason, download } of finals) {
    const expected = EXPECTED[fate];
    assert.equal(status, expected.status, `${fate}: ${status} (${reason ?? ''})`);
    if (expected.reason) assert.equal(reason, expected.reason, fate);
    if (expected.status === 'completed') assert.ok(download?.url, `${fate}: a download`);
    else assert.equal(download, undefined, `${fate}: no download`);
    const key = `${status}${reason ? ` ${reason}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const quarter = (fate: Fate) => plan.filter((request) => request.fate === fate).length;
  assert.deepEqual(counts, {
    completed: quarter('skip') + quarter('confirm'),
    'failed cancelled': quarter('cancel'),
    'failed expired': quarter('expire'),
  });
  process.stderr.write(`[soak] ${COUNT} requests: created in ${createdMs} ms, all settled in ${Date.now() - started} ms; ${JSON.stringify(counts)}\n`);
});
