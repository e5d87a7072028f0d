/**
 * Connect tests to the shared Temporal dev server that `npm test`
 * (`scripts/test.ts`) starts once per run and announces in
 * `TEMPORAL_ADDRESS` / `TEMPORAL_NAMESPACE`.
 *
 * @example
 * ```ts
 * const env = await testEnv();
 * const taskQueue = uniqueTaskQueue('export');
 * const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace, taskQueue, workflowsPath });
 * const result = await worker.runUntil(env.client.workflow.execute(myWorkflow, { taskQueue, workflowId: taskQueue, args: [] }));
 * ```
 *
 * Importing this module installs the SDK runtime with a WARN logger
 * (`TEMPORAL_TEST_LOG_LEVEL=DEBUG|INFO|…` to change it).
 *
 * Each test file runs in its own process; the environment is created once
 * per process and closed when the process exits (or by {@link closeTestEnv}).
 * Isolate tests with unique task queues and workflow IDs, not separate servers.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

// Quiet the SDK (webpack stats, worker lifecycle) unless asked otherwise; must run before any
// Worker or connection exists, hence at import time.
try {
  Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_TEST_LOG_LEVEL ?? 'WARN') as LogLevel) });
} catch {
  // Already installed or instantiated by the test itself: keep that one.
}

/** A {@link TestWorkflowEnvironment} whose `namespace` is known (for `Worker.create({ namespace })`). */
export type TestEnv = TestWorkflowEnvironment & { readonly namespace: string };

let cached: Promise<TestEnv> | undefined;

/** The process-wide test environment, connected to the shared dev server. */
export function testEnv(): Promise<TestEnv> {
  cached ??= (async () => {
    const address = process.env.TEMPORAL_ADDRESS;
    if (!address) {
      throw new Error(
        'TEMPORAL_ADDRESS is not set: run the tests with `npm test` (it starts a Temporal dev server), ' + 'e.g. `npm test -- test/foo.test.ts`.',
      );
    }
    const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace });
    return Object.assign(env, { namespace });
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

/** Close the cached environment's connections (safe to call when none was made). */
export async function closeTestEnv(): Promise<void> {
  const env = cached;
  cached = undefined;
  if (env) await (await env).teardown();
}

/** A task queue name no other test uses, e.g. `export-1b9d6bcd-…`. Also fine as a workflow ID prefix. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
