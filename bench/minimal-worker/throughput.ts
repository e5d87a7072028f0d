/**
 * The most lifecycles a second this machine can complete with Temporal, whatever
 * the workflow does: the floor under `npm run bench -- --concurrency`.
 *
 * `node --import tsx bench/minimal-worker/throughput.ts [count]` starts a dev
 * server with the stack's settings (dev/temporal-server.ts) and the worker of
 * bench/minimal-worker/worker.mjs (nothing of ours, plain JavaScript, workflows
 * in the SDK's own thread and on the main thread), starts `count` workflows at
 * once and waits for all their results. The workflows (`WORKFLOWS=a,b`, these
 * three by default): `hello` (started, one workflow task, completed),
 * `oneLocalActivity` (the same with a no-op local activity, the least of any
 * request) and `requestSkeleton` (the Temporal work of one small export of this
 * project, every step a no-op; `requestSkeletonWithoutDeletion` leaves out the
 * download's deletion workflow). Prints lifecycles a second, p99 and the CPU
 * milliseconds per workflow of worker, server and this client.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli, startTemporalDevServer } from '../../dev/temporal-server.ts';
import { WORKER_ENV } from '../../worker/process-options.ts';
import { cpuSeconds } from '../proc.ts';
import { percentile, printTable } from '../table.ts';

const count = Number(process.argv[2] ?? 1000);
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

const dir = await mkdtemp(join(tmpdir(), 'dsr-minimal-throughput-'));
const bundle = join(dir, 'bundle.js');
await writeFile(bundle, (await bundleWorkflowCode({ workflowsPath: here('./workflows.mjs'), logger: undefined as never })).code);
const temporal = await startTemporalDevServer({ cliPath: findTemporalCli(), uiPort: false });
const connection = await Connection.connect({ address: temporal.address });
const client = new Client({ connection });
const rows: string[][] = [];
try {
  for (const thread of ['own', 'main']) {
    const worker = spawn(process.execPath, [here('./worker.mjs'), temporal.address, bundle], {
      env: { ...process.env, ...WORKER_ENV, WORKFLOW_THREAD: thread },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await sleep(3000);
    for (const workflow of (process.env.WORKFLOWS ?? 'hello,oneLocalActivity,requestSkeleton').split(',')) {
      await client.workflow.execute(workflow, { taskQueue: 'minimal', workflowId: `warm-${thread}-${workflow}` });
      const before = [await cpuSeconds(worker.pid), await cpuSeconds(temporal.pid), process.cpuUsage()] as const;
      const started = performance.now();
      const latencies = await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const t0 = performance.now();
          const handle = await client.workflow.start(workflow, { taskQueue: 'minimal', workflowId: `${thread}-${workflow}-${i}` });
          await handle.result();
          return (performance.now() - t0) / 1000;
        }),
      );
      const wall = (performance.now() - started) / 1000;
      const workerCpu = (await cpuSeconds(worker.pid)) - before[0];
      const temporalCpu = (await cpuSeconds(temporal.pid)) - before[1];
      const clientCpu = process.cpuUsage(before[2]);
      latencies.sort((a, b) => a - b);
      rows.push([
        thread,
        workflow,
        String(count),
        wall.toFixed(2),
        (count / wall).toFixed(1),
        percentile(latencies, 99).toFixed(2),
        `${((workerCpu / count) * 1000).toFixed(1)} / ${((temporalCpu / count) * 1000).toFixed(1)} / ${((clientCpu.user + clientCpu.system) / 1000 / count).toFixed(1)}`,
      ]);
    }
    worker.kill();
    await new Promise((resolve) => worker.once('exit', resolve));
  }
} finally {
  await connection.close();
  await temporal.stop();
  await rm(dir, { recursive: true, force: true });
}
printTable(['workflows thread', 'workflow', 'at once', 'wall s', 'per second', 'p99 s', 'CPU ms per workflow: worker / temporal / client'], rows);
console.log(
  `\nnode ${process.version}; ${Object.entries(WORKER_ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}; SDK defaults otherwise`,
);
