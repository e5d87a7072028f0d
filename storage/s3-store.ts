/**
 * The `Store` on S3-compatible object storage (STORAGE_URL=s3://bucket/prefix),
 * so workers and servers on different hosts share what the service keeps:
 * export ZIPs (streamed into a multipart upload: memory stays flat at any
 * size) with their facts and tombstones, receipts, and the mail ledger, made
 * safe across hosts by conditional writes (`If-None-Match: *`: of two
 * workers claiming one mail, exactly one wins). Objects are private; with
 * S3_SSE set each is written with that server-side encryption. Staging stays
 * a local working file (see docs/ARCHITECTURE.md).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ConfigError, StorageUnavailableError } from '../lib/errors.ts';
import type { WriteSink } from '../lib/write-sink.ts';
import type { Store, StoredExport, Tombstone } from './store.ts';
import { readZipEntry } from './zip-entry.ts';

export interface S3Location {
  bucket: string;
  /** Key prefix, '' or ending in '/'. */
  prefix: string;
}

export interface S3StoreOptions extends S3Location {
  /** S3_ENDPOINT: an S3-compatible server; absent for AWS itself. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Path-style URLs (http://host/bucket/key), which most S3-compatible servers need. */
  forcePathStyle?: boolean | undefined;
  /** S3_SSE: `AES256` or `aws:kms`, when the bucket's policy asks for it. */
  serverSideEncryption?: ServerSideEncryption | undefined;
  /** Explicit credentials (tests); otherwise the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Where staging files live on this host. */
  stagingDir: string;
}

/** Each part of a ZIP's multipart upload; two in flight at most: ~16 MB of memory, whatever the ZIP's size. */
const PART_BYTES = 8 * 1024 * 1024;

/** Parses `s3://bucket/prefix` (the prefix may be empty). */
export function parseS3Url(url: string): S3Location | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) return undefined;
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: match[1] as string, prefix: prefix === '' ? '' : `${prefix}/` };
}

/** A 404-like answer: the object (or its version) is not there. */
function isMissing(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);
}

/** The conditional write lost: the object exists already (412), or a concurrent write to it is under way (409). */
function isTaken(error: unknown): boolean {
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  return status === 412 || status === 409;
}

/** Network failures of a bucket that was there a moment ago: an outage to wait out, not a mistake to report. */
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * The bucket did not answer (unreachable, throttled, a 5xx) after the SDK's own retries: a
 * {@link StorageUnavailableError} with the code, which the workflows wait out; anything else as it was.
 */
export function asOutage(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof StorageUnavailableError) return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  const outage = (status !== undefined && (status >= 500 || status === 429)) || (code !== undefined && OUTAGE_CODES.has(code)) || error.name === 'TimeoutError';
  if (!outage) return error;
  const why = status !== undefined ? `HTTP ${status} ${error.name}` : (code ?? error.name);
  return new StorageUnavailableError(`The object storage did not answer (${why}); retrying until it does`, { cause: error });
}

