/**
 * The product as real processes, for fault tests that kill them: a Temporal
 * dev server of its own (state in a SQLite file, so it restarts where it
 * stopped, on the same port), `worker/main.ts` and `server/main.ts` as child
 * processes configured by environment as in production, a real mail catcher
 * and a temporary STORAGE_DIR. Every process's stdout and stderr go to files
 * under `logDir`, so a test can read what the product logged.
 *
 * @example
 * ```ts
 * const stack = await startProcessStack({ manifest: 'version: 1\nexporters: …' });
 * try {
 *   await stack.server.kill();   // kill -9
 *   await stack.server.start();  // same port, same PUBLIC_URL
 * } finally {
 *   await stack.close();
 * }
 * ```
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { findTemporalCli, startTemporalDevServer, type TemporalDevServer } from '../../dev/temporal-server.ts';
import { freePort } from '../../dev/free-port.ts';
import { type CaughtMail, type MailCatcher, startMailCatcher } from '../../dev/mail-catcher.ts';
import { dataConverter, EncryptionCodec } from '../../lib/payload-codec.ts';
import { ensureStorage, storagePaths, type StoragePaths } from '../../storage/file-layout.ts';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../workflows/definitions.ts';
import { type ApiResponse, linkIn, ROOT, waitForStatus } from './stack.ts';
import { WORKER_ARGS, WORKER_ENV } from '../../worker/process-options.ts';

export interface ProcessStackOptions {
  /** plugins.yaml text; `{dir}` is replaced by the stack's temporary directory. */
  manifest: string;
  /** LOG_LEVEL of the worker and the server. @default 'DEBUG' */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** HEARTBEAT_TIMEOUT of the worker's plugin activities. @default '3s' */
  heartbeatTimeout?: string;
  /** FAILED_STAGING_RETENTION: how long a failed export's staged pages wait for a retry. @default '3s' */
  failedStagingRetention?: string;
  /** More environment for the worker and the server (a sql plugin's connection URL); `{dir}` is replaced. */
  env?: Record<string, string>;
}

/** One restartable process of the stack. */
export interface Managed {
  /** Starts it and resolves once it is ready; throws if it is running already. */
  start(): Promise<void>;
  /** A clean stop (SIGTERM; SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** `kill -9`: no clean-up, no goodbye. */
  kill(): Promise<void>;
  running(): boolean;
}

export interface ProcessStack {
  dir: string;
  logDir: string;
  paths: StoragePaths;
  baseUrl: string;
  adminToken: string;
  appSecret: string;
  temporalAddress: string;
  mail: MailCatcher;
  temporal: Managed;
  worker: Managed;
  server: Managed;
  /** A client with the payload keys (`raw: true`: without them, as anyone with access to Temporal sees it). */
  client(options?: { raw?: boolean }): Promise<Client>;
  /** The admin API; a refused connection (server down) answers status 0. */
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** Polls the admin API until the request has `status`; tolerates the server or Temporal being down meanwhile. */
  waitForStatus(id: string, status: string, timeoutMs?: number): Promise<any>;
  linkIn(mail: CaughtMail, prefix: string): string;
  /** Every captured log, by file name. */
  logs(): Map<string, string>;
  close(): Promise<void>;
}

const PAYLOAD_KEY = randomBytes(32);

