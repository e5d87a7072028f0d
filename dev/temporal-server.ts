/**
 * Start and stop a real Temporal dev server (`temporal server start-dev`) for
 * tests, benchmarks and local runs.
 *
 * The CLI binary is not an npm package: `npm test` / `npm start` build it once
 * with `go install` (see `scripts/bootstrap.mjs`) and pass its path in
 * `TEMPORAL_CLI`; {@link findTemporalCli} finds it.
 *
 * @example
 * ```ts
 * const server = await startTemporalDevServer({ cliPath: findTemporalCli(), uiPort: false });
 * try {
 *   const connection = await NativeConnection.connect({ address: server.address });
 *   // …
 * } finally {
 *   await server.stop();
 * }
 * ```
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { findCachedTool } from './cached-tool.ts';

/** Version `scripts/bootstrap.mjs` builds; keep the two in sync. */
export const TEMPORAL_CLI_VERSION = '1.5.1';

/** Search attribute types accepted by `--search-attribute KEY=TYPE`. */
export type SearchAttributeTypeName = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface TemporalDevServerOptions {
  /** Path of the `temporal` CLI binary (see {@link findTemporalCli}). */
  cliPath: string;
  /** SQLite file that keeps state across restarts; omitted = in-memory. */
  dbFile?: string;
  /** Frontend gRPC port; 0 or omitted = a free port. */
  port?: number;
  /** Web UI port; `false` = no UI (`--headless`, the default); 0 = a free port. */
  uiPort?: number | false;
  /** Namespace to create and wait for; default `default` (which always exists). */
  namespace?: string;
  /** Search attributes to register, e.g. `{ DsrStatus: 'Keyword' }`. */
  searchAttributes?: Record<string, SearchAttributeTypeName>;
  /** The codec endpoint the Web UI asks to decode encrypted payloads (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** The path the Web UI is served under, when a proxy serves it there (`--ui-public-path`). */
  uiPublicPath?: string;
  /** Append the server's stdout/stderr to this file (otherwise only a tail is kept for errors). */
  logFile?: string;
  /** How long to wait for the frontend to answer; default 60 000 ms (slow 2-core machines). */
  readyTimeoutMs?: number;
}

export interface TemporalDevServer {
  /** Frontend gRPC address, `127.0.0.1:PORT`. */
  address: string;
  /** Web UI URL, when the UI is enabled. */
  uiUrl?: string;
  namespace: string;
  pid: number;
  /** Settles when the process ends, however it ends (a `kill -9` included). */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves once the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawn `temporal server start-dev` on free loopback ports and resolve once
 * its frontend answers `DescribeNamespace` for `namespace`.
 *
 * Rejects with the tail of the server's output if it exits before it is
 * ready, or after `readyTimeoutMs`. The server is killed if this process
 * exits, or gets SIGINT/SIGTERM/SIGHUP, without calling {@link TemporalDevServer.stop}.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await _startOnce(options);
    } catch (error) {
      if (!(error instanceof PortClashError) || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

/** Starts tried when the server dies of a port clash (see {@link PortClashError}). */
const START_ATTEMPTS = 3;

/**
 * The server exited because a port it wanted was taken. The CLI picks free ports for its internal
 * services (history, matching, worker) itself, at start: one of them may be a port picked here a
 * moment before and not bound yet (the metrics port, bound last), or one another stack just took.
 * Fresh ports mend it.
 */
class PortClashError extends Error {}

async function _startOnce(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const namespace = options.namespace ?? 'default';
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const uiPortOption = options.uiPort ?? false;

  const wanted = [options.port ?? 0, 0, 0, uiPortOption === false ? -1 : uiPortOption];
  // A port asked for by number must be free: otherwise the readiness check below would be
  // answered by whatever Temporal already listens there, and we would join a server not ours.
  for (const [index, name] of [
    [0, 'port'],
    [3, 'UI port'],
  ] as const) {
    const asked = wanted[index] ?? 0;
    if (asked > 0 && !(await isPortFree(asked))) {
      throw new Error(`Cannot start the Temporal dev server: its ${name} ${asked} on 127.0.0.1 is in use by another program`);
    }
  }
  const [port, httpPort, metricsPort, uiPort] = await _pickPorts(wanted);
  const address = `127.0.0.1:${port}`;

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    ...(uiPort === undefined || uiPort < 0 ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(options.dbFile === undefined ? [] : ['--db-filename', options.dbFile]),
    ...(options.uiCodecEndpoint === undefined || uiPort === undefined || uiPort < 0 ? [] : ['--ui-codec-endpoint', options.uiCodecEndpoint]),
    ...(options.uiPublicPath === undefined || uiPort === undefined || uiPort < 0 ? [] : ['--ui-public-path', options.uiPublicPath]),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...Object.entries(options.searchAttributes ?? {}).flatMap(([key, type]) => ['--search-attribute', `${key}=${type}`]),
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    // No outbound "is there a newer server?" call: we are often offline.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    // An activity scheduled on the workflow's own task queue comes back in the answer to the
    // workflow task that scheduled it, to the same worker: one trip through matching fewer.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
  ];

  if (options.dbFile !== undefined) fs.mkdirSync(path.dirname(path.resolve(options.dbFile)), { recursive: true });
  const log = options.logFile === undefined ? undefined : _openLog(options.logFile, options.cliPath, args);
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new _Tail(8192);
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output.push(chunk);
      log?.write(chunk);
    });
  }

  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not run ${options.cliPath}: ${error.message}`));
    // 'close', not 'exit': by then stdout/stderr are drained, so the tail is complete.
    child.once('close', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
  });
  const detachFromHost = _stopWithHost(child);

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      detachFromHost();
      await _terminate(child, exited, graceMs);
      await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
    })();
    return stopping;
  };

  const polling = new AbortController();
  const why = await Promise.race([_waitUntilReady(address, namespace, readyTimeoutMs, polling.signal), exited]);
  polling.abort();
  if (why !== undefined) {
    await stop();
    const tail = output.text().trim();
    throw new (/address already in use/.test(tail) ? PortClashError : Error)(
      `Temporal dev server (${options.cliPath} ${args.join(' ')}) did not become ready: ${why}${tail ? `\n--- server output (tail) ---\n${tail}` : ''}`,
    );
  }

  return {
    address,
    ...(uiPort === undefined || uiPort < 0 ? {} : { uiUrl: `http://127.0.0.1:${uiPort}` }),
    namespace,
    pid: child.pid ?? -1,
    exited: exited.then(() => undefined),
    stop,
  };
}

