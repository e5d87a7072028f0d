#!/usr/bin/env node
// @ts-check
/**
 * Entry point of `npm start`, `npm test`, `npm run bench` and `npm run plugins:check` on a fresh clone.
 *
 * Runs before `node_modules` exists, so it is plain Node ESM with no
 * dependencies. It makes sure that
 *   1. `node_modules` matches package-lock.json (`npm ci` otherwise) and the
 *      better-sqlite3 native addon was built;
 *   2. a Temporal CLI (the dev server) is available: `$TEMPORAL_CLI`, or one
 *      built once with `go install` into the user cache; likewise Mailpit (the
 *      mail catcher of `npm start`), `$MAILPIT` or built once, and versitygw
 *      (the S3-compatible server of the tests, the bench and `npm run topology`),
 *      `$VERSITYGW` or built once;
 * and then runs the target TypeScript script with tsx, passing arguments,
 * environment (plus `TEMPORAL_CLI`), signals and the exit code through.
 *
 * Targets that need no Temporal (`plugins-check`) skip step 2.
 *
 * Usage: node scripts/bootstrap.mjs <start|test|bench|plugins-check|topology> [args…]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Keep in sync with `dev/temporal-server.ts` (`TEMPORAL_CLI_VERSION`; test/temporal-server.test.ts checks). v1.6+ cannot be `go install`ed. */
const TEMPORAL_CLI_VERSION = '1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** @type {Record<string, string>} target name → script run with tsx */
const TARGETS = {
  start: 'scripts/start.ts',
  test: 'scripts/test.ts',
  bench: 'bench/run.ts',
  'plugins-check': 'scripts/plugins-check.ts',
  topology: 'scripts/topology.ts',
};

/** Targets that never start a Temporal dev server, so they skip step 2. */
const WITHOUT_TEMPORAL_CLI = new Set(['plugins-check']);

/** Targets that run `npm start`'s stack, with Mailpit as its mail catcher. */
const WITH_MAILPIT = new Set(['start', 'test', 'topology', 'bench']);
/** Object storage is tested and benchmarked against a real S3 server. */
const WITH_VERSITYGW = new Set(['test', 'bench', 'topology']);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** @param {string} message */
function log(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
}

/**
 * Print `message` and exit 1.
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  process.stderr.write(`[bootstrap] error: ${message}\n`);
  process.exit(1);
}

/** @param {string} file @returns {number} mtime in ms, or -1 if missing */
function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** @param {number} startMs */
function since(startMs) {
  return `${((Date.now() - startMs) / 1000).toFixed(1)} s`;
}

/** 1. `npm ci` when node_modules is missing or older than the manifest / lockfile. */
function ensureNodeModules() {
  const lockfile = path.join(root, 'package-lock.json');
  const installed = mtime(path.join(root, 'node_modules', '.package-lock.json'));
  const newest = Math.max(mtime(lockfile), mtime(path.join(root, 'package.json')));
  if (mtime(lockfile) < 0) fail('package-lock.json is missing; run `npm install` once and commit it.');

  if (installed < 0 || installed < newest) {
    log(installed < 0 ? 'node_modules missing: running npm ci' : 'node_modules older than package-lock.json: running npm ci');
    /** @type {NodeJS.ProcessEnv} */
    const env = { ...process.env };
    // better-sqlite3 builds from source with node-gyp (its prebuilt binaries come from GitHub, which
    // this machine cannot reach): it needs a compiler, make and python3, and this Node's headers,
    // which sit beside the binary (/usr/include/node for /usr/bin/node) instead of being downloaded.
    ensureBuildTools();
    const prefix = path.dirname(path.dirname(process.execPath));
    if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;
    const started = Date.now();
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['ci'], { cwd: root, env, stdio: 'inherit' });
    if (result.error) fail(`could not run npm ci: ${result.error.message}`);
    if (result.status !== 0) fail(`npm ci failed (exit ${result.status ?? result.signal})`);
    log(`npm ci done in ${since(started)}`);
  }

  const addon = path.join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!fs.existsSync(addon)) {
    fail(
      `better-sqlite3's native addon was not built (${path.relative(root, addon)} is missing).\n` +
        '  It builds from source with node-gyp: it needs python3, make, a C++ compiler and the Node headers\n' +
        '  (npm_config_nodedir=/usr when /usr/include/node exists), and npm must be allowed to run its install\n' +
        '  script ("allowScripts" in package.json). Fix that, then `rm -rf node_modules` and run again.',
    );
  }
}

/** Installs a C++ compiler, make and python3 with apt-get (Debian/Ubuntu) when one is missing. */
function ensureBuildTools() {
  const missing = ['g++', 'make', 'python3'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length === 0) return;
  if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
    fail(`${missing.join(', ')} missing, needed to build better-sqlite3: install them, then run again.`);
  }
  log(`${missing.join(', ')} missing: apt-get install build-essential python3 (once)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'build-essential', 'python3'], { env, stdio: 'inherit' }).status === 0;
  if (!install() && !(spawnSync('apt-get', ['update'], { env, stdio: 'inherit' }).status === 0 && install())) {
    fail('apt-get could not install build-essential and python3, needed to build better-sqlite3.');
  }
}

/** @param {string} file */
function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * A Go program the stack runs, built once with `go install` and cached by version outside the repo.
 * @typedef {{ name: string, module: string, version: string, envVar: string, ldflags?: string, purpose: string }} GoTool
 */

/** @type {GoTool} */
const TEMPORAL_CLI = {
  name: 'temporal',
  module: TEMPORAL_CLI_MODULE,
  version: TEMPORAL_CLI_VERSION,
  envVar: 'TEMPORAL_CLI',
  ldflags: `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
  purpose: 'the Temporal dev server',
};

