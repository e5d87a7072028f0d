/**
 * `npm run bench -- --http-exporters 10 [--page-ms 200] [--rounds 5]`: slow
 * systems side by side. K `http` exporters (a loopback server in this process
 * that answers every page after `--page-ms`, two pages of five items each),
 * one request timed from the confirmation click to the workflow's end, with
 * the manifest's `concurrency: 1` (one after the other, as WordPress runs its
 * exporters) and `concurrency: K`. Medians of the rounds, alternating.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDemoDb } from '../plugins/demo/schema.ts';
import { seedDemoData } from '../plugins/demo/seed.ts';
import { countExportItems } from './count-items.ts';
import { type Shared, startStack, timeToEnd } from './stack.ts';
import { percentile } from './table.ts';

export const HTTP_EXPORTERS_HEADER = ['exporters', 'page ms', 'pages each', 'one at a time s', 'side by side s', 'speed-up', 'events / request (side by side)'];

const PAGES_EACH = 2;
const ITEMS_PER_PAGE = 5;
const PERSON = 'bench.http@example.com';

export async function runHttpExporters(shared: Shared, count: number, pageMs: number, rounds: number): Promise<string[][]> {
  // Every page after pageMs: { data: five items, done on the second page }.
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const { page } = JSON.parse(body) as { page: number };
      const key = new URL(request.url ?? '/', 'http://x').searchParams.get('k') ?? 'x';
      const data = Array.from({ length: ITEMS_PER_PAGE }, (_, n) => ({
        group_id: `system-${key}`,
        group_label: `System ${key}`,
        // Named as bench/count-items.ts counts them ("comment-<number>"), each one distinct.
        item_id: `comment-${Number(key) * 1000 + page * 100 + n}`,
        data: [{ name: 'Value', value: `${key} page ${page} item ${n}` }],
      }));
      setTimeout(() => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ data, done: page >= PAGES_EACH }));
      }, pageMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const dir = await mkdtemp(join(tmpdir(), 'dsr-bench-http-'));
  const dbPath = join(dir, 'demo.sqlite');
  const db = openDemoDb(dbPath);
  seedDemoData(db);
  db.close();
  const manifestFor = async (concurrency: number) => {
    const file = join(dir, `plugins-${concurrency}.yaml`);
    const entries = Array.from(
      { length: count },
      (_, n) =>
        `  - key: system-${n}\n    name: System ${n}\n    kind: http\n    url: http://127.0.0.1:${port}/export?k=${n}\n    permissions: { net: ["127.0.0.1:${port}"] }\n`,
    );
    await writeFile(file, `version: 1\nconcurrency: ${concurrency}\nexporters:\n${entries.join('')}`);
    return file;
  };
  const oneAtATime = await manifestFor(1);
  const sideBySide = await manifestFor(count);
  const live = join(dir, 'plugins-live.yaml');
  await copyFile(oneAtATime, live);
  const stack = await startStack(shared, { dir, manifest: live, workers: 1 });
  try {
    const timed = async (manifest: string) => {
      await copyFile(manifest, live);
      const result = await timeToEnd(shared, stack, PERSON);
      const counted = await countExportItems(stack.paths.exportFile(result.file));
      if (counted.distinct !== count * PAGES_EACH * ITEMS_PER_PAGE)
        throw new Error(`expected ${count * PAGES_EACH * ITEMS_PER_PAGE} items, found ${counted.distinct}`);
      return result;
    };
    await timed(sideBySide); // warm-up: worker start, the http kind loaded
    const sequential: number[] = [];
    const parallel: number[] = [];
    let events = 0;
    for (let round = 0; round < rounds; round++) {
      sequential.push((await timed(oneAtATime)).seconds);
      const side = await timed(sideBySide);
      parallel.push(side.seconds);
      events = side.events;
    }
    const median = (list: number[]) =>
      percentile(
        [...list].sort((a, b) => a - b),
        50,
      );
    const [s, p] = [median(sequential), median(parallel)];
    console.error(`[bench] one at a time ${sequential.map((x) => x.toFixed(3)).join(' ')}; side by side ${parallel.map((x) => x.toFixed(3)).join(' ')}`);
    return [[String(count), String(pageMs), String(PAGES_EACH), s.toFixed(3), p.toFixed(3), `${(s / p).toFixed(1)}×`, String(events)]];
  } finally {
    await stack.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
