/**
 * Beyond one machine, proved on this one: two worker processes as two hosts
 * (each its own staging directory) and one bucket (versitygw), the server on
 * a third directory. The host holding an export's staged pages is killed
 * with SIGKILL mid-export and its directory deleted: the other host starts
 * the export over, every item lands exactly once, one download mail goes
 * out, and the server serves the ZIP from the bucket.
 */
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../dev/free-port.ts';
import { findVersitygw, startVersitygw, type Versitygw } from '../dev/versitygw.ts';
import { s3Store } from '../storage/s3-store.ts';
import { slowNumbersManifest, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { assertNumbersOnce, assertOneDownloadMail } from './helpers/exactly-once.ts';

/** 60 pages of 60 ms: longer than the small export's one activity (2 s), so the pages go on from a staging file. */
const TOTAL = 600;
const BUCKET = 'dsr-hosts';

let s3: Versitygw;
let stack: Stack;
let hostDir: (name: string) => string;

before(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'dsr-hosts-'));
  hostDir = (name) => join(dir, name);
  s3 = await startVersitygw({ binary: findVersitygw(), dir: hostDir('buckets'), port: await freePort() });
  const { credentials } = s3;
  await s3.createBucket(BUCKET);
  stack = await startStack({
    worker: false,
    heartbeatTimeoutMs: 3000,
    stagingHostTimeoutMs: 4000,
    store: s3Store({ bucket: BUCKET, prefix: 'run/', endpoint: s3.endpoint, region: s3.region, credentials, stagingDir: hostDir('server') }),
    manifest: slowNumbersManifest(TOTAL, 60),
  });
});
after(async () => {
  await stack?.close();
  await s3?.stop();
});

/** Whether a host's staging directory holds a staged export. */
async function staging(host: string): Promise<boolean> {
  const files = await readdir(hostDir(host)).catch(() => [] as string[]);
  return files.some((file) => file.endsWith('.sqlite'));
}

test('the host holding the staged pages dies with its disk: the other host starts over, every item once, one mail, the ZIP served from the bucket', async () => {
  const env = (host: string) => ({
    STORAGE_URL: `s3://${BUCKET}/run`,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKey,
    AWS_SECRET_ACCESS_KEY: s3.secretKey,
    STAGING_DIR: hostDir(host),
  });
  const hostA = stack.spawnWorker(env('host-a'));
  const exitedA = new Promise((resolve) => hostA.once('exit', resolve));
  const hostB = stack.spawnWorker(env('host-b'));
  try {
    const created = await stack.api('POST', '/api/requests', { email: 'hosts@example.com', action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    // Wait until one host holds the staged pages and is well into them.
    const deadline = Date.now() + 90_000;
    let holder: string | undefined;
    for (;;) {
      holder = (await staging('host-a')) ? 'host-a' : (await staging('host-b')) ? 'host-b' : undefined;
      const progress = (await stack.api('GET', `/api/requests/${id}`)).body.progress;
      if (holder && (progress?.items ?? 0) >= 60) break;
      assert.ok(Date.now() < deadline, 'no host got going');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await staging(holder === 'host-a' ? 'host-b' : 'host-a'), false, 'one host holds the staged pages');
    const [dying, exited] = holder === 'host-a' ? [hostA, exitedA] : [hostB, new Promise((resolve) => hostB.once('exit', resolve))];
    dying.kill('SIGKILL');
    await exited;
    await rm(hostDir(holder), { recursive: true, force: true });

    const done = await waitForStatus(stack, id, 'completed', 120_000);
    const survivor = holder === 'host-a' ? 'host-b' : 'host-a';
    assert.equal(await staging(survivor), false, 'the survivor cleaned up its staged pages after the build');
    await assertNumbersOnce(done.download.url, 'hosts@example.com', TOTAL);
    assert.equal(done.items, TOTAL + 1);
    await assertOneDownloadMail(stack.mail);
  } finally {
    for (const child of [hostA, hostB]) if (child.exitCode === null) child.kill('SIGKILL');
  }
});