/**
 * Path of the Temporal CLI: `$TEMPORAL_CLI`, else the binary that
 * `scripts/bootstrap.mjs` builds into `${XDG_CACHE_HOME:-~/.cache}/dsr-engine/temporal-1.5.1/temporal`.
 * Throws a message that says how to get it.
 */
export function findTemporalCli(): string {
  return findCachedTool({
    name: 'temporal',
    version: TEMPORAL_CLI_VERSION,
    envVar: 'TEMPORAL_CLI',
    howToGet: `Run \`npm test\` or \`npm start\` once: they build it (go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}), or set TEMPORAL_CLI to a temporal binary.`,
  });
}

/** Whether nothing listens on `port` of 127.0.0.1 (nor on every interface, which includes it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    // A failed listen can leave the socket bound (Linux refuses at listen(), after bind()):
    // close it, or this process itself would keep the port from ever looking free.
    server.once('error', () => server.close(() => resolve(false)));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

// ───────────────────────────── _helpers ─────────────────────────────

/**
 * Resolve each wanted port: > 0 is kept, 0 becomes a free loopback port,
 * < 0 stays as is (unused). The free ones are held open together so they
 * are distinct, then released for the server to bind.
 */
async function _pickPorts(wanted: number[]): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (const port of wanted) {
      if (port !== 0) {
        ports.push(port);
        continue;
      }
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/**
 * Poll until the frontend answers `DescribeNamespace`. Each attempt uses a
 * fresh connection: a gRPC channel that failed backs off for ever longer.
 * Resolves `undefined` when ready, or the reason it gave up.
 */
async function _waitUntilReady(address: string, namespace: string, timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  let lastError = 'port not open';
  while (Date.now() < deadline && !signal.aborted) {
    if (await _portOpen(host, Number(port))) {
      const connection = Connection.lazy({ address, connectTimeout: 2_000 });
      try {
        await connection.withDeadline(Date.now() + 5_000, () => connection.workflowService.describeNamespace({ namespace }));
        return undefined;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      } finally {
        await connection.close();
      }
    }
    await sleep(200, undefined, { signal }).catch(() => undefined);
  }
  return `not ready after ${timeoutMs} ms (last error: ${lastError})`;
}

function _portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Never leave a server running after this process is gone: SIGKILL it on
 * `exit`, and SIGTERM it when this process gets SIGINT/SIGTERM/SIGHUP. If no
 * one else handles that signal, re-raise it so the default (exit) still
 * happens. Returns the function that removes these hooks.
 */
function _stopWithHost(child: ChildProcess): () => void {
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    child.kill('SIGTERM');
    remove();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const remove = (): void => {
    process.off('exit', onExit);
    for (const signal of signals) process.off(signal, onSignal);
  };
  process.once('exit', onExit);
  for (const signal of signals) process.on(signal, onSignal);
  return remove;
}

async function _terminate(child: ChildProcess, exited: Promise<string>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function _openLog(file: string, cliPath: string, args: string[]): fs.WriteStream {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const stream = fs.createWriteStream(file, { flags: 'a' });
  stream.write(`\n# ${new Date().toISOString()} ${cliPath} ${args.join(' ')}\n`);
  return stream;
}

/** Keeps the last `limit` bytes written to it. */
class _Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit) this.size -= this.chunks.shift()?.length ?? 0;
  }

  text(): string {
    return Buffer.concat(this.chunks).subarray(-this.limit).toString('utf8');
  }
}
