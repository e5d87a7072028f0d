/**
 * The real stack for a benchmark: an in-process Hono server and one or more
 * worker processes on a fresh task queue, sharing the caller's Temporal dev
 * server, SMTP sink and client. Plus reading a request's workflow history.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { MailCatcher } from '../dev/mail-catcher.ts';
import { Secret } from '../lib/config.ts';
import { fileStore } from '../storage/file-store.ts';
import { s3Store } from '../storage/s3-store.ts';
import { ensureStorage, type StoragePaths, storagePaths } from '../storage/file-layout.ts';
import { regimeTable } from '../lib/regimes.ts';
import { createApp } from '../server/app.ts';
import { openDemoDb } from '../plugins/demo/schema.ts';
import { seedDemoData, seedManyComments } from '../plugins/demo/seed.ts';
import { WORKER_ARGS, WORKER_ENV } from '../worker/process-options.ts';
import { cpuSeconds } from './proc.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** What every stack of one bench invocation shares. */
export interface Shared {
  temporalAddress: string;
  temporalPid: number;
  mail: MailCatcher;
  client: Client;
  payloadKey: Buffer;
}

export interface Stack {
  baseUrl: string;
  paths: StoragePaths;
  workers: ChildProcess[];
  /** Admin API call; resolves with the status and the parsed JSON body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** One person's `size` comments in a fresh demo database under `dir`, and a manifest of the comments exporter reading it. */
export async function seedCommentsExport(dir: string, email: string, size: number): Promise<{ dbPath: string; manifest: string }> {
  const dbPath = join(dir, 'demo.sqlite');
  const db = openDemoDb(dbPath);
  seedDemoData(db);
  seedManyComments(db, email, size);
  db.close();
  return { dbPath, manifest: await writeCommentsManifest(dir, dbPath) };
}

/** Writes a manifest with the demo comments exporter alone, reading `dbPath`. */
export async function writeCommentsManifest(dir: string, dbPath: string): Promise<string> {
  const manifest = join(dir, 'plugins.yaml');
  await writeFile(
    manifest,
    `version: 1\nexporters:\n  - key: comments\n    name: Comments\n    module: ${join(root, 'plugins/demo/comments-exporter.ts')}\n    pageSize: 500\n    permissions: { read: [${JSON.stringify(dir)}] }\n    settings: { database: ${dbPath} }\n`,
  );
  return manifest;
}

/** Writes a manifest with the demo comments eraser alone, changing `dbPath` (erasers need `write`). */
export async function writeCommentsEraserManifest(dir: string, dbPath: string): Promise<string> {
  const manifest = join(dir, 'plugins.yaml');
  await writeFile(
    manifest,
    `version: 1\nexporters: []\nerasers:\n  - key: comments\n    name: Comments\n    module: ${join(root, 'plugins/demo/comments-eraser.ts')}\n    pageSize: 500\n    permissions: { write: [${JSON.stringify(dir)}] }\n    settings: { database: ${dbPath} }\n`,
  );
  return manifest;
}

/** A bucket of an S3-compatible server (bench/storage.ts starts versitygw). */
export interface BenchBucket {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  prefix: string;
}

/**
 * One server in this process and `workers` worker processes; with `bucket`, everything kept goes
 * there and each worker has a staging directory of its own (hosts that share no disk).
 */
export async function startStack(shared: Shared, options: { dir: string; manifest: string; workers: number; bucket?: BenchBucket }): Promise<Stack> {
  const paths = storagePaths(join(options.dir, 'storage'));
  await ensureStorage(paths);
  const bucket = options.bucket;
  const store = bucket
    ? s3Store({
        bucket: bucket.bucket,
        prefix: bucket.prefix,
        endpoint: bucket.endpoint,
        region: bucket.region,
        credentials: { accessKeyId: bucket.accessKey, secretAccessKey: bucket.secretKey },
        stagingDir: join(options.dir, 'server-staging'),
      })
    : fileStore(paths);
  const storageEnv = (n: number): Record<string, string> =>
    bucket
      ? {
          STORAGE_URL: `s3://${bucket.bucket}/${bucket.prefix}`,
          S3_ENDPOINT: bucket.endpoint,
          AWS_REGION: bucket.region,
          AWS_ACCESS_KEY_ID: bucket.accessKey,
          AWS_SECRET_ACCESS_KEY: bucket.secretKey,
          STAGING_DIR: join(options.dir, `worker-${n}-staging`),
        }
      : { STORAGE_DIR: paths.root };
  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const token = randomBytes(16).toString('hex');

  let handler: (r: Request) => Response | Promise<Response> = () => new Response('', { status: 503 });
  const server = serve({ fetch: (r) => handler(r), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = createApp({
    client: shared.client,
    adminToken: new Secret(token),
    secret: new Secret(secret),
    store,
    publicUrl: baseUrl,
    siteName: 'Bench',
    namespace: 'default',
    temporalUiUrl: undefined,
    taskQueue,
    confirmTtlMs: 3_600_000,
    retentionMs: 3_600_000,
    heartbeatTimeoutMs: 30_000,
    regimes: regimeTable(),
  });
  handler = (r) => app.fetch(r);

  const workers = Array.from({ length: options.workers }, (_, n) =>
    // `BENCH_WORKER_PROFILE=<dir>`: each worker writes a V8 CPU profile there when it stops.
    spawn(
      process.execPath,
      [
        ...(process.env.BENCH_WORKER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROFILE}`] : []),
        // `BENCH_WORKER_NODE_ARGS='--heap-growing-percent=20 --import ./x.mjs'`: tries node or V8 flags on the worker alone.
        ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        ...WORKER_ARGS,
      ],
      {
        cwd: root,
        env: {
          ...WORKER_ENV,
          // `WORKFLOW_THREAD=own npm run bench …` compares the worker with workflows in a thread of their own.
          ...(process.env.WORKFLOW_THREAD ? { WORKFLOW_THREAD: process.env.WORKFLOW_THREAD } : {}),
          ...(process.env.WORKER_CACHED_WORKFLOWS ? { WORKER_CACHED_WORKFLOWS: process.env.WORKER_CACHED_WORKFLOWS } : {}),
          PATH: process.env.PATH,
          TEMPORAL_ADDRESS: shared.temporalAddress,
          TEMPORAL_TASK_QUEUE: taskQueue,
          SMTP_URL: shared.mail.smtpUrl,
          PLUGINS_FILE: options.manifest,
          ...storageEnv(n + 1),
          APP_SECRET: secret,
          PAYLOAD_KEYS: `bench:${shared.payloadKey.toString('base64')}`,
          PUBLIC_URL: baseUrl,
          LOG_LEVEL: 'WARN',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    ),
  );

  let closed = false;
  return {
    baseUrl,
    paths,
    workers,
    api: async (method, path, body) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: await response.json() };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map((w) => ((w.exitCode ?? w.signalCode) !== null ? undefined : new Promise((r) => w.once('exit', r)))));
      server.close();
    },
  };
}

/** What {@link confirmAndFollow} saw of one request. */
export interface Followed {
  /** The request's final view (admin API). */
  view: any;
  /** Confirmation click → `completed` or `failed`. */
  seconds: number;
  /** Highest VmRSS of any one worker sampled meanwhile. */
  rssDuringMb: number;
  /** Highest VmHWM of the workers at the end, which includes bundling at start. */
  peakRssMb: number;
  /** {@link cpuCell} over the same span. */
  cpu: string;
}

/**
 * Clicks the confirmation link mailed for request `id`, then polls the admin
 * API every 25 ms until the request is `completed` or `failed`, sampling the
 * worker's RSS.
 * @throws {Error} when the worker dies or nothing ends within 30 minutes
 */
export async function confirmAndFollow(shared: Shared, stack: Stack, id: string): Promise<Followed> {
  const worker = stack.workers[0]!;
  const link = await mailedConfirmationLink(shared, stack, id);
  const cpuBefore = await cpuSplit(shared, stack);
  const started = performance.now();
  await clickConfirm(link);
  let view: any;
  let rssDuringMb = 0;
  for (;;) {
    rssDuringMb = Math.max(rssDuringMb, ...(await Promise.all(stack.workers.map((w) => rssMb(w, 'VmRSS')))));
    view = (await stack.api('GET', `/api/requests/${id}`)).body;
    if (view.status === 'completed' || view.status === 'failed') break;
    if (worker.exitCode !== null || worker.signalCode !== null) throw new Error(`the worker died (${worker.exitCode ?? worker.signalCode})`);
    if (performance.now() - started > 30 * 60_000) throw new Error('the request did not finish within 30 minutes');
    await new Promise((r) => setTimeout(r, 25));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuCell(cpuBefore, await cpuSplit(shared, stack));
  const peakRssMb = Math.max(...(await Promise.all(stack.workers.map((w) => rssMb(w, 'VmHWM')))));
  return { view, seconds, rssDuringMb, peakRssMb, cpu };
}

/**
 * An export request for `email`, timed from the click on its confirmation link to the workflow's
 * end (ZIP built and its release recorded; download delivery, no mail): the workflow's result
 * arrives by long poll the moment it ends, so no polling interval adds to the figure.
 * @throws {Error} when the request does not complete
 */
export async function timeToEnd(shared: Shared, stack: Stack, email: string): Promise<{ seconds: number; events: number; file: string }> {
  const created = await stack.api('POST', '/api/requests', { email, action: 'export', sendAsEmail: false });
  if (created.status !== 201) throw new Error(`request refused: ${JSON.stringify(created.body)}`);
  const id: string = created.body.id;
  const link = await mailedConfirmationLink(shared, stack, id);
  const handle = shared.client.workflow.getHandle(created.body.workflow.id, created.body.workflow.runId);
  const started = performance.now();
  await clickConfirm(link);
  const memo = (await handle.result()) as { status: string; reason?: string; download?: { file: string } };
  const seconds = (performance.now() - started) / 1000;
  if (memo.status !== 'completed' || !memo.download) throw new Error(`bench request ended ${memo.status}: ${memo.reason}`);
  const history = await requestHistory(shared.client, created.body.workflow.id, created.body.workflow.runId);
  return { seconds, events: history.maxEvents, file: memo.download.file };
}

/** The confirmation link mailed for request `id`. */
async function mailedConfirmationLink(shared: Shared, stack: Stack, id: string): Promise<URL> {
  const confirmation = await shared.mail.waitFor((m) => m.text.includes(id), 120_000);
  return new URL(confirmation.text.split(/\s+/).find((w) => w.startsWith(`${stack.baseUrl}/confirm?`)) as string);
}

/** The button of the page the link opens: a same-origin post of the link's id and key. */
async function clickConfirm(link: URL): Promise<void> {
  await fetch(new URL('/confirm', link), {
    method: 'POST',
    headers: { Origin: link.origin, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ id: link.searchParams.get('id') ?? '', key: link.searchParams.get('key') ?? '' }),
  });
}

/** Resident set (VmRSS) or its peak (VmHWM, which includes bundling at start) of a live process, from /proc. */
async function rssMb(child: ChildProcess, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export interface RequestHistory {
  runs: number;
  /** Events of the longest run. */
  maxEvents: number;
  /** Activities started, by the identity of the worker that started them (`pid@host`). */
  activitiesBy: Map<string, number>;
}

/**
 * Reads every run of a request's workflow, from its first run along the
 * continue-as-new chain (each run's last event names the next run).
 */
export async function requestHistory(client: Client, workflowId: string, firstRunId: string): Promise<RequestHistory> {
  const result: RequestHistory = { runs: 0, maxEvents: 0, activitiesBy: new Map() };
  for (let runId: string | null | undefined = firstRunId; runId; ) {
    const events: temporal.api.history.v1.IHistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    result.runs += 1;
    result.maxEvents = Math.max(result.maxEvents, events.length);
    for (const event of events) {
      const identity = event.activityTaskStartedEventAttributes?.identity;
      if (identity) result.activitiesBy.set(identity, (result.activitiesBy.get(identity) ?? 0) + 1);
    }
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return result;
}

/** CPU seconds of the workers, the Temporal dev server and this process (HTTP server, client, SMTP sink). */
export async function cpuSplit(shared: Shared, stack: Stack): Promise<{ workers: number; temporal: number; bench: number }> {
  const workers = await Promise.all(stack.workers.map((w) => cpuSeconds(w.pid)));
  return { workers: workers.reduce((a, b) => a + b, 0), temporal: await cpuSeconds(shared.temporalPid), bench: await cpuSeconds(process.pid) };
}

/** `after - before` of {@link cpuSplit}, as `worker / temporal / bench` seconds. */
export function cpuCell(before: Awaited<ReturnType<typeof cpuSplit>>, after: Awaited<ReturnType<typeof cpuSplit>>): string {
  return [after.workers - before.workers, after.temporal - before.temporal, after.bench - before.bench].map((s) => s.toFixed(1)).join(' / ');
}
