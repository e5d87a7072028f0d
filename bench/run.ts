/**
 * `npm run bench -- --items 1000,10000,100000`: one person with N comments in
 * the demo database, an export request through the real stack (Temporal dev
 * server, worker process, HTTP server, SMTP sink), timed from the click on
 * the confirmation link to the ZIP being ready. Prints one table; exits
 * non-zero when the ZIP does not hold exactly the person's N comments.
 *
 * The worker runs as its own process so its peak RSS (VmHWM in /proc) is
 * the worker's alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { startMailCatcher } from '../dev/mail-catcher.ts';
import { findTemporalCli, startTemporalDevServer } from '../dev/temporal-server.ts';
import { Secret } from '../lib/config.ts';
import { EncryptionCodec } from '../lib/payload-codec.ts';
import { ensureStorage, storagePaths } from '../lib/storage.ts';
import { openDemoDb, seedDemoData, seedManyComments } from '../plugins/demo/db.ts';
import { createApp } from '../server/app.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';
import { unzip } from '../test/helpers/unzip.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({ options: { items: { type: 'string', default: '1000,10000,100000' } } });
const sizes = (values.items as string).split(',').map((n) => Number(n.replace(/_/g, '')));
const PERSON = 'bench.person@example.com';

const temporal = await startTemporalDevServer({
  cliPath: findTemporalCli(),
  uiPort: false,
  searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, 'Keyword' as const])),
});
const mail = await startMailCatcher({ smtpPort: 0 });
const connection = await Connection.connect({ address: temporal.address });
const payloadKey = randomBytes(32);
const client = new Client({ connection, dataConverter: { payloadCodecs: [new EncryptionCodec([{ id: 'bench', key: payloadKey }])] } });
const rows: string[][] = [];
let wrong = false;

try {
  for (const size of sizes) rows.push(await measure(size));
} finally {
  await connection.close();
  await mail.close();
  await temporal.stop();
}

const header = ['items', 'wall s', 'items/s', 'worker RSS during export MB', 'worker peak RSS MB', 'ZIP MB', 'export.json MB'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
console.log(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
console.log(`\nnode ${process.version}, ${process.platform}/${process.arch}; time = confirmation click → request completed (ZIP written);\nRSS during export = highest VmRSS sampled every ~25 ms; peak RSS = VmHWM, which includes bundling the workflow code at worker start`);
process.exit(wrong ? 1 : 0);

async function measure(size: number): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-bench-'));
  const dbPath = join(dir, 'demo.sqlite');
  const db = openDemoDb(dbPath);
  seedDemoData(db);
  seedManyComments(db, PERSON, size);
  db.close();
  const manifest = join(dir, 'plugins.yaml');
  await writeFile(
    manifest,
    `version: 1\nexporters:\n  - key: comments\n    name: Comments\n    module: ${join(root, 'plugins/demo/comments-exporter.ts')}\n    pageSize: 500\n    permissions: { read: [${JSON.stringify(dir)}] }\n    settings: { database: ${dbPath} }\n`,
  );
  const paths = storagePaths(join(dir, 'storage'));
  await ensureStorage(paths);
  const taskQueue = `bench-${size}-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const token = randomBytes(16).toString('hex');

  let handler: (r: Request) => Response | Promise<Response> = () => new Response('', { status: 503 });
  const server = serve({ fetch: (r) => handler(r), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = createApp({
    client,
    adminToken: new Secret(token),
    secret: new Secret(secret),
    paths,
    publicUrl: baseUrl,
    siteName: 'Bench',
    namespace: 'default',
    temporalUiUrl: undefined,
    taskQueue,
    confirmTtlMs: 3_600_000,
    retentionMs: 3_600_000,
    heartbeatTimeoutMs: 30_000,
  });
  handler = (r) => app.fetch(r);

  const heap = process.env.BENCH_WORKER_HEAP_MB ? [`--max-old-space-size=${process.env.BENCH_WORKER_HEAP_MB}`] : [];
  const worker = spawn(process.execPath, [...heap, '--import', 'tsx', join(root, 'worker/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: mail.smtpUrl,
      PLUGINS_FILE: manifest,
      STORAGE_DIR: paths.root,
      APP_SECRET: secret,
      PAYLOAD_KEYS: `bench:${payloadKey.toString('base64')}`,
      PUBLIC_URL: baseUrl,
      LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then((r) => r.json() as Promise<any>);
    const created = await api('POST', '/api/requests', { email: PERSON, action: 'export' });
    const confirmation = await mail.waitFor((m) => m.text.includes(created.id), 120_000);
    const link = confirmation.text.split(/\s+/).find((w) => w.startsWith(`${baseUrl}/confirm?`)) as string;
    const started = performance.now();
    await fetch(link);
    let view: any;
    let exportRss = 0;
    for (;;) {
      exportRss = Math.max(exportRss, await rssMb(worker, 'VmRSS'));
      view = await api('GET', `/api/requests/${created.id}`);
      if (view.status === 'completed' || view.status === 'failed') break;
      if (worker.exitCode !== null || worker.signalCode !== null) throw new Error(`the worker died (${worker.exitCode ?? worker.signalCode}) during the export`);
      if (performance.now() - started > 30 * 60_000) throw new Error('the export did not finish within 30 minutes');
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRss = await rssMb(worker, 'VmHWM');
    if (view.status !== 'completed') throw new Error(`bench request failed: ${view.reason}`);
    const zip = await readFile(paths.exportFile((view.download.url as string).split('/').pop() as string));
    const entries = await unzip(zip);
    const json = entries.get('export.json') ?? '';
    const comments = Object.keys(JSON.parse(json)[`Personal Data Export for ${PERSON}`]?.comments?.items ?? {}).length;
    if (comments !== size) {
      wrong = true;
      console.error(`WRONG: ${size} comments seeded, ${comments} in the ZIP`);
    }
    return [
      String(size),
      seconds.toFixed(2),
      Math.round(size / seconds).toString(),
      exportRss.toFixed(0),
      peakRss.toFixed(0),
      (zip.length / 1e6).toFixed(1),
      (Buffer.byteLength(json) / 1e6).toFixed(1),
    ];
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resident set (VmRSS) or its peak (VmHWM, which includes bundling at start) of a live process, from /proc. */
async function rssMb(child: ChildProcess, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
