/**
 * `npm test` (after `scripts/bootstrap.mjs` installed dependencies and the
 * Temporal CLI): type-check, start one shared Temporal dev server, run the
 * test files with Node's built-in runner against it, stop the server.
 *
 * Usage:
 *   npm test                                  # every test/**\/*.test.ts
 *   npm test -- test/foo.test.ts              # only these files
 *   npm test -- --test-name-pattern=restart   # arguments starting with `-` go to `node --test`
 *
 * Test processes get `TEMPORAL_ADDRESS` and `TEMPORAL_NAMESPACE`
 * (see `test/helpers/temporal.ts`). The server's log is `.tmp/temporal-test-server.log`.
 * Set `SKIP_TYPECHECK=1` to skip `tsc --noEmit`, `SKIP_LINT=1` to skip Biome.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTemporalCli, startTemporalDevServer, type TemporalDevServer } from '../dev/temporal-server.ts';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../workflows/definitions.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NAMESPACE = 'default';

function log(message: string): void {
  process.stderr.write(`[test] ${message}\n`);
}

function since(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)} s`;
}

/** Every `*.test.ts` under `test/`, sorted, relative to the repo root. */
function findTestFiles(): string[] {
  const dir = path.join(root, 'test');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts') && !file.split(path.sep).includes('node_modules'))
    .map((file) => path.join('test', file))
    .sort();
}

/**
 * Biome: formatting and lint rules over the whole tree (biome.json), as CI sees them; nothing is
 * rewritten here (`npm run format` does that). Set `SKIP_LINT=1` to skip.
 */
function style(): boolean {
  if (process.env.SKIP_LINT === '1') {
    log('biome skipped (SKIP_LINT=1)');
    return true;
  }
  const started = Date.now();
  const biome = path.join(root, 'node_modules', '.bin', 'biome');
  const result = spawnSync(biome, ['ci', '--max-diagnostics=50', '.'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.error) log(`could not run biome: ${result.error.message}`);
  const ok = result.status === 0;
  log(`biome ci ${ok ? 'passed' : 'FAILED (npm run format fixes formatting; lint findings name their rule)'} in ${since(started)}`);
  return ok;
}

function typecheck(): boolean {
  if (process.env.SKIP_TYPECHECK === '1') {
    log('tsc --noEmit skipped (SKIP_TYPECHECK=1)');
    return true;
  }
  const started = Date.now();
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const result = spawnSync(tsc, ['--noEmit', '-p', root], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.error) log(`could not run tsc: ${result.error.message}`);
  const ok = result.status === 0;
  log(`tsc --noEmit ${ok ? 'passed' : 'FAILED'} in ${since(started)}`);
  return ok;
}

/** Shell convention: 128 + signal number (SIGINT → 130, SIGTERM → 143). */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0);
}

function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('error', (error) => {
      log(`could not start the test runner: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? signalExitCode(signal) : 1)));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const runnerFlags = args.filter((arg) => arg.startsWith('-'));
  const named = args.filter((arg) => !arg.startsWith('-'));
  const files = named.length > 0 ? named : findTestFiles();
  if (files.length === 0) {
    log('no test files found (test/**/*.test.ts)');
    return 1;
  }

  if (!style()) return 1;
  if (!typecheck()) return 1;

  let server: TemporalDevServer | undefined;
  let runner: ChildProcess | undefined;
  let interrupted: NodeJS.Signals | undefined;
  // Ctrl-C reaches the whole process group; SIGTERM comes from bootstrap.mjs or CI. Either way: stop the
  // runner, then fall through to the `finally` that stops the server.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted === undefined) log(`${signal}: stopping`);
    interrupted = signal;
    runner?.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    let started = Date.now();
    server = await startTemporalDevServer({
      cliPath: findTemporalCli(),
      uiPort: false,
      namespace: NAMESPACE,
      searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
      logFile: path.join(root, '.tmp', 'temporal-test-server.log'),
    });
    log(`Temporal dev server ready at ${server.address} in ${since(started)} (pid ${server.pid})`);
    if (interrupted) return signalExitCode(interrupted);

    started = Date.now();
    log(`running ${files.length} test file(s)`);
    runner = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...runnerFlags, ...files], {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: NAMESPACE,
      },
    });
    let code = await waitForExit(runner);
    if (interrupted) code = signalExitCode(interrupted);
    log(`tests ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${since(started)}`);
    return code;
  } finally {
    await server?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
});
