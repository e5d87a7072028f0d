/**
 * `npm start`: the whole product on one machine with embedded defaults — a
 * Temporal dev server (SQLite under var/, so requests survive a restart),
 * Mailpit catching every mail, the seeded demo database, the worker and the
 * HTTP server as separate processes, as in production. Everything listens on
 * 127.0.0.1 and every URL it prints uses that one host, so the admin's
 * session reaches the Temporal UI (served behind the sign-in at
 * /admin/temporal) and its codec endpoint.
 *
 * It never joins what it did not start: a default port that is taken is
 * swapped for a free one (and said so); a port set by environment that is
 * taken stops the start, naming the variable. The task queue and payload key
 * id are unique to this checkout's var/ folder, so two stacks can never run
 * each other's workflows. "running" is printed only once the worker polls
 * and /healthz is answered by the server started here. When any process it
 * started ends (a `kill -9` included), everything stops within seconds.
 *
 * Any setting can be overridden by environment (see README). With
 * TEMPORAL_ADDRESS set it uses that cluster instead of starting one; with
 * SMTP_URL set it sends real mail instead of catching it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { startDemoProcessor } from '../dev/demo-processor.ts';
import { findMailpit, startMailpit } from '../dev/mailpit.ts';
import { findTemporalCli, isPortFree, startTemporalDevServer } from '../dev/temporal-server.ts';
import { freePort } from '../dev/free-port.ts';
import { loadConfig } from '../lib/config.ts';
import { ConfigError, ManifestError } from '../lib/errors.ts';
import { loadRegimes } from '../lib/regimes.ts';
import { loadManifest } from '../manifest/load.ts';
import { openDemoDb } from '../plugins/demo/schema.ts';
import { DEMO_PERSON, seedDemoData } from '../plugins/demo/seed.ts';
import { TEMPORAL_UI_PATH } from '../lib/temporal.ts';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';
import { WORKER_ARGS, WORKER_ENV } from '../worker/process-options.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const varDir = resolve(process.env.VAR_DIR ?? join(root, 'var'));
const HOST = '127.0.0.1';
/** How long a process may take to stop before it is killed: everything is down within 5 s. */
const STOP_GRACE_MS = 3_000;

/** A start that cannot go on, with what to do about it: printed without a stack trace. */
class StartError extends Error {
  override readonly name = 'StartError';
}

interface DevSecrets {
  APP_SECRET: string;
  ADMIN_TOKEN: string;
  PAYLOAD_KEYS: string;
  /** Names this checkout's stack: its task queue and payload key id. */
  STACK_ID: string;
  /** The demo mailing-list processor's keys: its requests and callbacks, its receipts (dev/demo-processor.ts). */
  DEMO_PROCESSOR_SECRET: string;
  DEMO_PROCESSOR_RECEIPT_KEY: string;
}

/**
 * Secrets made once and kept in var/, so links in caught mails keep working after a restart.
 * Folders from before STACK_ID existed keep their key under its old id `dev1` too, so their
 * histories still decrypt; new histories are encrypted under this stack's own id.
 */
function devSecrets(): DevSecrets {
  const file = join(varDir, 'dev-secrets.json');
  const stackId = randomBytes(4).toString('hex');
  const fresh: DevSecrets = {
    APP_SECRET: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    PAYLOAD_KEYS: `dev-${stackId}:${randomBytes(32).toString('base64')}`,
    STACK_ID: stackId,
    DEMO_PROCESSOR_SECRET: randomBytes(24).toString('hex'),
    DEMO_PROCESSOR_RECEIPT_KEY: randomBytes(24).toString('hex'),
  };
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>) : {};
  const secrets = { ...fresh, ...kept };
  const legacy = /^dev1:([^,]+)$/.exec(secrets.PAYLOAD_KEYS);
  if (legacy) secrets.PAYLOAD_KEYS = `dev-${secrets.STACK_ID}:${legacy[1]},dev1:${legacy[1]}`;
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * The port for `variable`: the one it sets, which must be free; else `fallback` when free;
 * else any free port, said on the console.
 * @throws {StartError} when the port the variable asks for is taken
 */
async function choosePort(variable: string, fallback: number): Promise<number> {
  const asked = process.env[variable];
  if (asked !== undefined && asked !== '') {
    const port = Number(asked);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StartError(`${variable}=${asked} is not a port number (1–65535)`);
    if (!(await isPortFree(port, HOST))) throw new StartError(`${variable}=${port}: that port is in use by another program; set ${variable} to a free port`);
    return port;
  }
  if (await isPortFree(fallback, HOST)) return fallback;
  const port = await freePort();
  console.log(`[start] port ${fallback} is in use by another program: using ${port} instead (set ${variable} to choose)`);
  return port;
}

