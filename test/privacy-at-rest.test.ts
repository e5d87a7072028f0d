/**
 * Personal data at rest in Temporal: workflow histories are encrypted, so
 * what the server stores holds no email address or exported value in clear
 * text, while the engine itself (with the keys) reads them back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@temporalio/client';
import { DEMO_PERSON } from '../plugins/demo/db.ts';
import { type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { testEnv } from './helpers/temporal.ts';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

test('the raw history holds no email address or exported value; the engine decrypts it', async () => {
  const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true });
  const done = await waitForStatus(stack, created.body.id, 'completed');
  const erase = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'erase', skipConfirmation: true });
  const erased = await waitForStatus(stack, erase.body.id, 'completed');

  const env = await testEnv();
  const raw = new Client({ connection: env.connection, namespace: env.namespace }); // no keys
  for (const request of [done, erased]) {
    const history = JSON.stringify(await raw.workflow.getHandle(request.workflow.id, request.workflow.runId).fetchHistory());
    const text = Buffer.from(history).toString('latin1');
    // Payload bytes are base64 in the JSON: decode every base64 run and search that too.
    const decoded = (history.match(/[A-Za-z0-9+/]{24,}={0,2}/g) ?? []).map((b64) => Buffer.from(b64, 'base64').toString('latin1')).join('\n');
    for (const secret of [DEMO_PERSON, 'alex.doe', 'Alex Doe', 'First! Lovely write-up.']) {
      assert.ok(!text.includes(secret) && !decoded.includes(secret), `"${secret}" must not be readable in the stored history`);
    }
  }
  const readable = JSON.stringify(await stack.client.workflow.getHandle(done.workflow.id, done.workflow.runId).describe().then((d) => d.memo));
  assert.ok(readable.includes(DEMO_PERSON), 'with the keys, the engine reads its memo');
});
