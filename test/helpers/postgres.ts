/**
 * A throwaway PostgreSQL server for tests, on a fresh Debian machine too:
 * finds `initdb`/`pg_ctl` under /usr/lib/postgresql/<version>/bin (installing
 * Debian's `postgresql` package with apt-get when they are missing), creates
 * a cluster in a temporary directory, starts it on a free loopback port with
 * trust authentication, and creates a database.
 *
 * As root the cluster belongs to the `postgres` user, since initdb refuses to
 * run as root. The server is stopped when the test process exits, even if the
 * test forgets to call `stop()`.
 *
 * @example
 * ```ts
 * const pg = await startPostgres();   // { url: 'postgres://postgres@127.0.0.1:41234/dsr_test', stop }
 * after(() => pg.stop());
 * ```
 * @module
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../dev/free-port.ts';
import { aptInstall } from './apt.ts';

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/dsr_test` */
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'dsr_test';

export async function startPostgres(): Promise<TestPostgres> {
  let bin = findBinDir();
  if (!bin) {
    installPostgres();
    bin = findBinDir();
  }
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed and apt-get could not install it (no initdb under /usr/lib/postgresql/*/bin): run `sudo apt-get install postgresql`',
    );
  }
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'dsr-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(run('id', [flag, 'postgres']).trim()));
    chownSync(dir, uid as number, gid as number);
  }
  // As root, the server's tools run as `postgres`; otherwise as whoever runs the tests.
  const tool = (name: string, args: string[], options: SpawnSyncOptions = {}) =>
    asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, name), ...args], { encoding: 'utf8', ...options })
      : spawnSync(join(bin, name), args, { encoding: 'utf8', ...options });

  const init = tool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], {
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}): ${String(init.stderr)}`);
  }
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    tool('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopNow);

  // A port found free may be taken before the server binds it: try a few.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const started = tool('pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', options]);
    if (started.status === 0) break;
    if (attempt === 3) {
      const log = readLog(dir);
      stopNow();
      throw new Error(`pg_ctl start failed: ${String(started.stderr)}\n${log}`);
    }
  }

  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`,
    async stop() {
      stopNow();
      process.off('exit', stopNow);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// _helpers

/** The bin directory of the newest PostgreSQL under /usr/lib/postgresql that has initdb and pg_ctl. */
function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, 'bin'))
    .find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')));
}

function installPostgres(): void {
  log("PostgreSQL not found under /usr/lib/postgresql: installing Debian's package");
  aptInstall(['postgresql'], log);
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}): ${String(result.stderr ?? '')}`);
  }
  return String(result.stdout ?? '');
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8');
  } catch {
    return '';
  }
}

function log(message: string): void {
  process.stderr.write(`[postgres] ${message}\n`);
}