/** One thing this start started, and how to stop it. */
interface Started {
  name: string;
  exited: Promise<void>;
  stop(): Promise<void>;
}

const started: Started[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all(started.map((thing) => thing.stop().catch(() => {})));
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** Whatever ends first (a crash, a `kill -9`) takes the whole stack down with it. */
function watch(thing: Started): void {
  started.push(thing);
  void thing.exited.then(() => {
    if (!stopping) {
      console.error(`[start] ${thing.name} stopped; stopping everything`);
      void stopAll(1);
    }
  });
}

function runNode(name: string, args: readonly string[], env: Record<string, string>): void {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  watch({
    name: `the ${name}`,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  });
}

/**
 * Starts on one machine choose their ports one at a time: from the first port chosen until
 * every server holds its own, another start would see the same ports free. A lock left by a
 * start that died is taken over once its process is gone.
 */
async function portLock(): Promise<() => void> {
  const lock = join(tmpdir(), 'dsr-engine-start.lock');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // The holder writes its pid right after taking the lock; a lock without a live holder for 2 s is stale.
    const holder = readPid(join(lock, 'pid'));
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    if (since === undefined) continue; // released meanwhile: try again at once
    if (!isAlive(holder) && Date.now() - since > 2_000) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new StartError(`another npm start (pid ${holder}) has held ${lock} for 5 minutes; stop it or remove that folder`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function readPid(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8')) || 0;
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let releasePorts: (() => void) | undefined;
try {
  mkdirSync(varDir, { recursive: true, mode: 0o700 });
  releasePorts = await portLock();
  const secrets = devSecrets();
  const port = await choosePort('PORT', 3000);
  const publicUrl = process.env.PUBLIC_URL ?? `http://${HOST}:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    APP_SECRET: process.env.APP_SECRET ?? secrets.APP_SECRET,
    ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? secrets.ADMIN_TOKEN,
    PAYLOAD_KEYS: process.env.PAYLOAD_KEYS ?? secrets.PAYLOAD_KEYS,
    TEMPORAL_TASK_QUEUE: process.env.TEMPORAL_TASK_QUEUE ?? `dsr-${secrets.STACK_ID}`,
    HOST: process.env.HOST ?? HOST,
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    STORAGE_DIR: process.env.STORAGE_DIR ?? join(varDir, 'storage'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
    // Reminders of due dates go to the caught mail (with no SMTP_URL), where the team of a dev stack reads them.
    ...(process.env.ADMIN_EMAIL || process.env.SMTP_URL ? {} : { ADMIN_EMAIL: 'privacy-team@example.com' }),
    INSTANCE_ID: randomBytes(8).toString('hex'),
    DEMO_PROCESSOR_SECRET: process.env.DEMO_PROCESSOR_SECRET ?? secrets.DEMO_PROCESSOR_SECRET,
    DEMO_PROCESSOR_RECEIPT_KEY: process.env.DEMO_PROCESSOR_RECEIPT_KEY ?? secrets.DEMO_PROCESSOR_RECEIPT_KEY,
  };

  // What would stop the worker or the server, said now and plainly, before anything starts.
  const config = loadConfig(env);
  await loadManifest(config.pluginsFile);
  await loadRegimes(config.clock);

  let temporalUi: string | undefined;
  if (!process.env.TEMPORAL_ADDRESS) {
    const server = await startTemporalDevServer({
      cliPath: findTemporalCli(),
      dbFile: join(varDir, 'temporal.sqlite'),
      port: await choosePort('TEMPORAL_DEV_PORT', 7233),
      uiPort: await choosePort('TEMPORAL_UI_PORT', 8233),
      searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
      logFile: join(varDir, 'temporal.log'),
      // Served by our server behind the admin sign-in, where it decodes histories through /admin/codec.
      uiPublicPath: TEMPORAL_UI_PATH,
      uiCodecEndpoint: `${publicUrl}/admin/codec`,
    });
    watch({ name: 'the Temporal dev server', exited: server.exited, stop: () => server.stop(STOP_GRACE_MS) });
    env.TEMPORAL_ADDRESS = server.address;
    if (server.uiUrl) {
      env.TEMPORAL_UI_UPSTREAM = server.uiUrl;
      temporalUi = `${publicUrl}${TEMPORAL_UI_PATH}`;
      env.TEMPORAL_UI_URL = temporalUi;
    }
  }

  let mailViewer: string | undefined;
  if (!process.env.SMTP_URL) {
    const mailpit = await startMailpit({
      binary: findMailpit(),
      smtpPort: await choosePort('MAIL_SMTP_PORT', 1025),
      uiPort: await choosePort('MAIL_UI_PORT', 8025),
      database: join(varDir, 'mailpit.db'),
      logFile: join(varDir, 'mailpit.log'),
    });
    watch({ name: 'Mailpit', exited: mailpit.exited, stop: () => mailpit.stop(STOP_GRACE_MS) });
    env.SMTP_URL = mailpit.smtpUrl;
    mailViewer = mailpit.uiUrl;
  }

  // The demo plugins in plugins.yaml read this database.
  const db = openDemoDb(join(varDir, 'demo', 'demo.sqlite'));
  seedDemoData(db);
  db.close();

  // The demo processor plugins.yaml's demo-mailing-list erases through, unless another is named.
  if (!process.env.DEMO_PROCESSOR_URL) {
    const processor = await startDemoProcessor({
      secret: process.env.DEMO_PROCESSOR_SECRET ?? secrets.DEMO_PROCESSOR_SECRET,
      receiptKey: process.env.DEMO_PROCESSOR_RECEIPT_KEY ?? secrets.DEMO_PROCESSOR_RECEIPT_KEY,
      subscribers: [DEMO_PERSON, 'sam.roe@example.com'],
      port: await choosePort('DEMO_PROCESSOR_PORT', 3100),
    });
    started.push({ name: 'the demo processor', exited: new Promise(() => {}), stop: () => processor.stop() });
    env.DEMO_PROCESSOR_URL = processor.url;
  }

  runNode('worker', WORKER_ARGS, { ...env, ...WORKER_ENV });
  runNode('server', ['--import', 'tsx', join(root, 'server/main.ts')], env);

  // Once our server answers, every port of this stack is held: another start may choose its own.
  await waitForOurServer(`http://${HOST}:${port}/healthz`, env.INSTANCE_ID as string);
  releasePorts();
  releasePorts = undefined;
  await waitForWorker(env.TEMPORAL_ADDRESS as string, config.temporal.namespace, env.TEMPORAL_TASK_QUEUE as string);
  const token = env.ADMIN_TOKEN as string;
  const secretsPath = join(varDir, 'dev-secrets.json');
  const secretsFile = secretsPath.startsWith(`${process.cwd()}/`) ? `./${relative(process.cwd(), secretsPath)}` : secretsPath;
  console.log(`
  Personal-data requests are running.

  Admin page     ${publicUrl}/admin   (sign in with the admin token below)
  Admin API      ${publicUrl}/api/requests
  Admin token    ${token}   (kept in ${secretsFile})
  Request form   ${publicUrl}/request
  Temporal UI    ${temporalUi ?? `(your cluster at ${env.TEMPORAL_ADDRESS})`}${temporalUi ? '   (after signing in to the admin page)' : ''}
  Caught mail    ${mailViewer ?? `(real mail through ${env.SMTP_URL?.replace(/\/\/[^@]*@/, '//***@')})`}

  Try it: ask for the demo person's data, then open the confirmation link in the caught mail:
    TOKEN=$(node -p "require('${secretsFile}').ADMIN_TOKEN")
    curl -s -X POST ${publicUrl}/api/requests -H "Authorization: Bearer $TOKEN" \\
         -H 'Content-Type: application/json' -d '{"email":"${DEMO_PERSON}","action":"export"}'

  Ctrl-C stops everything.
`);
} catch (error) {
  releasePorts?.();
  const plain = error instanceof StartError || error instanceof ConfigError || error instanceof ManifestError;
  console.error(`[start] ${plain ? (error as Error).message : ((error as Error).stack ?? String(error))}`);
  await stopAll(1);
}

/** Until /healthz answers with this start's INSTANCE_ID: another server on the port never counts. */
async function waitForOurServer(url: string, instance: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !stopping) {
    const body = await fetch(url)
      .then(
        (r) => r.json() as Promise<{ instance?: string }>,
        () => undefined,
      )
      .catch(() => undefined);
    if (body?.instance === instance) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new StartError(`the server did not answer at ${url} within 2 minutes; see its output above`);
}

/** Until a worker polls this stack's task queue for workflows and for activities. */
async function waitForWorker(address: string, namespace: string, taskQueue: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + 180_000;
    const types = [proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];
    while (Date.now() < deadline && !stopping) {
      const polled = await Promise.all(
        types.map((taskQueueType) =>
          connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType }).then(
            (answer) => (answer.pollers?.length ?? 0) > 0,
            () => false,
          ),
        ),
      );
      if (polled.every(Boolean)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new StartError(`no worker polled task queue "${taskQueue}" within 3 minutes; see its output above`);
  } finally {
    await connection.close();
  }
}