/** @type {GoTool} Keep in sync with `dev/mailpit.ts` (`MAILPIT_VERSION`). */
const MAILPIT = {
  name: 'mailpit',
  module: 'github.com/axllent/mailpit',
  version: '1.33.1',
  envVar: 'MAILPIT',
  ldflags: '-s -w -X github.com/axllent/mailpit/config.Version=v1.33.1',
  purpose: 'the mail catcher of `npm start`',
};

/** @type {GoTool} Keep in sync with `dev/versitygw.ts` (`VERSITYGW_VERSION`). */
const VERSITYGW = {
  name: 'versitygw',
  module: 'github.com/versity/versitygw/cmd/versitygw',
  version: '1.8.0',
  envVar: 'VERSITYGW',
  purpose: 'the S3-compatible server the tests run object storage against',
};

/**
 * 2. Path of a Go tool: `$<envVar>`, else the cached build (built now if missing).
 * @param {GoTool} tool
 * @returns {string}
 */
function ensureGoTool(tool) {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) fail(`${tool.envVar}=${fromEnv} is not an executable file.`);
    return path.resolve(fromEnv);
  }

  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(cacheHome, 'dsr-engine', `${tool.name}-${tool.version}`);
  const binary = path.join(dir, tool.name);
  if (isExecutable(binary)) return binary;

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    fail(
      `${tool.name} (${tool.purpose}) is not at ${binary} and Go is not available to build it (${go.error?.message ?? go.stderr.trim()}).\n` +
        `  Install Go >= 1.25 (or set ${tool.envVar} to an existing \`${tool.name}\` ${tool.version} binary).`,
    );
  }

  fs.mkdirSync(dir, { recursive: true });
  removeStaleBuildDirs(dir);
  // Build into a private temp dir and rename, so a killed build never leaves a half-written binary.
  const tmp = fs.mkdtempSync(path.join(dir, '.build-'));
  const args = ['install', ...(tool.ldflags ? [`-ldflags=${tool.ldflags}`] : []), `${tool.module}@v${tool.version}`];
  log(`building ${tool.name} ${tool.version} (${tool.purpose}) with ${go.stdout.trim()}`);
  log(`  go ${args.join(' ')}  (GOBIN=${tmp}, CGO_ENABLED=0)`);
  log(`  this takes a few minutes the first time; the binary is cached in ${dir}`);
  const started = Date.now();
  const result = spawnSync('go', args, {
    env: { ...process.env, GOBIN: tmp, CGO_ENABLED: '0' },
    stdio: 'inherit',
  });
  if (result.error || result.status !== 0 || !isExecutable(path.join(tmp, tool.name))) {
    fs.rmSync(tmp, { recursive: true, force: true });
    fail(`go install ${tool.module}@v${tool.version} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}).`);
  }
  fs.renameSync(path.join(tmp, tool.name), binary);
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`${tool.name} built in ${since(started)}: ${binary}`);
  return binary;
}

/**
 * Remove `.build-*` dirs left by killed builds (older than an hour, so a
 * build running in parallel is left alone).
 * @param {string} dir
 */
function removeStaleBuildDirs(dir) {
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name.startsWith('.build-') && Date.now() - mtime(full) > 3_600_000) {
      fs.rmSync(full, { recursive: true, force: true });
    }
  }
}

/**
 * 3. Run `script` with tsx; forward SIGINT/SIGTERM and mirror its exit.
 * @param {string} script
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 */
function run(script, args, env) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env, stdio: 'inherit' });
  /** @type {NodeJS.Signals[]} */
  const signals = ['SIGINT', 'SIGTERM'];
  /** @param {NodeJS.Signals} signal */
  const forward = (signal) => {
    child.kill(signal);
  };
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (error) => fail(`could not start ${script}: ${error.message}`));
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

function main() {
  const [target, ...args] = process.argv.slice(2);
  const script = target !== undefined && Object.hasOwn(TARGETS, target) ? TARGETS[target] : undefined;
  if (script === undefined) fail(`usage: node scripts/bootstrap.mjs <${Object.keys(TARGETS).join('|')}> [args…]`);
  ensureNodeModules();
  if (WITHOUT_TEMPORAL_CLI.has(target)) return run(script, args, process.env);
  const env = { ...process.env, TEMPORAL_CLI: ensureGoTool(TEMPORAL_CLI) };
  // `npm start` catches mail with Mailpit; `npm test` starts the stack as `npm start` does, once.
  if (WITH_MAILPIT.has(target)) env.MAILPIT = ensureGoTool(MAILPIT);
  if (WITH_VERSITYGW.has(target)) env.VERSITYGW = ensureGoTool(VERSITYGW);
  run(script, args, env);
}

main();
