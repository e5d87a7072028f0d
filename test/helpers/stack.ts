/**
 * The whole product on loopback for end-to-end tests: the Hono server on a
 * real port, a worker on a task queue of its own against the shared Temporal
 * dev server, a real SMTP server, a seeded demo database and real files in a
 * temporary directory. Only the clock-like durations are shortened.
 */
import type { ReviewMode } from '../../model/review.ts';
import type { AdminAccount } from '../../server/accounts.ts';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, type Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { startMailCatcher, type CaughtMail, type MailCatcher } from '../../dev/mail-catcher.ts';
import { type Config, Secret } from '../../lib/config.ts';
import { DEFAULT_CLOCK_SETTINGS, regimeTable } from '../../lib/regimes.ts';
import { dataConverter, EncryptionCodec } from '../../lib/payload-codec.ts';
import { createMailer, type Mailer } from '../../lib/mailer.ts';
import { fileStore } from '../../storage/file-store.ts';
import type { Store } from '../../storage/store.ts';
import { ensureStorage, storagePaths, type StoragePaths } from '../../storage/file-layout.ts';
import { openDemoDb } from '../../plugins/demo/schema.ts';
import { seedDemoData } from '../../plugins/demo/seed.ts';
import { createApp } from '../../server/app.ts';
import { createRequestWorker, WORKFLOW_BUNDLE_OPTIONS } from '../../worker/create-worker.ts';
import { leanWorkflowBundle } from '../../worker/lean-bundle.ts';
import { WORKER_ARGS, WORKER_ENV } from '../../worker/process-options.ts';
import { testEnv, uniqueTaskQueue } from './temporal.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURE_PLUGINS = join(ROOT, 'test', 'fixtures', 'plugins');

/** A manifest with one exporter of `total` numbers in pages of 10, each page `delayMs` slow (test/fixtures/plugins/numbers.ts). */
export function slowNumbersManifest(total: number, delayMs: number): string {
  return `version: 1
exporters:
  - key: slow
    name: Slow numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 10
    settings: { total: ${total}, delayMs: ${delayMs} }
`;
}

/**
 * The demo manifest (exporters and erasers), pointed at the stack's own database.
 * Exporters may read the database's directory, erasers change it (`permissions`).
 */
export function demoManifest(dbPath: string, commentsPageSize = 5): string {
  const dbDir = JSON.stringify(dirname(dbPath));
  const entry = (key: string, name: string, file: string, extra = '', settings = '', mode = 'read') =>
    `  - key: ${key}\n    name: ${name}\n    module: ${join(ROOT, 'plugins', 'demo', file)}\n${extra}` +
    `    permissions: { ${mode}: [${dbDir}] }\n    settings: { database: ${dbPath}${settings} }\n`;
  const plan = '    supportsDryRun: true\n';
  const eraser = (key: string, name: string, file: string, extra = '', settings = '') => entry(key, name, file, extra, settings, 'write');
  return [
    'version: 1',
    'exporters:',
    entry('demo-user', 'Account', 'user-exporter.ts'),
    entry('demo-comments', 'Comments', 'comments-exporter.ts', `    pageSize: ${commentsPageSize}\n`),
    entry('demo-sessions', 'Session tokens', 'sessions-exporter.ts'),
    entry('demo-media', 'Media', 'media-exporter.ts'),
    entry('demo-orders', 'Orders', 'orders-exporter.ts'),
    'erasers:',
    eraser(
      'demo-comments',
      'Comments',
      'comments-eraser.ts',
      `    pageSize: ${commentsPageSize}\n${plan}`,
      ", deleteOnPosts: ['https://demo.example.com/2024/03/talk/']",
    ),
    eraser('demo-sessions', 'Session tokens', 'sessions-eraser.ts', plan),
    eraser('demo-media', 'Uploaded files', 'media-eraser.ts', plan),
    eraser('demo-orders', 'Orders and invoices', 'orders-eraser.ts', `${plan}    retentionReason: tax law requires invoices to be kept\n`),
    eraser('demo-user', 'Account', 'user-eraser.ts', plan),
  ].join('\n');
}

