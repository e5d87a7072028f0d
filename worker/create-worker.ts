/**
 * The worker that runs request workflows and their activities. `main.ts`
 * runs it as a process; tests create it in-process on a task queue of their own.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { createActivities } from '../activities/index.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface RequestWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ReturnType<typeof createActivities>;
  /** A bundle made once by `bundleWorkflowCode`, so tests don't re-bundle per worker. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Encrypts what Temporal stores (lib/payload-codec.ts); the server's client must use the same keys. */
  payloadCodec: PayloadCodec;
}

export function createRequestWorker(options: RequestWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: { payloadCodecs: [options.payloadCodec] },
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    // Long exports heartbeat often; a short throttle keeps the cursor fresh for a resume.
    maxHeartbeatThrottleInterval: '2s',
  });
}

/**
 * Bundles the workflows in a child process (worker/bundle.ts) and returns the
 * bundle's path: the worker then loads plain JavaScript, and webpack's few
 * hundred MB never enter its resident memory.
 */
export async function bundleWorkflowsInChild(): Promise<{ codePath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-workflows-'));
  const codePath = join(dir, 'workflow-bundle.js');
  const script = fileURLToPath(new URL('./bundle.ts', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, codePath], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`Cannot bundle the workflow code: worker/bundle.ts exited with ${code}`))));
  });
  return { codePath };
}