export function s3Store(options: S3StoreOptions): Store & { client: S3Client; verify(): Promise<void> } {
  const client = new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    region: options.region ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // A bucket unreachable for a moment is retried here first; the activity's own retries come after.
    maxAttempts: 5,
  });
  /** Every call but the check at start: an outage comes out as a StorageUnavailableError. */
  const send: typeof client.send = async (command: Parameters<typeof client.send>[0]) => {
    try {
      return await client.send(command);
    } catch (error) {
      throw asOutage(error);
    }
  };
  const Bucket = options.bucket;
  const key = (name: string) => `${options.prefix}${name}`;
  const sse = options.serverSideEncryption ? { ServerSideEncryption: options.serverSideEncryption } : {};
  const exportKey = (file: string) => key(`exports/${file}`);
  const metaKey = (file: string) => key(`exports/${file}.meta.json`);
  const tombstoneKey = (file: string) => key(`exports/${file}.deleted`);
  const receiptKey = (requestId: string) => key(`receipts/${requestId}.json`);
  const ledgerKey = (hash: string) => key(`mail-ledger/${hash}`);

  /** The object with its body still to read, or undefined when it is not there. */
  const getObject = async (Key: string): Promise<GetObjectCommandOutput | undefined> => {
    try {
      return await send(new GetObjectCommand({ Bucket, Key }));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };
  const readText = async (Key: string): Promise<string | undefined> => (await getObject(Key))?.Body?.transformToString('utf8');
  const readJson = async <T>(Key: string): Promise<T | undefined> => {
    const text = await readText(Key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined; // foreign: as good as absent
    }
  };
  const put = (Key: string, Body: string, onlyIfAbsent = false) =>
    send(new PutObjectCommand({ Bucket, Key, Body, ContentType: 'application/json', ...sse, ...(onlyIfAbsent ? { IfNoneMatch: '*' } : {}) }));
  const exists = async (Key: string): Promise<boolean> => {
    try {
      await send(new HeadObjectCommand({ Bucket, Key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  };

  return {
    client,

    /**
     * Checks at start that the bucket is there and these credentials reach it.
     * @throws {ConfigError} naming the variables to check and what the server said
     */
    async verify() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        const status = error instanceof S3ServiceException ? ` (HTTP ${error.$metadata.httpStatusCode ?? '?'})` : '';
        const said = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new ConfigError(
          `Cannot use STORAGE_URL=s3://${Bucket}/${options.prefix}: the bucket did not answer${status}: ${said}. Check the bucket name, S3_ENDPOINT${options.endpoint ? ` (${options.endpoint})` : ''}, AWS_REGION and the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).`,
        );
      }
    },

    stagingPath: (requestId) => join(options.stagingDir, `${requestId}.sqlite`),

    exports: {
      async zipSink(file): Promise<WriteSink> {
        const stream = new PassThrough();
        const upload = new Upload({
          client,
          params: { Bucket, Key: exportKey(file), Body: stream, ContentType: 'application/zip', ...sse },
          partSize: PART_BYTES,
          queueSize: 2,
          leavePartsOnError: false,
        });
        const done = upload.done();
        done.catch(() => {}); // observed by commit, or ended by abort
        return {
          stream,
          // The object appears only when the upload completes: a failed build leaves nothing.
          commit: async () => {
            try {
              await done;
            } catch (error) {
              throw asOutage(error);
            }
          },
          abort: async () => {
            stream.destroy();
            await upload.abort().catch(() => {});
            await done.catch(() => {});
          },
        };
      },
      meta: (file) => readJson<StoredExport>(metaKey(file)),
      saveMeta: async (meta) => {
        await put(metaKey(meta.file), JSON.stringify(meta));
      },
      has: (file) => exists(exportKey(file)),
      async open(file) {
        const answer = await getObject(exportKey(file));
        if (!answer) return undefined;
        const body = answer.Body;
        if (!body) return undefined;
        let taken = false;
        return {
          bytes: answer.ContentLength ?? 0,
          body: () => {
            taken = true;
            return body.transformToWebStream() as ReadableStream<Uint8Array>;
          },
          close: async () => {
            // A body never read (a HEAD) must be released, or its connection stays busy.
            if (!taken) await body.transformToWebStream().cancel();
          },
        };
      },
      async remove(file, tombstone: Tombstone) {
        await put(tombstoneKey(file), JSON.stringify(tombstone));
        await send(new DeleteObjectCommand({ Bucket, Key: exportKey(file) }));
        await send(new DeleteObjectCommand({ Bucket, Key: metaKey(file) }));
      },
      async tombstone(file) {
        const parsed = await readJson<Partial<Tombstone>>(tombstoneKey(file));
        if (parsed === undefined) return (await exists(tombstoneKey(file))) ? { deletedAt: '', early: false } : undefined;
        const by = parsed.by;
        return {
          deletedAt: typeof parsed.deletedAt === 'string' ? parsed.deletedAt : '',
          early: parsed.early === true,
          ...(typeof by?.name === 'string' && (by.role === 'admin' || by.role === 'reviewer') ? { by: { name: by.name, role: by.role } } : {}),
        };
      },
      async entry(file, name) {
        // A reviewer's preview reads one file of the draft: the ZIP comes down to a private temp file, read, and goes.
        const answer = await getObject(exportKey(file));
        if (!answer) return undefined;
        const dir = await mkdtemp(join(tmpdir(), 'dsr-preview-'));
        try {
          const path = join(dir, 'draft.zip');
          await writeFile(path, (await answer.Body?.transformToByteArray()) ?? new Uint8Array(), { mode: 0o600 });
          return await readZipEntry(path, name);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    },

    receipts: {
      read: (requestId) => readText(receiptKey(requestId)),
      async writeOnce(requestId, text) {
        try {
          await put(receiptKey(requestId), text, true);
          return text;
        } catch (error) {
          if (!isTaken(error)) throw error;
          return (await readText(receiptKey(requestId))) ?? text;
        }
      },
    },

    mailLedger: {
      async claim(hash, record) {
        try {
          await put(ledgerKey(hash), record, true);
          return true;
        } catch (error) {
          if (isTaken(error)) return false;
          throw error;
        }
      },
      async release(hash) {
        await send(new DeleteObjectCommand({ Bucket, Key: ledgerKey(hash) }));
      },
    },
  };
}
