/**
 * Start and stop versitygw, an S3-compatible server (Apache-2.0), with its
 * POSIX backend in a directory: the real object storage the tests run the
 * S3 store against (storage/s3-store.ts). Like the Temporal CLI it is a Go
 * program, built once by `scripts/bootstrap.mjs` and found by {@link findVersitygw}.
 *
 * @example
 * const s3 = await startVersitygw({ binary: findVersitygw(), dir: '/tmp/s3', port: await freePort() });
 * // S3_ENDPOINT=s3.endpoint, AWS_ACCESS_KEY_ID=s3.accessKey, AWS_SECRET_ACCESS_KEY=s3.secretKey
 * await s3.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { findCachedTool } from './cached-tool.ts';

/** Version `scripts/bootstrap.mjs` builds; keep the two in sync. */
export const VERSITYGW_VERSION = '1.8.0';

export interface VersitygwOptions {
  binary: string;
  /** Where its buckets live (one directory each). */
  dir: string;
  port: number;
  /** Root credentials; random when omitted. */
  accessKey?: string;
  secretKey?: string;
  /** @default 30 000 ms */
  readyTimeoutMs?: number;
}

export interface Versitygw {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** The root credentials, as the AWS SDK takes them. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Creates a bucket (as an operator would, once); one that exists already is fine. */
  createBucket(name: string): Promise<void>;
  /** Settles when the process ends, however it ends. */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns versitygw on loopback and resolves once it answers HTTP.
 * @throws {Error} with the tail of its output when it exits first or is not ready in time
 */
export async function startVersitygw(options: VersitygwOptions): Promise<Versitygw> {
  fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const accessKey = options.accessKey ?? `test${randomBytes(8).toString('hex')}`;
  const secretKey = options.secretKey ?? randomBytes(24).toString('hex');
  const region = 'us-east-1';
  const endpoint = `http://127.0.0.1:${options.port}`;
  const child = spawn(options.binary, ['--port', `127.0.0.1:${options.port}`, '--region', region, '--quiet', 'posix', options.dir], {
    // Credentials by environment: never on a command line other users can read.
    env: { PATH: process.env.PATH, ROOT_ACCESS_KEY_ID: accessKey, ROOT_SECRET_ACCESS_KEY: secretKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      output += `\ncould not run ${options.binary}: ${error.message}`;
      resolve();
    });
    child.once('close', () => resolve());
  });
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  void exited.then(() => process.off('exit', onExit));
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 3_000) => {
    stopping ??= terminate(child, exited, graceMs);
    return stopping;
  };
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (ended) throw new Error(`versitygw (${options.binary}) exited while starting:\n${output.trim()}`);
    // Any HTTP answer (an anonymous request is refused with 403) means it listens.
    const answered = await fetch(endpoint).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`versitygw did not answer on ${endpoint} within ${options.readyTimeoutMs ?? 30_000} ms:\n${output.trim()}`);
    }
    await sleep(100);
  }
  const credentials = { accessKeyId: accessKey, secretAccessKey: secretKey };
  const createBucket = async (name: string) => {
    const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials });
    try {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    } catch (error) {
      if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test((error as Error).name)) throw error;
    } finally {
      client.destroy();
    }
  };
  return { endpoint, accessKey, secretKey, region, credentials, createBucket, exited, stop };
}

/**
 * Path of versitygw: `$VERSITYGW`, else the binary `scripts/bootstrap.mjs` builds into
 * `${XDG_CACHE_HOME:-~/.cache}/dsr-engine/versitygw-<version>/versitygw`.
 * @throws {Error} saying how to get it
 */
export function findVersitygw(): string {
  return findCachedTool({
    name: 'versitygw',
    version: VERSITYGW_VERSION,
    envVar: 'VERSITYGW',
    howToGet: `Run \`npm test\` once: it builds it (go install github.com/versity/versitygw/cmd/versitygw@v${VERSITYGW_VERSION}), or set VERSITYGW to a versitygw binary.`,
  });
}

async function terminate(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
