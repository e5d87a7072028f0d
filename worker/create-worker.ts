/**
 * The worker that runs request workflows and their activities. `main.ts`
 * runs it as a process; tests create it in-process on a task queue of their own.
 */
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
