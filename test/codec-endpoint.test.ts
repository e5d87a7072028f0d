/**
 * The codec endpoint lets an admin's Temporal Web UI read encrypted
 * histories; nobody else, and no other origin, gets anything from it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { type Stack, startStack, waitForStatus } from './helpers/stack.ts';

const UI = 'http://localhost:8233';
let stack: Stack;
before(async () => {
  stack = await startStack({ temporalUiUrl: UI });
});
after(async () => {
  await stack?.close();
});

test('an admin decodes a stored payload through /admin/codec/decode; others get 401', async () => {
  const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true, sendAsEmail: false });
  const done = await waitForStatus(stack, created.body.id, 'completed');
  const { Client } = await import('@temporalio/client');
  const { testEnv } = await import('./helpers/temporal.ts');
  const env = await testEnv();
  const raw = new Client({ connection: env.connection, namespace: env.namespace });
  const history = await raw.workflow.getHandle(done.workflow.id, done.workflow.runId).fetchHistory();
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  assert.ok(input, 'the start event has an input payload');
  const body = JSON.stringify({
    payloads: [
      {
        metadata: Object.fromEntries(Object.entries(input.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')])),
        data: Buffer.from(input.data ?? []).toString('base64'),
      },
    ],
  });
  assert.ok(
    !Buffer.from(input.data ?? [])
      .toString('latin1')
      .includes(DEMO_PERSON),
  );

  const url = `${stack.baseUrl}/admin/codec/decode`;
  const anonymous = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal(anonymous.status, 401);
  const wrong = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer nope' }, body });
  assert.equal(wrong.status, 401);

  const decoded = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${stack.adminToken}`, Origin: UI },
    body,
  });
  assert.equal(decoded.status, 200);
  assert.equal(decoded.headers.get('access-control-allow-origin'), UI);
  const payload = ((await decoded.json()) as { payloads: { data: string }[] }).payloads[0];
  const text = Buffer.from(payload?.data ?? '', 'base64').toString('utf8');
  assert.ok(text.includes(DEMO_PERSON), 'the decoded input holds the request');
});

test('CORS answers only the configured Temporal UI origin', async () => {
  const preflight = (origin: string) =>
    fetch(`${stack.baseUrl}/admin/codec/decode`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
    });
  const ui = await preflight(UI);
  assert.equal(ui.status, 204);
  assert.equal(ui.headers.get('access-control-allow-origin'), UI);
  assert.equal(ui.headers.get('access-control-allow-credentials'), 'true');
  const evil = await preflight('https://evil.example');
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
});
