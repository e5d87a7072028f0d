/**
 * `npm run topology`: the production topology as separate processes on one
 * machine (docs/DEPLOY.md): a Temporal server, a bucket (versitygw, an
 * S3-compatible server), SMTP (Mailpit), WORKERS worker processes (default 2)
 * and SERVERS HTTP servers (default 2). Each process gets only the
 * environment a process of its kind needs in production, written to
 * `<dir>/env/<process>.env` (owner-only) so the recipe can be read and
 * copied; each worker has its own staging directory and no process shares a
 * disk with another but through the bucket. Everything listens on 127.0.0.1
 * on free ports, on a task queue of its own; Ctrl-C, or any process ending,
 * stops it all.
 *
 * TOPOLOGY_DIR (default var/topology) keeps the Temporal database, the
 * bucket, the logs and the env files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoProcessor } from '../dev/demo-processor.ts';
import { freePort } from '../dev/free-port.ts';
import { findMailpit, startMailpit } from '../dev/mailpit.ts';
import { findTemporalCli, startTemporalDevServer } from '../dev/temporal-server.ts';
import { findVersitygw, startVersitygw } from '../dev/versitygw.ts';
import { openDemoDb } from '../plugins/demo/schema.ts';
import { DEMO_PERSON, seedDemoData } from '../plugins/demo/seed.ts';
import { WORKER_ARGS, WORKER_ENV } from '../worker/process-options.ts';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dir = resolve(process.env.TOPOLOGY_DIR ?? join(root, 'var', 'topology'));
const workers = count('WORKERS', 2);
const servers = count('SERVERS', 2);
const BUCKET = 'dsr-topology';
const GRACE_MS = 3_000;

function count(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    console.error(`[topology] ${variable}=${text}: expected a number of processes from 1 to 16`);
    process.exit(1);
  }
  return n;
}

/** Everything started here, stopped together. */
const stops: (() => Promise<void>)[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all(stops.map((stop) => stop().catch(() => {})));
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function stopWith(name: string, exited: Promise<void>, stop: () => Promise<void>): void {
  stops.push(stop);
  void exited.then(() => {
    if (stopping) return;
    console.error(`[topology] ${name} stopped; stopping everything (its log is in ${join(dir, 'logs')})`);
    void stopAll(1);
  });
}

/** One engine process with exactly `env` (plus PATH), its output in logs/<name>.log. */
function runProcess(name: string, args: readonly string[], env: Record<string, string>): void {
  writeFileSync(
    join(dir, 'env', `${name}.env`),
    `${Object.entries(env)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
  const log = createWriteStream(join(dir, 'logs', `${name}.log`), { flags: 'a', mode: 0o600 });
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stopWith(name, exited, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
    await exited;
    clearTimeout(timer);
  });
}

async function healthy(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !stopping) {
    if (
      (await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )) === true
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url}/healthz did not answer within 2 minutes`);
}

try {
  for (const sub of ['env', 'logs', 'buckets']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
  const stackId = randomBytes(4).toString('hex');

  // The cluster: Temporal (in production a cluster or Temporal Cloud, with these search attributes created).
  const temporal = await startTemporalDevServer({
    cliPath: findTemporalCli(),
    dbFile: join(dir, 'temporal.sqlite'),
    port: await freePort(),
    searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
    logFile: join(dir, 'logs', 'temporal.log'),
  });
  stopWith('the Temporal server', temporal.exited, () => temporal.stop(GRACE_MS));

  // The bucket: private, created once by the operator (the engine never creates buckets).
  const s3 = await startVersitygw({ binary: findVersitygw(), dir: join(dir, 'buckets'), port: await freePort() });
  stopWith('versitygw', s3.exited, () => s3.stop(GRACE_MS));
  await s3.createBucket(BUCKET);

  // SMTP: Mailpit catches what the workers send.
  const mailpit = await startMailpit({
    binary: findMailpit(),
    smtpPort: await freePort(),
    uiPort: await freePort(),
    database: join(dir, 'mailpit.db'),
    logFile: join(dir, 'logs', 'mailpit.log'),
  });
  stopWith('Mailpit', mailpit.exited, () => mailpit.stop(GRACE_MS));

  // What plugins.yaml's demo plugins reach: the demo database and the demo processor.
  const db = openDemoDb(join(root, 'var', 'demo', 'demo.sqlite'));
  seedDemoData(db);
  db.close();
  const processorKeys = { secret: randomBytes(24).toString('hex'), receiptKey: randomBytes(24).toString('hex') };
  const processor = await startDemoProcessor({ ...processorKeys, subscribers: [DEMO_PERSON], port: await freePort() });
  stops.push(() => processor.stop());

  const serverPorts = await Promise.all(Array.from({ length: servers }, () => freePort()));
  // In production PUBLIC_URL is the load balancer in front of the servers; here the first server stands in for it.
  const publicUrl = `http://127.0.0.1:${serverPorts[0]}`;

  /** Every process: the cluster, the task queue, the payload key, the links' secret and the bucket. */
  const shared = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `dsr-topology-${stackId}`,
    PAYLOAD_KEYS: `topology-${stackId}:${randomBytes(32).toString('base64')}`,
    APP_SECRET: randomBytes(32).toString('hex'),
    PUBLIC_URL: publicUrl,
    STORAGE_URL: `s3://${BUCKET}/engine`,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKey,
    AWS_SECRET_ACCESS_KEY: s3.secretKey,
    LOG_LEVEL: 'INFO',
  };
  // Workers: SMTP and the plugins' secrets; each its own staging directory (its own disk).
  for (let n = 1; n <= workers; n++) {
    runProcess(`worker-${n}`, WORKER_ARGS, {
      ...shared,
      ...WORKER_ENV,
      SMTP_URL: mailpit.smtpUrl,
      STAGING_DIR: join(dir, `worker-${n}`, 'staging'),
      DEMO_PROCESSOR_URL: processor.url,
      DEMO_PROCESSOR_SECRET: processorKeys.secret,
      DEMO_PROCESSOR_RECEIPT_KEY: processorKeys.receiptKey,
    });
  }
  // Servers: the admin token and their port; no SMTP, no plugin secrets.
  const adminToken = randomBytes(24).toString('base64url');
  const callbackSecrets = { DEMO_PROCESSOR_SECRET: processorKeys.secret };
  for (let n = 1; n <= servers; n++) {
    runProcess(`server-${n}`, ['--import', 'tsx', join(root, 'server/main.ts')], {
      ...shared,
      ...callbackSecrets,
      ADMIN_TOKEN: adminToken,
      HOST: '127.0.0.1',
      PORT: String(serverPorts[n - 1]),
      STAGING_DIR: join(dir, `server-${n}`, 'staging'),
    });
  }
  const serverUrls = serverPorts.map((port) => `http://127.0.0.1:${port}`);
  await Promise.all(serverUrls.map(healthy));
  console.log(`
  The topology is running: ${workers} worker(s), ${servers} server(s), one bucket, as separate processes.

  Servers        ${serverUrls.join('  ')}   (PUBLIC_URL: ${publicUrl})
  Admin token    ${adminToken}
  Caught mail    ${mailpit.uiUrl}
  Bucket         s3://${BUCKET}/engine at ${s3.endpoint}
  Each process's environment: ${join(dir, 'env')}/<process>.env; its log: ${join(dir, 'logs')}/<process>.log

  Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`[topology] ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