export interface StackOptions {
  /** plugins.yaml text; `{db}` is replaced by the demo database path. Default: the demo manifest. */
  manifest?: string;
  confirmTtlMs?: number;
  retentionMs?: number;
  heartbeatTimeoutMs?: number;
  batchBudgetMs?: number;
  batchesPerRun?: number;
  /** Where links to the Temporal Web UI point (and the origin the codec endpoint answers). */
  temporalUiUrl?: string;
  /** Start an in-process worker (default true). */
  worker?: boolean;
  /** The legal clock's settings (default: the built-in regimes, GDPR, UTC, no reminders, no team address). */
  clock?: Partial<Config['clock']>;
  /** Review of exports before release (default off). */
  reviewMode?: ReviewMode;
  /** Named admin accounts (server/accounts.ts). */
  adminUsers?: AdminAccount[];
  /** What the server and the in-process worker keep files in (default: the file store under the stack's directory). */
  store?: Store;
  /** How long a staging activity waits for its worker host (workflows/export-request.ts). */
  stagingHostTimeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  body: any;
}

export interface Stack {
  baseUrl: string;
  adminToken: string;
  appSecret: string;
  taskQueue: string;
  dir: string;
  dbPath: string;
  manifestPath: string;
  paths: StoragePaths;
  mail: MailCatcher;
  client: Client;
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** The first link in a mail that starts with `prefix`. */
  linkIn(mail: CaughtMail, prefix: string): string;
  startWorker(): Promise<void>;
  /** The in-process worker started by {@link startWorker}, while it runs. */
  readonly worker: Worker | undefined;
  /** The worker as its own process (`worker/main.ts`), configured by environment as in production (plus `extraEnv`, e.g. a plugin's secret). */
  spawnWorker(extraEnv?: Record<string, string>): ChildProcess;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** The payload key of every test stack (a fixed test value, never used outside tests). */
export const TEST_PAYLOAD_KEY = createHash('sha256').update('dsr-engine test payload key').digest();

let bundle: Promise<{ code: string }> | undefined;

/** Bundled once per test process, lean as the worker process bundles it: every worker of the file reuses it. */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode(WORKFLOW_BUNDLE_OPTIONS).then(({ code }) => ({ code: leanWorkflowBundle(code, { keepSources: false }) }));
  return bundle;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const env = await testEnv();
  const dir = await mkdtemp(join(tmpdir(), 'dsr-e2e-'));
  const dbPath = join(dir, 'demo.sqlite');
  const db = openDemoDb(dbPath);
  seedDemoData(db);
  db.close();
  const manifestPath = join(dir, 'plugins.yaml');
  await writeFile(manifestPath, (options.manifest ?? demoManifest(dbPath)).replaceAll('{db}', dbPath));
  const paths = storagePaths(join(dir, 'storage'));
  await ensureStorage(paths);
  const store = options.store ?? fileStore(paths);
  const mail = await startMailCatcher({ smtpPort: 0 });
  const taskQueue = uniqueTaskQueue('e2e');
  const adminToken = randomBytes(24).toString('hex');
  const appSecret = randomBytes(32).toString('hex');
  // One key for every stack of the run: they share a namespace, and a list decodes them all.
  const payloadKey = TEST_PAYLOAD_KEY;
  const payloadCodec = new EncryptionCodec([{ id: 'test', key: payloadKey }]);
  const client = new Client({ connection: env.client.connection, namespace: env.namespace, dataConverter: dataConverter(payloadCodec) });

