/** Proves the test harness: the shared dev server, and a server restarted on its SQLite file. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { findTemporalCli, startTemporalDevServer, TEMPORAL_CLI_VERSION, type TemporalDevServer } from '../dev/temporal-server.ts';
import { hello, releaseSignal, waitForRelease } from './fixtures/hello-workflow.ts';
import { closeTestEnv, testEnv, uniqueTaskQueue } from './helpers/temporal.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/hello-workflow.ts', import.meta.url));

let workflowBundle: WorkflowBundleWithSourceMap;
before(async () => {
  workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
});
after(closeTestEnv);

describe('shared dev server (npm test)', () => {
  it('runs a workflow with a timer on a real worker', async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('hello');
    const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace, taskQueue, workflowBundle });
    const result = await worker.runUntil(env.client.workflow.execute(hello, { taskQueue, workflowId: taskQueue, args: ['GDPR'] }));
    assert.equal(result, 'Hello, GDPR!');
  });

  it('has the DSR search attributes registered', async () => {
    const env = await testEnv();
    const { customAttributes } = await env.client.connection.operatorService.listSearchAttributes({ namespace: env.namespace });
    for (const { name } of SEARCH_ATTRIBUTES) assert.ok(customAttributes[name] !== undefined, `${name} is registered`);
  });
});

describe('startTemporalDevServer with a dbFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsr-temporal-'));
  const dbFile = path.join(dir, 'temporal.sqlite');
  let server: TemporalDevServer | undefined;
  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a waiting workflow across a server restart', async () => {
    const cliPath = findTemporalCli();
    const taskQueue = uniqueTaskQueue('persist');
    const workflowId = taskQueue;

    // 1st life: start the workflow and let a worker run it up to its `condition`.
    server = await startTemporalDevServer({ cliPath, dbFile });
    await withServer(server, async (client, connection) => {
      const worker = await Worker.create({ connection, taskQueue, workflowBundle });
      await worker.runUntil(async () => {
        const handle = await client.workflow.start(waitForRelease, { taskQueue, workflowId });
        // Started, WorkflowTaskScheduled, WorkflowTaskStarted, WorkflowTaskCompleted.
        while ((await handle.describe()).historyLength < 4) await new Promise((r) => setTimeout(r, 50));
      });
    });
    await server.stop();

    // 2nd life, same file, new ports: the workflow is still running and completes on a signal.
    server = await startTemporalDevServer({ cliPath, dbFile });
    await withServer(server, async (client, connection) => {
      const handle = client.workflow.getHandle<typeof waitForRelease>(workflowId);
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      const worker = await Worker.create({ connection, taskQueue, workflowBundle });
      const result = await worker.runUntil(async () => {
        await handle.signal(releaseSignal, 'after restart');
        return handle.result();
      });
      assert.equal(result, 'released: after restart');
    });
  });
});

// ───────────────────────────── _helpers ─────────────────────────────

async function withServer(server: TemporalDevServer, fn: (client: Client, connection: NativeConnection) => Promise<void>): Promise<void> {
  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  try {
    await fn(new Client({ connection: clientConnection, namespace: server.namespace }), connection);
  } finally {
    await clientConnection.close();
    await connection.close();
  }
}

describe('startTemporalDevServer after a port clash', () => {
  it('starts again on fresh ports when the server dies of a port another process took', async () => {
    // A CLI that dies as the real one does when one of its internal ports is taken, once; then the real one.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsr-clash-'));
    const calls = path.join(dir, 'calls');
    const cli = path.join(dir, 'temporal');
    fs.writeFileSync(
      cli,
      `#!/bin/sh\necho "$@" >> '${calls}'\nif [ "$(wc -l < '${calls}')" -eq 1 ]; then\n  echo 'level=ERROR msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:1: bind: address already in use"' >&2\n  exit 2\nfi\nexec '${findTemporalCli()}' "$@"\n`,
      { mode: 0o755 },
    );
    const server = await startTemporalDevServer({ cliPath: cli });
    try {
      const tried = fs.readFileSync(calls, 'utf8').trim().split('\n');
      assert.equal(tried.length, 2, 'one start that clashed, one that worked');
      const connection = await Connection.connect({ address: server.address });
      await new Client({ connection }).workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
    } finally {
      await server.stop();
    }
  });

  it('does not retry a server that fails for any other reason', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsr-broken-'));
    const calls = path.join(dir, 'calls');
    const cli = path.join(dir, 'temporal');
    fs.writeFileSync(cli, `#!/bin/sh\necho "$@" >> '${calls}'\necho 'unknown flag' >&2\nexit 1\n`, { mode: 0o755 });
    await assert.rejects(startTemporalDevServer({ cliPath: cli }), /did not become ready: exited with code 1[\s\S]*unknown flag/);
    assert.equal(fs.readFileSync(calls, 'utf8').trim().split('\n').length, 1);
  });
});

describe('the Temporal CLI version', () => {
  it('is the same where scripts/bootstrap.mjs builds it and where dev/temporal-server.ts looks for it', () => {
    const bootstrap = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'bootstrap.mjs'), 'utf8');
    assert.equal(/const TEMPORAL_CLI_VERSION = '([^']+)'/.exec(bootstrap)?.[1], TEMPORAL_CLI_VERSION);
  });
});
