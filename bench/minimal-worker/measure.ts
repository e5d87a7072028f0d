/**
 * The resident memory of a Temporal TypeScript worker that does nothing:
 * the floor under any worker of this SDK on this machine, whatever it runs.
 * `node --import tsx bench/minimal-worker/measure.ts` prints VmRSS of an idle
 * worker (bench/minimal-worker/worker.mjs) with workflows in their own thread
 * and on the main thread, each without and with the tsx loader that this
 * project uses to run TypeScript without a build step.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli, startTemporalDevServer } from '../../dev/temporal-server.ts';
import { WORKER_ENV } from '../../worker/process-options.ts';
import { printTable } from '../table.ts';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'dsr-minimal-worker-'));
const bundle = join(dir, 'bundle.js');
await writeFile(bundle, (await bundleWorkflowCode({ workflowsPath: here('./workflows.mjs'), logger: undefined as never })).code);
const temporal = await startTemporalDevServer({ cliPath: findTemporalCli(), uiPort: false });
const rows: string[][] = [];
try {
  for (const thread of ['own', 'main']) {
    for (const loader of [[], ['--import', 'tsx']]) {
      const worker = spawn(process.execPath, [...loader, here('./worker.mjs'), temporal.address, bundle], {
        env: { ...process.env, ...WORKER_ENV, WORKFLOW_THREAD: thread },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await sleep(6000); // connected, polling, idle
      const status = await readFile(`/proc/${worker.pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
      rows.push([
        thread,
        loader.length ? 'tsx' : 'none',
        (kb('VmRSS') / 1024).toFixed(0),
        (kb('RssFile') / 1024).toFixed(0),
        (kb('RssAnon') / 1024).toFixed(0),
      ]);
      worker.kill();
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  }
} finally {
  await temporal.stop();
  await rm(dir, { recursive: true, force: true });
}
printTable(['workflows thread', 'loader', 'idle RSS MB', 'of which file-backed (node binary, core bridge) MB', 'anonymous MB'], rows);
console.log(
  `\nnode ${process.version}; idle = connected to a dev server and polling, 6 s after start; ${Object.entries(WORKER_ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`,
);
