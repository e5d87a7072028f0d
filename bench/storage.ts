/**
 * `npm run bench -- --storage 100000`: the same export of one person's N
 * comments kept on the file system, then in an S3 bucket (versitygw on
 * loopback, POSIX backend), then in the bucket with two worker processes
 * that share no disk (each its own staging directory): one run, one machine,
 * so the ratio says what object storage costs. Each ZIP is downloaded
 * through the server and its items counted.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { freePort } from '../dev/free-port.ts';
import { findVersitygw, startVersitygw } from '../dev/versitygw.ts';
import { countExportItems } from './count-items.ts';
import { type BenchBucket, confirmAndFollow, requestHistory, type Shared, seedCommentsExport, startStack } from './stack.ts';

export const STORAGE_HEADER = [
  'items',
  'storage',
  'workers',
  'wall s',
  'items/s',
  '× file',
  'worker RSS during export MB',
  'worker peak RSS MB',
  'ZIP MB',
  'activities per worker',
  'CPU s worker / temporal / bench',
];

export interface StorageResult {
  rows: string[][];
  problems: string[];
}

export async function runStorage(shared: Shared, person: string, size: number): Promise<StorageResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-bench-storage-'));
  const s3 = await startVersitygw({ binary: findVersitygw(), dir: join(dir, 'buckets'), port: await freePort() });
  const problems: string[] = [];
  const rows: string[][] = [];
  try {
    const bucket: BenchBucket = {
      endpoint: s3.endpoint,
      region: s3.region,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
      bucket: 'dsr-bench',
      prefix: 'bench/',
    };
    await s3.createBucket(bucket.bucket);
    const { manifest } = await seedCommentsExport(dir, person, size);

    let fileSeconds: number | undefined;
    for (const [label, workers, useBucket] of [
      ['file', 1, false],
      ['S3', 1, true],
      ['S3', 2, true],
    ] as const) {
      const runDir = await mkdtemp(join(dir, 'run-'));
      const stack = await startStack(shared, { dir: runDir, manifest, workers, ...(useBucket ? { bucket } : {}) });
      try {
        const created = (await stack.api('POST', '/api/requests', { email: person, action: 'export' })).body;
        const { view, seconds, rssDuringMb, peakRssMb, cpu } = await confirmAndFollow(shared, stack, created.id);
        if (view.status !== 'completed') throw new Error(`bench request failed (${label}, ${workers} workers): ${view.reason}`);
        // Through the server, from wherever the store keeps it.
        const zipPath = join(runDir, 'download.zip');
        const response = await fetch(view.download.url);
        if (!response.ok || !response.body) throw new Error(`download failed: HTTP ${response.status}`);
        await pipeline(Readable.fromWeb(response.body as never), createWriteStream(zipPath));
        const counted = await countExportItems(zipPath);
        if (counted.keys !== size || counted.distinct !== size) {
          problems.push(`${label} with ${workers} worker(s): ${size} comments seeded, ${counted.keys} items (${counted.distinct} distinct) in the ZIP`);
        }
        const history = await requestHistory(shared.client, created.workflow.id, created.workflow.runId);
        fileSeconds ??= seconds;
        rows.push([
          String(size),
          label,
          String(workers),
          seconds.toFixed(2),
          Math.round(size / seconds).toString(),
          (seconds / fileSeconds).toFixed(2),
          rssDuringMb.toFixed(0),
          peakRssMb.toFixed(0),
          ((await stat(zipPath)).size / 1e6).toFixed(2),
          [...history.activitiesBy.values()].join(' / '),
          cpu,
        ]);
      } finally {
        await stack.close();
      }
    }
  } finally {
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, problems };
}
