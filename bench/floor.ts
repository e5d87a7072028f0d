/**
 * The in-process floor: the same exporter → staging → ZIP pipeline as a
 * request, with no Temporal, no worker process and no HTTP. The exporter is
 * loaded and called page by page exactly as the exportBatch activity does
 * (`loadPlugin`, `callPage`, `validateExportPage`), each page goes to
 * `openStaging(...).writePage`, then `buildExportZip` writes the ZIP. Each
 * stage is timed on its own.
 *
 * {@link runFloorProcess} runs it in a process of its own started like the
 * worker (worker/process-options.ts: same heap cap), so the ratio stack/floor
 * measures what Temporal costs, not a difference in V8 settings, and the
 * floor's peak RSS can stand beside the worker's.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callPage, loadPlugin } from '../plugins/host/call-page.ts';
import { validateExportPage } from '../plugins/host/check-answer.ts';
import { loadManifest } from '../manifest/load.ts';
import { closeDemoConnections } from '../plugins/demo/db.ts';
import { buildExportZip } from '../report/build.ts';
import { openStaging } from '../report/staging.ts';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../worker/process-options.ts';
import { secondsSince } from './table.ts';

export interface FloorResult {
  /** Items the exporter returned (the ZIP holds these plus About). */
  items: number;
  zipItems: number;
  pages: number;
  /** Sum over pages of the exporter call, validation included. */
  exporterS: number;
  /** Sum over pages of `writePage`. */
  stagingS: number;
  /** `buildExportZip`: merge, render of index.html/export.json, deflate, write. */
  buildS: number;
  /** Wall time of the whole floor, loading the plugin included. */
  totalS: number;
  /** Peak RSS (VmHWM) of the process that ran it, when run by {@link runFloorProcess}. */
  peakRssMb?: number;
}

/** Runs {@link runFloor} in a child process started with the worker's Node flags and environment. */
export async function runFloorProcess(manifestFile: string, email: string, dir: string): Promise<FloorResult> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...WORKER_NODE_ARGS, '--import', 'tsx', script, manifestFile, email, dir], {
    env: { ...process.env, ...WORKER_ENV },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the floor process exited with ${code}`);
  return JSON.parse(out) as FloorResult;
}

export async function runFloor(manifestFile: string, email: string, dir: string): Promise<FloorResult> {
  const started = performance.now();
  const manifest = await loadManifest(manifestFile);
  const exporter = manifest.exporters[0];
  if (!exporter) throw new Error(`the floor needs an exporter in ${manifestFile}`);
  const fn = await loadPlugin(exporter, 'exporter');
  const stagingPath = join(dir, 'floor-staging.sqlite');
  const store = openStaging(stagingPath);
  const never = new AbortController().signal;
  let exporterS = 0;
  let stagingS = 0;
  let items = 0;
  let pages = 0;
  let cursor: string | undefined;
  try {
    for (let page = 1; ; page++) {
      let t = performance.now();
      const answer = await callPage(fn, {
        plugin: exporter,
        role: 'exporter',
        requestId: 'floor',
        email,
        manifestDir: manifest.dir,
        page,
        cursor,
        dryRun: false,
        cancellation: never,
        heartbeat: () => {},
      });
      const data = validateExportPage(answer, exporter, page);
      exporterS += secondsSince(t);
      t = performance.now();
      store.writePage(exporter.index, page, data.data, data.next_cursor);
      cursor = data.next_cursor;
      stagingS += secondsSince(t);
      items += data.data.length;
      pages += 1;
      if (data.done) break;
    }
  } finally {
    store.close();
    closeDemoConnections();
  }
  const t = performance.now();
  const zip = await buildExportZip({
    stagingPath,
    zipPath: join(dir, 'floor.zip'),
    email,
    siteName: 'Bench',
    siteUrl: 'https://bench.example',
    generatedAt: new Date(),
  });
  const buildS = secondsSince(t);
  return { items, zipItems: zip.items, pages, exporterS, stagingS, buildS, totalS: secondsSince(started) };
}

// As a child of runFloorProcess: run, then print the result with this process's peak RSS.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [manifestFile, email, dir] = process.argv.slice(2) as [string, string, string];
  const result = await runFloor(manifestFile, email, dir);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8'));
  process.stdout.write(JSON.stringify({ ...result, peakRssMb: hwm ? Number(hwm[1]) / 1024 : undefined }));
}
