/**
 * The bucket goes away mid-export and comes back: versitygw is stopped while
 * the exporter's pages are still coming and stays down past the moment the
 * ZIP would be written (multipart upload) and the download mail claimed in
 * the ledger (conditional write). The build and the mail are retried until
 * the bucket answers again; nothing fails, every item lands once, one mail.
 * And the person's download pages read the same from the bucket as from a
 * disk: the page, the file, 404 for a name never given, 410 once deleted.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../dev/free-port.ts';
import { findVersitygw, startVersitygw, type Versitygw } from '../dev/versitygw.ts';
import { s3Store } from '../storage/s3-store.ts';
import { slowNumbersManifest, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { assertNumbersOnce, assertOneDownloadMail } from './helpers/exactly-once.ts';
import { unzip } from './helpers/unzip.ts';

/** 10 pages of 150 ms: past the half second a small export gets in one go, so the export is seen running (and heartbeating) before the outage. */
const TOTAL = 100;
const BUCKET = 'dsr-outage';
const OUTAGE_MS = 22_000;

let s3: Versitygw;
let stack: Stack;
let bucketDir: string;
let port: number;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-outage-'));
  bucketDir = join(dir, 'buckets');
  port = await freePort();
  await mkdir(join(dir, 'staging'));
  s3 = await startVersitygw({ binary: findVersitygw(), dir: bucketDir, port });
  const { credentials } = s3;
  await s3.createBucket(BUCKET);
  stack = await startStack({
    store: s3Store({ bucket: BUCKET, prefix: 'outage/', endpoint: s3.endpoint, region: s3.region, credentials, stagingDir: join(dir, 'staging') }),
    manifest: slowNumbersManifest(TOTAL, 150),
  });
});
after(async () => {
  await stack?.close();
  await s3?.stop();
});

test("the bucket unreachable mid-export, past Temporal's quick retries: the ZIP's build waits for it, every item once, one mail", async () => {
  const created = await stack.api('POST', '/api/requests', { email: 'outage@example.com', action: 'export', skipConfirmation: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  const deadline = Date.now() + 60_000;
  while (((await stack.api('GET', `/api/requests/${id}`)).body.progress?.items ?? 0) === 0) {
    assert.ok(Date.now() < deadline, 'the export did not start');
    await sleep(50);
  }

  const { accessKey, secretKey } = s3;
  await s3.stop();
  await sleep(OUTAGE_MS);
  const during = (await stack.api('GET', `/api/requests/${id}`)).body;
  assert.equal(during.status, 'processing', 'the request waits for the bucket rather than failing');
  assert.equal(stack.mail.messages().length, 0, 'no mail while the ZIP cannot be stored');
  s3 = await startVersitygw({ binary: findVersitygw(), dir: bucketDir, port, accessKey, secretKey });

  const done = await waitForStatus(stack, id, 'completed', 120_000);
  await assertNumbersOnce(done.download.url, 'outage@example.com', TOTAL);
  await assertOneDownloadMail(stack.mail);
});

test('downloads from the bucket: the page and the file, 404 for a name never given, 410 once an admin deleted it', async () => {
  const created = await stack.api('POST', '/api/requests', { email: 'pages@example.com', action: 'export', skipConfirmation: true, sendAsEmail: false });
  const done = await waitForStatus(stack, created.body.id, 'completed', 60_000);
  const url = done.download.url as string;
  const page = await fetch(url, { headers: { Accept: 'text/html', 'Accept-Language': 'de' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /download/, 'the page links to the file');
  const file = await fetch(`${url}/download`);
  assert.equal(file.status, 200);
  assert.equal(file.headers.get('content-type'), 'application/zip');
  const bytes = new Uint8Array(await file.arrayBuffer());
  assert.equal(bytes.length, done.download.bytes);
  const items = JSON.parse((await unzip(bytes)).get('export.json') as string)['Personal Data Export for pages@example.com'].numbers.items;
  assert.equal(Object.keys(items).length, TOTAL);

  const never = url.replace(/dsr-export-[^/]+\.zip$/, `dsr-export-${'A'.repeat(43)}.zip`);
  assert.notEqual(never, url);
  assert.equal((await fetch(never)).status, 404);

  assert.equal((await stack.api('DELETE', `/api/requests/${created.body.id}/export`)).status, 202);
  const deadline = Date.now() + 15_000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    await sleep(200);
    status = (await fetch(url)).status;
  }
  assert.equal(status, 410);
  assert.equal((await fetch(`${url}/download`, { headers: { Accept: 'text/html' } })).status, 410);
});