  // Listen first: mailed links need the real port.
  // The Node bindings (`env`) carry the socket, from which the server reads the client's address.
  let handler: (request: Request, env: unknown) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server = serve({ fetch: (request, env) => handler(request, env), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clock = { ...DEFAULT_CLOCK_SETTINGS, ...options.clock };
  const regimes = regimeTable(undefined, clock);
  const settings = {
    regimes,
    reminderOffsetsMs: clock.reminderOffsetsMs,
    taskQueue,
    secret: new Secret(appSecret),
    confirmTtlMs: options.confirmTtlMs ?? 60_000,
    retentionMs: options.retentionMs ?? 3_600_000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 30_000,
    batchBudgetMs: options.batchBudgetMs,
    batchesPerRun: options.batchesPerRun,
    reviewMode: options.reviewMode,
    stagingHostTimeoutMs: options.stagingHostTimeoutMs,
  };
  const app = createApp({
    adminUsers: options.adminUsers,
    ...settings,
    client,
    adminToken: new Secret(adminToken),
    store,
    publicUrl: baseUrl,
    siteName: 'Test Site',
    namespace: env.namespace,
    temporalUiUrl: options.temporalUiUrl,
    payloadCodec,
  });
  handler = (request, env) => app.fetch(request, env);

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let mailer: Mailer | undefined;
  const stack: Stack = {
    get worker() {
      return worker;
    },
    baseUrl,
    adminToken,
    appSecret,
    taskQueue,
    dir,
    dbPath,
    manifestPath,
    paths,
    mail,
    client,
    async api(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: response.status, body: parsed };
    },
    linkIn,
    async startWorker() {
      mailer = createMailer({ smtpUrl: mail.smtpUrl, from: 'Privacy <privacy@test.invalid>', ledger: store.mailLedger });
      worker = await createRequestWorker({
        connection: env.nativeConnection,
        namespace: env.namespace,
        taskQueue,
        workflowBundle: await workflowBundle(),
        payloadCodec,
        activities: createActivities({
          store,
          mailer,
          secret: settings.secret,
          site: { name: 'Test Site', url: 'https://site.test' },
          publicUrl: baseUrl,
          manifestFile: manifestPath,
          regimes,
          teamEmails: clock.teamEmails,
        }),
      });
      running = worker.run();
    },
    spawnWorker(extraEnv = {}) {
      return spawn(process.execPath, WORKER_ARGS, {
        cwd: ROOT,
        env: {
          ...WORKER_ENV,
          PATH: process.env.PATH,
          TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
          TEMPORAL_NAMESPACE: env.namespace,
          TEMPORAL_TASK_QUEUE: taskQueue,
          SMTP_URL: mail.smtpUrl,
          PLUGINS_FILE: manifestPath,
          STORAGE_DIR: paths.root,
          APP_SECRET: appSecret,
          PAYLOAD_KEYS: `test:${payloadKey.toString('base64')}`,
          PUBLIC_URL: baseUrl,
          LOG_LEVEL: 'WARN',
          ...extraEnv,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    },
    async stopWorker() {
      if (!worker) return;
      worker.shutdown();
      await running;
      mailer?.close();
      worker = undefined;
    },
    async close() {
      await stack.stopWorker();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mail.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (options.worker !== false) await stack.startWorker();
  return stack;
}

/** Signs in to the admin pages with the stack's token: the session cookie to send with each page. */
export async function adminCookie(stack: Pick<Stack, 'baseUrl' | 'adminToken'>): Promise<string> {
  const login = await fetch(`${stack.baseUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Origin: stack.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: stack.adminToken, next: '/admin' }),
  });
  return (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** The first link in a mail that starts with `prefix`. */
export function linkIn(caught: CaughtMail, prefix: string): string {
  const link = caught.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting with ${prefix} in mail "${caught.subject}"`);
  return link;
}

/**
 * Confirms as the person does: opens the mailed link (a page that confirms nothing by itself)
 * and presses its button (a same-origin form post of the link's id and key).
 * @returns the answer to the button's post
 */
export async function confirmByLink(link: string): Promise<Response> {
  const url = new URL(link);
  const shown = await fetch(url);
  const page = await shown.text();
  if (shown.status !== 200 || !page.includes('<form method="post" action="confirm">')) {
    throw new Error(`the confirmation link showed no button (${shown.status}): ${page.slice(0, 300)}`);
  }
  return fetch(new URL('/confirm', url), {
    method: 'POST',
    headers: { Origin: url.origin, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ id: url.searchParams.get('id') ?? '', key: url.searchParams.get('key') ?? '' }),
  });
}

/** Polls a download link while it answers 200; returns the first other status (200 if it still answered so after `timeoutMs`). */
export async function statusOnceGone(url: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    status = (await fetch(url)).status;
  }
  return status;
}

/** Polls the admin API until the request reaches `status` (or fails the test after `timeoutMs`). */
export async function waitForStatus(stack: Pick<Stack, 'api'>, id: string, status: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: ApiResponse | undefined;
  while (Date.now() < deadline) {
    last = await stack.api('GET', `/api/requests/${id}`);
    if (last.body?.status === status) return last.body;
    if (last.body?.status === 'failed' && status !== 'failed') {
      throw new Error(`request ${id} failed: ${last.body.reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`request ${id} did not reach "${status}" in ${timeoutMs} ms; last: ${JSON.stringify(last?.body)}`);
}
