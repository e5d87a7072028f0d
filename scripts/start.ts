/**
 * `npm start`: the whole product on one machine with embedded defaults — a
 * Temporal dev server (SQLite under var/, so requests survive a restart,
 * Web UI on its own port), a local mail catcher, the seeded demo database,
 * the worker and the HTTP server as separate processes, as in production.
 * Prints where everything is. Ctrl-C stops everything it started.
 *
 * Any setting can be overridden by environment (see README). With
 * TEMPORAL_ADDRESS set it uses that cluster instead of starting one; with
 * SMTP_URL set it sends real mail instead of catching it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMailCatcher } from '../dev/mail-catcher.ts';
import { findTemporalCli, startTemporalDevServer } from '../dev/temporal-server.ts';
import { openDemoDb, seedDemoData, DEMO_PERSON } from '../plugins/demo/db.ts';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';
import { WORKER_ARGS, WORKER_ENV } from '../worker/process-options.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const varDir = resolve(process.env.VAR_DIR ?? join(root, 'var'));
mkdirSync(varDir, { recursive: true, mode: 0o700 });

/** Secrets made once and kept in var/, so links in caught mails keep working after a restart. */
function devSecrets(): { APP_SECRET: string; ADMIN_TOKEN: string; PAYLOAD_KEYS: string } {
  const file = join(varDir, 'dev-secrets.json');
  const fresh = {
    APP_SECRET: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    PAYLOAD_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
  };
  // Older var/ folders lack newer secrets: keep what is there, add what is missing.
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<typeof fresh>) : {};
  const secrets = { ...fresh, ...kept };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

const port = Number(process.env.PORT ?? 3000);
const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
const stops: (() => Promise<void> | void)[] = [];
const children: ChildProcess[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
    for (const stop of stops.reverse()) await stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const secrets = devSecrets();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    APP_SECRET: process.env.APP_SECRET ?? secrets.APP_SECRET,
    ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? secrets.ADMIN_TOKEN,
    PAYLOAD_KEYS: process.env.PAYLOAD_KEYS ?? secrets.PAYLOAD_KEYS,
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    STORAGE_DIR: process.env.STORAGE_DIR ?? join(varDir, 'storage'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
  };

  let temporalUi: string | undefined;
  if (!process.env.TEMPORAL_ADDRESS) {
    const server = await startTemporalDevServer({
      cliPath: findTemporalCli(),
      dbFile: join(varDir, 'temporal.sqlite'),
      port: Number(process.env.TEMPORAL_DEV_PORT ?? 7233),
      uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
      searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
      logFile: join(varDir, 'temporal.log'),
      // Histories are encrypted: the UI decodes them through the admin's codec endpoint.
      uiCodecEndpoint: `${publicUrl}/admin/codec`,
    });
    stops.push(() => server.stop());
    env.TEMPORAL_ADDRESS = server.address;
    temporalUi = server.uiUrl;
    if (temporalUi) env.TEMPORAL_UI_URL = temporalUi;
  }

  let mailViewer: string | undefined;
  if (!process.env.SMTP_URL) {
    const catcher = await startMailCatcher({ smtpPort: Number(process.env.MAIL_SMTP_PORT ?? 0), httpPort: Number(process.env.MAIL_UI_PORT ?? 8025) });
    stops.push(() => catcher.close());
    env.SMTP_URL = catcher.smtpUrl;
    mailViewer = catcher.httpUrl;
  }

  // The demo plugins in plugins.yaml read this database.
  const db = openDemoDb(join(varDir, 'demo', 'demo.sqlite'));
  seedDemoData(db);
  db.close();

  const run = (name: string, args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: 'inherit' });
    child.once('exit', (code) => {
      if (!stopping) {
        console.error(`[start] the ${name} exited (code ${code}); stopping everything`);
        void stopAll(code || 1);
      }
    });
    children.push(child);
  };
  run('worker', WORKER_ARGS, WORKER_ENV);
  run('server', ['--import', 'tsx', join(root, 'server/main.ts')]);

  await waitForHealth(`http://127.0.0.1:${port}/healthz`);
  const token = env.ADMIN_TOKEN as string;
  console.log(`
  Personal-data requests are running.

  Admin page     ${publicUrl}/admin   (sign in with the admin token below)
  Admin API      ${publicUrl}/api/requests   (Authorization: Bearer ${token})
  Request form   ${publicUrl}/request
  Temporal UI    ${temporalUi ?? `(your cluster at ${env.TEMPORAL_ADDRESS})`}
  Caught mail    ${mailViewer ?? `(real mail through ${env.SMTP_URL?.replace(/\/\/[^@]*@/, '//***@')})`}

  Try it: ask for the demo person's data, then open the confirmation link in the caught mail:
    curl -s -X POST ${publicUrl}/api/requests -H 'Authorization: Bearer ${token}' \\
         -H 'Content-Type: application/json' -d '{"email":"${DEMO_PERSON}","action":"export"}'

  Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`[start] ${(error as Error).message}`);
  await stopAll(1);
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not become healthy at ${url} within 2 minutes`);
}
