/**
 * A small export goes from the person's confirmation to the download mail in
 * one workflow task: its exporters and ZIP, the release record, the start of
 * the deletion timer and the mail as local activities, no round trip through
 * the server between them, and no child workflow whose start would cost
 * another. Through the whole stack; the deletion still happens, and starting
 * it twice (a workflow task run again after a crash) leaves one timer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import proto from '@temporalio/proto';
import { createExportRetentionActivities, DELETE_EXPORT_WORKFLOW_TYPE } from '../activities/export-retention.ts';
import { cleanupWorkflowId } from '../model/request.ts';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import * as workflows from '../workflows/index.ts';
import { confirmByLink, slowNumbersManifest, type Stack, startStack, statusOnceGone, waitForStatus } from './helpers/stack.ts';

const { EventType } = proto.temporal.api.enums.v1;

describe('a small export in one workflow task', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ retentionMs: 4_000 });
  });
  after(async () => {
    await stack?.close();
  });

  test('confirmation → ZIP → mail in one task; the deletion timer runs as a workflow of its own and deletes the file', async () => {
    const created = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const confirmation = await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Confirm Action/.test(m.subject));
    assert.equal((await confirmByLink(stack.linkIn(confirmation, `${stack.baseUrl}/confirm?`))).status, 200);
    await stack.mail.waitFor((m) => m.to.includes(DEMO_PERSON) && /Personal Data Export$/.test(m.subject));
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(done.items, 22);

    const history = await stack.client.workflow.getHandle(created.body.workflow.id).fetchHistory();
    const events = history.events ?? [];
    const signalled = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    assert.ok(signalled > 0, 'the confirmation arrives as a signal');
    const after = events.slice(signalled);
    const types = after.map((e) => e.eventType);
    assert.equal(types.filter((type) => type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length, 1, 'one workflow task from the confirmation on');
    assert.ok(!types.includes(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), 'no activity through the server: all are local');
    assert.ok(!types.includes(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED), 'no child workflow');
    assert.equal(types.at(-1), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);

    const deletion = await stack.client.workflow.getHandle(cleanupWorkflowId(created.body.id)).describe();
    assert.equal(deletion.type, DELETE_EXPORT_WORKFLOW_TYPE);
    assert.equal(deletion.status.name, 'RUNNING');
    assert.equal((await fetch(done.download.url)).status, 200);
    assert.equal(await statusOnceGone(done.download.url), 410, 'the file is gone at the end of its retention');
  });

  test('starting the deletion twice leaves the first timer alone and fails nothing', async () => {
    const requestId = `one-task-twice-${Date.now()}`;
    const { scheduleExportDeletion } = createExportRetentionActivities();
    const env = new MockActivityEnvironment({ taskQueue: stack.taskQueue }, { client: stack.client });
    const input = { requestId, file: 'dsr-export-none.zip', delayMs: 3_600_000 };
    await env.run(scheduleExportDeletion, input);
    const first = await stack.client.workflow.getHandle(cleanupWorkflowId(requestId)).describe();
    await env.run(scheduleExportDeletion, input);
    const second = await stack.client.workflow.getHandle(cleanupWorkflowId(requestId)).describe();
    assert.equal(second.runId, first.runId, 'the same workflow run');
    assert.equal(second.status.name, 'RUNNING');
    await stack.client.workflow.getHandle(cleanupWorkflowId(requestId)).terminate('test over');
  });

  test('the deletion workflow type the activity starts is one the worker has', () => {
    assert.equal(typeof (workflows as Record<string, unknown>)[DELETE_EXPORT_WORKFLOW_TYPE], 'function');
  });

  test('a running workflow answers no stack trace query: the promise hook behind it is off (WORKFLOW_STACK_TRACES)', async () => {
    const created = await stack.api('POST', '/api/requests', { email: 'stack.trace@example.com', action: 'export' });
    assert.equal(created.status, 201);
    const handle = stack.client.workflow.getHandle(created.body.workflow.id);
    // With the hook on, the query answers the workflow's pending promises as text.
    await assert.rejects(handle.query('__stack_trace'), { name: 'QueryNotRegisteredError' });
    await handle.terminate('test over');
  });
});

describe('the request page while a small export runs in one go', () => {
  let stack: Stack;
  before(async () => {
    // 8 pages of 50 ms: within the half second the one go gets, so the workflow task is at work throughout.
    stack = await startStack({ manifest: slowNumbersManifest(80, 50) });
  });
  after(async () => {
    await stack?.close();
  });

  test('answers at once, not when the workflow task ends (a progress query would wait for it)', async () => {
    const created = await stack.api('POST', '/api/requests', {
      email: 'page.during@example.com',
      action: 'export',
      skipConfirmation: true,
      sendAsEmail: false,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the workflow task has begun the export
    const during = await stack.api('GET', `/api/requests/${created.body.id}`);
    assert.equal(during.status, 200);
    // Had the page waited for the workflow task, it would have answered only once the export was over.
    const handle = stack.client.workflow.getHandle(created.body.workflow.id);
    assert.equal((await handle.describe()).status.name, 'RUNNING', 'the page answered while the export was still running');
    const done = await waitForStatus(stack, created.body.id, 'completed');
    assert.equal(done.items, 81);
  });
});
