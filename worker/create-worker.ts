/**
 * The worker that runs request workflows and their activities. `main.ts`
 * runs it as a process; tests create it in-process on a task queue of their own.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
// The SDK's own instance of its global hooks (not exported from the package's index; see withoutStackTraces).
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared.js';
import type { createActivities } from '../activities/index.ts';
import { dataConverter, FAILURE_CONVERTER_PATH } from '../lib/payload-codec.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * What `bundleWorkflowCode` needs to bundle the workflows as the worker runs them: the
 * sandbox gets the same failure converter as the worker, so workflow failures are encoded too.
 */
export const WORKFLOW_BUNDLE_OPTIONS = { workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH };

export interface RequestWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ReturnType<typeof createActivities>;
  /**
   * A bundle made once by `bundleWorkflowCode`, so tests don't re-bundle per worker. It must be
   * bundled with {@link WORKFLOW_BUNDLE_OPTIONS}, as worker/bundle.ts does.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Where workflow code runs (`WORKFLOW_THREAD`, lib/config.ts). @default 'main' */
  workflowThread?: 'main' | 'own';
  /** Workflows kept in memory between their tasks (`WORKER_CACHED_WORKFLOWS`, lib/config.ts). @default 1000 */
  cachedWorkflows?: number;
  /**
   * Whether the Temporal UI can show a running workflow's stack trace (`WORKFLOW_STACK_TRACES`).
   * @default false
   */
  stackTraces?: boolean;
  /** Encrypts what Temporal stores (lib/payload-codec.ts); the server's client must use the same keys. */
  payloadCodec: PayloadCodec;
}

/**
 * Read by `Worker.create` (it spreads the options it is given over its defaults) though the
 * SDK's type leaves it out ("not exposed at the moment"); `worker.options.isolateExecutionTimeoutMs`
 * shows it took effect.
 */
const ACTIVATION_LIMIT = { isolateExecutionTimeout: '5s' } as Pick<WorkerOptions, never>;

export async function createRequestWorker(options: RequestWorkerOptions): Promise<Worker> {
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    // Also encodes failure messages and stack traces, so the codec encrypts them (lib/failure-converter.ts).
    dataConverter: dataConverter(options.payloadCodec),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    // `main`: workflow code runs in the main thread's V8 context instead of a worker thread's
    // own isolate, which would load the SDK and its protobufs a second time (~30 MB resident
    // at 50k items, bench/RESULTS.md). The SDK names this `debugMode`; it changes nothing else
    // but that default, so the 5 s limit on one activation (a workflow stuck in a loop) is set
    // back explicitly. Our workflows only orchestrate and activities yield between pages, so
    // sharing the event loop costs latency only with hundreds of requests in flight.
    debugMode: (options.workflowThread ?? 'main') === 'main',
    // The SDK sizes this cache from the heap limit: 10 workflows under the worker's 160 MB cap
    // (worker/process-options.ts). Ours hold a few KB of state each, and one evicted from the
    // cache replays its whole history on its next task, so keep many.
    maxCachedWorkflows: options.cachedWorkflows ?? 1000,
    ...ACTIVATION_LIMIT,
    // Long exports heartbeat often; a short throttle keeps the cursor fresh for a resume, and the
    // admin's progress bar (read from the last heartbeat) moving every second.
    maxHeartbeatThrottleInterval: '1s',
  });
  if ((options.workflowThread ?? 'main') === 'main' && !options.stackTraces) withoutStackTraces();
  return worker;
}

/**
 * For the Temporal UI's stack trace of a running workflow the SDK hooks every promise the
 * thread that runs workflow code creates: it builds an Error and its stack for each (source-mapped
 * through the bundle) and looks up which workflow the promise belongs to. On the main thread that
 * is every promise of the process, activities' and the codec's included: a quarter of the worker's
 * CPU with hundreds of requests in flight (bench/RESULTS.md §8). The SDK treats the feature as
 * optional (it runs without it where promise hooks are missing) and the query then answers "not
 * enabled on this worker"; a request's state is in its memo and current details anyway. Workflow
 * failures keep their source-mapped stacks (that part of the SDK's handlers stays).
 */
function withoutStackTraces(): void {
  const handlers = globalHandlers as unknown as { stopPromiseHook(): void; promiseHookInstalled: boolean };
  handlers.stopPromiseHook();
  // Read as each workflow is created: its stack trace query says the feature is off instead of answering empty.
  handlers.promiseHookInstalled = false;
}

/**
 * Bundles the workflows in a child process (worker/bundle.ts) and hands the
 * bundle's path to `use` (the worker then loads plain JavaScript, and webpack's
 * few hundred MB never enter its resident memory); the bundle is deleted once
 * `use` is done, since `Worker.create` reads it once. `keepSources` keeps the
 * original files in the bundle's source map, which only the stack-trace query shows.
 */
export async function withBundledWorkflows<T>(options: { keepSources: boolean }, use: (bundle: { codePath: string }) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-workflows-'));
  try {
    const codePath = join(dir, 'workflow-bundle.js');
    const script = fileURLToPath(new URL('./bundle.ts', import.meta.url));
    const args = ['--import', 'tsx', script, codePath, ...(options.keepSources ? ['--keep-sources'] : [])];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`Cannot bundle the workflow code: worker/bundle.ts exited with ${code}`))));
    });
    return await use({ codePath });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
