/**
 * Personal data at rest in Temporal: workflow histories are encrypted, so
 * what the server stores holds no email address, exported value or plugin
 * error message in clear text, while the engine itself (with the keys) reads
 * them back.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ActivityFailure, ApplicationFailure, Client, WorkflowFailedError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
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

  for (const request of [done, erased]) {
    const history = JSON.stringify(await rawHistory(request.workflow));
    for (const secret of [DEMO_PERSON, 'alex.doe', 'Alex Doe', 'First! Lovely write-up.']) {
      assert.ok(!readableIn(history, secret), `"${secret}" must not be readable in the stored history`);
    }
  }
  const readable = JSON.stringify(
    await stack.client.workflow
      .getHandle(done.workflow.id, done.workflow.runId)
      .describe()
      .then((d) => d.memo),
  );
  assert.ok(readable.includes(DEMO_PERSON), 'with the keys, the engine reads its memo');
});

test("an exporter's error message and stack trace are encrypted in the history; the engine still reports them", async () => {
  const email = 'failing.person@privacy.test';
  // What a careless plugin might say: the person it was exporting, in its own error message.
  const marker = 'crm-refused-leaky.person+7f3a@privacy.test';
  const manifest = await readFile(stack.manifestPath, 'utf8');
  await writeFile(
    stack.manifestPath,
    `version: 1\nexporters:\n  - key: leaky\n    name: Leaky CRM\n    module: ${join(FIXTURE_PLUGINS, 'faulty.ts')}\n` +
      `    retry: { maxAttempts: 2, initialInterval: 100ms }\n` +
      `    settings: { log: '${stack.dbPath}.leaky.log', total: 5, failTimes: 1000, message: '${marker}' }\n`,
  );
  let failed: any;
  try {
    const created = await stack.api('POST', '/api/requests', { email, action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    failed = await waitForStatus(stack, created.body.id, 'failed', 30_000);
  } finally {
    await writeFile(stack.manifestPath, manifest);
  }
  // The workflow (in its sandbox) decoded the activity's failure: the reason names the plugin's message.
  assert.equal(failed.reason, `exporter "leaky" (Leaky CRM) failed: ${marker}`);

  const events = await rawHistory(failed.workflow);
  const history = JSON.stringify(events);
  for (const secret of [marker, email, 'leaky.person']) {
    assert.ok(!readableIn(history, secret), `"${secret}" must not be readable in the stored history`);
  }
  // Every failure stored, the workflow's own included (written in the sandbox by the bundled converter), is encoded.
  const failures = events
    .flatMap((event) => [
      event.activityTaskFailedEventAttributes?.failure,
      event.activityTaskStartedEventAttributes?.lastFailure,
      event.workflowExecutionFailedEventAttributes?.failure,
      event.workflowTaskFailedEventAttributes?.failure,
    ])
    .flatMap((failure) => causeChain(failure));
  assert.ok(
    events.some((event) => event.workflowExecutionFailedEventAttributes),
    'the workflow failed',
  );
  assert.ok(failures.length >= 3, `expected the workflow's and the activity's failures, got ${failures.length}`);
  for (const failure of failures) {
    assert.equal(failure.message, 'Encoded failure');
    assert.equal(failure.stackTrace ?? '', '');
    assert.ok(failure.encodedAttributes?.data?.length, 'message and stack trace travel in an encoded payload');
  }

  // A client with the keys and the failure converter reads the real message and stack trace back.
  const error = await stack.client.workflow
    .getHandle(failed.workflow.id, failed.workflow.runId)
    .result()
    .then(
      () => assert.fail('the workflow should have failed'),
      (error: unknown) => error,
    );
  assert.ok(error instanceof WorkflowFailedError);
  assert.ok(error.cause instanceof ActivityFailure, String(error.cause));
  assert.ok(error.cause.cause instanceof ApplicationFailure, String(error.cause.cause));
  assert.equal(error.cause.cause.message, marker);
  assert.match(error.cause.cause.stack ?? '', /faulty\.ts/);
});

/** The stored history of a run, read by a client without keys, as anyone with access to Temporal would. */
async function rawHistory(workflow: { id: string; runId: string }): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const env = await testEnv();
  const raw = new Client({ connection: env.connection, namespace: env.namespace }); // no keys, default failure converter
  return (await raw.workflow.getHandle(workflow.id, workflow.runId).fetchHistory()).events ?? [];
}

/** Whether `secret` is in the history's JSON, as text or inside any base64 run (payload bytes are base64 there). */
function readableIn(history: string, secret: string): boolean {
  const text = Buffer.from(history).toString('latin1');
  const decoded = (history.match(/[A-Za-z0-9+/]{24,}={0,2}/g) ?? []).map((b64) => Buffer.from(b64, 'base64').toString('latin1')).join('\n');
  return text.includes(secret) || decoded.includes(secret);
}

/** A failure and its causes, outermost first. */
function causeChain(failure: temporal.api.failure.v1.IFailure | null | undefined): temporal.api.failure.v1.IFailure[] {
  return failure ? [failure, ...causeChain(failure.cause)] : [];
}
