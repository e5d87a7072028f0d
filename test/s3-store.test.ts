/**
 * The store on a real S3 server (versitygw on loopback, POSIX backend in a
 * temporary directory): ZIPs streamed into multipart uploads and read back
 * whole, an aborted upload leaving nothing, facts and tombstones, receipts
 * kept once, and the mail ledger's claim won by exactly one of two hosts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { freePort } from '../dev/free-port.ts';
import { findVersitygw, startVersitygw, type Versitygw } from '../dev/versitygw.ts';
import { ConfigError, StorageUnavailableError } from '../lib/errors.ts';
import { writeZip } from '../report/zip.ts';
import { asOutage, parseS3Url, s3Store } from '../storage/s3-store.ts';
import { ROOT } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

describe('the S3 store (versitygw)', () => {
  let s3: Versitygw;
  let dir: string;
  const bucket = 'dsr-test';
  const storeFor = (prefix = 'one/', over: Partial<Parameters<typeof s3Store>[0]> = {}) =>
    s3Store({
      bucket,
      prefix,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
      stagingDir: join(dir, 'staging'),
      ...over,
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsr-s3-'));
    s3 = await startVersitygw({ binary: findVersitygw(), dir: join(dir, 'buckets'), port: await freePort() });
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
  });
  after(async () => {
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('STORAGE_URL s3://bucket/prefix is read as bucket and prefix', () => {
    assert.deepEqual(parseS3Url('s3://dsr-exports/prod/eu'), { bucket: 'dsr-exports', prefix: 'prod/eu/' });
    assert.deepEqual(parseS3Url('s3://dsr-exports'), { bucket: 'dsr-exports', prefix: '' });
    assert.equal(parseS3Url('s3://A_bad_bucket/x'), undefined);
  });

  test('a wrong bucket or wrong credentials stop at start, naming what to check and what the server said', async () => {
    await storeFor().verify();
    const missing = storeFor('x/', { bucket: 'no-such-bucket' });
    await assert.rejects(missing.verify(), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /STORAGE_URL=s3:\/\/no-such-bucket\/x\/: the bucket did not answer \(HTTP 404\)/);
      assert.match(error.message, /S3_ENDPOINT \(http:\/\/127\.0\.0\.1:\d+\)/);
      return true;
    });
    const forged = storeFor('x/', { credentials: { accessKeyId: s3.accessKey, secretAccessKey: 'wrong-secret-key-0123456789' } });
    await assert.rejects(forged.verify(), /HTTP 403.*AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
  });

  test('a ZIP larger than several upload parts streams in and comes back whole; an aborted one leaves nothing', async () => {
    const store = storeFor();
    // ~20 MB that does not compress: three 8 MB parts.
    const noise = Array.from({ length: 440 }, () => randomBytes(48 * 1024).toString('base64'));
    const file = 'dsr-export-big.zip';
    const written = await writeZip(await store.exports.zipSink(file), [
      { name: 'export.json', content: () => noise },
      { name: 'index.html', content: () => ['<p>hello</p>'] },
    ]);
    assert.ok(written.bytes > 16 * 1024 * 1024, `${written.bytes} bytes`);
    assert.equal(await store.exports.has(file), true);
    const opened = await store.exports.open(file);
    assert.ok(opened);
    assert.equal(opened.bytes, written.bytes);
    const bytes = new Uint8Array(await new Response(opened.body()).arrayBuffer());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), written.sha256);
    assert.equal((await unzip(bytes)).get('index.html'), '<p>hello</p>');
    assert.deepEqual(await store.exports.entry(file, 'index.html'), new TextEncoder().encode('<p>hello</p>'));

    const broken = 'dsr-export-broken.zip';
    await assert.rejects(
      writeZip(await store.exports.zipSink(broken), [
        { name: 'a.txt', content: () => noise.slice(0, 200) },
        {
          name: 'b.txt',
          content: function* () {
            yield 'x';
            throw new Error('the staging file broke');
          },
        },
      ]),
      /the staging file broke/,
    );
    assert.equal(await store.exports.has(broken), false, 'nothing left of an aborted upload');
    assert.equal(await store.exports.open(broken), undefined);
  });

  test('facts, tombstones and receipts: a receipt is kept once', async () => {
    const store = storeFor();
    const file = 'dsr-export-facts.zip';
    await writeZip(await store.exports.zipSink(file), [{ name: 'a.txt', content: () => ['a'] }]);
    await store.exports.saveMeta({ file, bytes: 1, sha256: 'x', items: 1, groups: 1, requestId: 'export-1' });
    assert.equal((await store.exports.meta(file))?.requestId, 'export-1');
    assert.equal(await store.exports.tombstone(file), undefined);
    await store.exports.remove(file, { deletedAt: '2026-12-01T00:00:00.000Z', early: true, by: { name: 'ada', role: 'admin' } });
    assert.equal(await store.exports.has(file), false);
    assert.equal(await store.exports.meta(file), undefined);
    assert.deepEqual(await store.exports.tombstone(file), { deletedAt: '2026-12-01T00:00:00.000Z', early: true, by: { name: 'ada', role: 'admin' } });

    assert.equal(await store.receipts.read('erase-1'), undefined);
    assert.equal(await store.receipts.writeOnce('erase-1', 'first'), 'first');
    assert.equal(await store.receipts.writeOnce('erase-1', 'second'), 'first', 'a retry gets the receipt kept first');
    assert.equal(await store.receipts.read('erase-1'), 'first');
    assert.equal(await storeFor('two/').receipts.read('erase-1'), undefined, 'prefixes keep deployments apart');
  });

  test('the mail ledger across hosts: of many claims at once from two stores, exactly one wins; a release lets a retry claim it', async () => {
    const [hostA, hostB] = [storeFor(), storeFor()];
    const claims = await Promise.all(Array.from({ length: 10 }, (_, n) => (n % 2 ? hostA : hostB).mailLedger.claim('mail-hash-1', `attempt ${n}`)));
    assert.equal(claims.filter(Boolean).length, 1, `one claim wins: ${claims}`);
    assert.equal(await hostB.mailLedger.claim('mail-hash-1', 'later'), false);
    await hostA.mailLedger.release('mail-hash-1');
    assert.equal(await hostB.mailLedger.claim('mail-hash-1', 'retry'), true);
  });

  test('npm run worker and npm run server stop at start on a bucket they cannot reach, naming what to fix, without a stack trace', async () => {
    for (const main of ['worker/main.ts', 'server/main.ts']) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, main)], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          STORAGE_URL: 's3://no-such-bucket/prod',
          S3_ENDPOINT: s3.endpoint,
          AWS_REGION: s3.region,
          AWS_ACCESS_KEY_ID: s3.accessKey,
          AWS_SECRET_ACCESS_KEY: s3.secretKey,
          STAGING_DIR: join(dir, 'staging-start'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 1, output);
      assert.match(output, /Cannot use STORAGE_URL=s3:\/\/no-such-bucket\/prod\/: the bucket did not answer \(HTTP 404\)/, `${main}: ${output}`);
      assert.doesNotMatch(output, /\n\s+at /, `${main} prints no stack trace`);
    }
  });
});

test('an outage of the bucket is told apart from a mistake: only the outage is waited out', () => {
  const answer = (name: string, status: number) =>
    new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  for (const error of [refused, answer('ServiceUnavailable', 503), answer('SlowDown', 429), answer('InternalError', 500)]) {
    const outage = asOutage(error);
    assert.ok(outage instanceof StorageUnavailableError, `${(error as Error).name} is an outage`);
    assert.equal(outage.cause, error);
  }
  assert.match((asOutage(refused) as Error).message, /ECONNREFUSED/);
  for (const error of [answer('NoSuchKey', 404), answer('AccessDenied', 403), answer('PreconditionFailed', 412), new TypeError('bug')]) {
    assert.equal(asOutage(error), error, `${error.name} stays what it is`);
  }
});