export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-proc-'));
  const logDir = join(dir, 'logs');
  await mkdir(logDir);
  const manifestPath = join(dir, 'plugins.yaml');
  await writeFile(manifestPath, options.manifest.replaceAll('{dir}', dir));
  const paths = storagePaths(join(dir, 'storage'));
  await ensureStorage(paths);
  const mail = await startMailCatcher({ smtpPort: 0 });
  const adminToken = randomBytes(24).toString('hex');
  const appSecret = randomBytes(32).toString('hex');
  const [temporalPort, serverPort] = [await freePort(), await freePort()];
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const baseUrl = `http://127.0.0.1:${serverPort}`;
  const cliPath = findTemporalCli();

  let dev: TemporalDevServer | undefined;
  const temporal: Managed = {
    async start() {
      if (dev) throw new Error('Temporal is running already');
      dev = await startTemporalDevServer({
        cliPath,
        dbFile: join(dir, 'temporal.sqlite'),
        port: temporalPort,
        uiPort: false,
        searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
        logFile: join(logDir, 'temporal.log'),
      });
    },
    async stop() {
      await dev?.stop();
      dev = undefined;
    },
    async kill() {
      if (!dev) return;
      process.kill(dev.pid, 'SIGKILL');
      await dev.stop(); // resolves once the process is gone
      dev = undefined;
    },
    running: () => dev !== undefined,
  };

  const env = {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'dsr',
    SMTP_URL: mail.smtpUrl,
    PLUGINS_FILE: manifestPath,
    STORAGE_DIR: paths.root,
    APP_SECRET: appSecret,
    ADMIN_TOKEN: adminToken,
    PAYLOAD_KEYS: `proc:${PAYLOAD_KEY.toString('base64')}`,
    PUBLIC_URL: baseUrl,
    PORT: String(serverPort),
    HEARTBEAT_TIMEOUT: options.heartbeatTimeout ?? '3s',
    FAILED_STAGING_RETENTION: options.failedStagingRetention ?? '3s',
    LOG_LEVEL: options.logLevel ?? 'DEBUG',
    ...Object.fromEntries(Object.entries(options.env ?? {}).map(([name, value]) => [name, value.replaceAll('{dir}', dir)])),
  };

  const worker = _managedNode('worker', WORKER_ARGS, { ...env, ...WORKER_ENV }, logDir, async (log) => {
    await _until(() => log().includes('worker: task queue'), 60_000, 'the worker did not start', log);
  });
  const server = _managedNode('server', ['--import', 'tsx', join(ROOT, 'server', 'main.ts')], env, logDir, async (log) => {
    await _until(async () => (await fetch(`${baseUrl}/healthz`).catch(() => undefined)) !== undefined, 60_000, 'the server did not listen', log);
  });

  const connections: Connection[] = [];
  const stack: ProcessStack = {
    dir,
    logDir,
    paths,
    baseUrl,
    adminToken,
    appSecret,
    temporalAddress,
    mail,
    temporal,
    worker,
    server,
    async client({ raw = false } = {}) {
      const connection = await Connection.connect({ address: temporalAddress });
      connections.push(connection);
      const codec = new EncryptionCodec([{ id: 'proc', key: PAYLOAD_KEY }]);
      return new Client({ connection, namespace: 'default', ...(raw ? {} : { dataConverter: dataConverter(codec) }) });
    },
    async api(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).catch(() => undefined);
      if (!response) return { status: 0, body: undefined };
      const text = await response.text();
      try {
        return { status: response.status, body: JSON.parse(text) };
      } catch {
        return { status: response.status, body: text };
      }
    },
    // The server may be down in between: its API answers status 0 then, which never matches.
    waitForStatus: (id, status, timeoutMs = 90_000) => waitForStatus(stack, id, status, timeoutMs),
    linkIn,
    logs() {
      return new Map(readdirSync(logDir).map((name) => [name, readFileSync(join(logDir, name), 'utf8')]));
    },
    async close() {
      await Promise.all(connections.map((connection) => connection.close().catch(() => {})));
      await server.stop();
      await worker.stop();
      await temporal.stop();
      await mail.close();
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await temporal.start();
    await worker.start();
    await server.start();
  } catch (error) {
    await stack.close().catch(() => {});
    throw error;
  }
  return stack;
}

// ───────────────────────────── _helpers ─────────────────────────────

/** `node <args>` with `env`, its output appended to `<logDir>/<name>.log`. */
function _managedNode(
  name: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  logDir: string,
  ready: (log: () => string) => Promise<void>,
): Managed {
  const logFile = join(logDir, `${name}.log`);
  const log = () => readFileSync(logFile, 'utf8');
  let child: ChildProcess | undefined;
  let exited: Promise<void> | undefined;

  const end = async (signal: NodeJS.Signals) => {
    if (!child || !exited) return;
    const current = child;
    const gone = exited;
    if (current.exitCode === null && current.signalCode === null) current.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => current.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
    child = undefined;
    exited = undefined;
  };

  return {
    async start() {
      if (child) throw new Error(`${name} is running already`);
      const fd = openSync(logFile, 'a');
      const started = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      const onExit = () => started.kill('SIGKILL');
      process.once('exit', onExit);
      void exited.then(() => process.off('exit', onExit));
      await Promise.race([
        ready(log),
        exited.then(() => {
          throw new Error(`${name} exited while starting:\n${log().slice(-4000)}`);
        }),
      ]);
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    running: () => child !== undefined,
  };
}

async function _until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms:\n${log().slice(-4000)}`);
    await sleep(100);
  }
}
