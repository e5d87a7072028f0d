/**
 * `npm run bench -- --wordpress 10,100,1000 [--rounds 5]`: real WordPress 6.1
 * and this project side by side, on this machine, in one invocation. For each
 * size N, in alternating rounds: WordPress's own export loop over HTTP (warm
 * opcache; `../shared/anchors/wordpress/run.php export … http`) after seeding
 * its person with N comments, then ours through the whole stack, once with the
 * demo comments exporter alone and once with the demo manifest's five
 * exporters. WordPress runs with PHP's memory unlimited (its anchor's own
 * setting; under Debian's 128M it fails from 10,000 items on), which a size
 * above 10,000 also needs MariaDB's max_allowed_packet raised for (the
 * anchor's README). Ours is timed from the confirmation click to the workflow's end
 * (the ZIP built and its release recorded; "download" delivery, as
 * WordPress's loop is timed, so no mail). Medians of the rounds.
 *
 * Needs the anchor installed (`../shared/anchors/wordpress/setup.sh`: Debian's
 * wordpress, php and mariadb packages, a private MariaDB); `WP_ANCHOR_DIR`
 * points elsewhere.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openDemoDb } from '../plugins/demo/schema.ts';
import { seedDemoData, seedManyComments } from '../plugins/demo/seed.ts';
import { countExportItems } from './count-items.ts';
import { type Shared, type Stack, startStack, timeToEnd, writeCommentsManifest } from './stack.ts';
import { percentile } from './table.ts';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

export const WORDPRESS_HEADER = [
  'items',
  'WordPress 6.1 s',
  'ours, comments alone s',
  'ours / WordPress',
  'ours, five demo exporters s',
  'ours (five) / WordPress',
  'events / request (comments alone)',
];

/** Where the WordPress anchor's scripts are. */
export function wordpressAnchorDir(): string {
  const dir = process.env.WP_ANCHOR_DIR ?? resolve(root, '..', 'shared', 'anchors', 'wordpress');
  if (!existsSync(join(dir, 'run.php'))) {
    throw new Error(`No WordPress anchor at ${dir} (run.php missing): set WP_ANCHOR_DIR to the folder of ../shared/anchors/wordpress`);
  }
  return dir;
}

/** Installs (idempotent) and starts WordPress's private MariaDB: the anchor's setup.sh. */
export async function setUpWordPress(dir: string): Promise<void> {
  await run('bash', [join(dir, 'setup.sh')], { maxBuffer: 64 * 1024 * 1024 }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`The WordPress anchor's setup.sh failed (it installs Debian's wordpress, php and mariadb packages): ${error.stderr || error.message}`);
  });
}

/** One timing of WordPress's own export of its person's `size` comments, over HTTP with warm opcache. */
async function timeWordPress(dir: string, size: number): Promise<number> {
  await run('php', [join(dir, 'seed.php'), String(size)], { maxBuffer: 16 * 1024 * 1024 });
  // PHP's memory unlimited, as the anchor's own table runs it: under Debian's 128M WordPress dies from 10,000 items on.
  const { stdout } = await run('php', [join(dir, 'run.php'), 'export', 'subject@example.com', 'http', '--log', '/dev/null'], {
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, WP_ANCHOR_HTTP_MEM: '-1' },
  });
  const result = /^RESULT .*$/m.exec(stdout)?.[0] ?? '';
  const wall = /wall_s=([\d.]+)/.exec(result);
  if (!wall || !/ ok=yes/.test(result)) throw new Error(`WordPress's export did not succeed: ${stdout.trim().slice(-500)}`);
  return Number(wall[1]);
}

/** The demo manifest's five module exporters, reading `dbPath`. */
async function writeFiveExportersManifest(dir: string, dbPath: string): Promise<string> {
  const manifest = join(dir, 'plugins-five.yaml');
  const entry = (key: string, name: string, file: string, extra = '') =>
    `  - key: ${key}\n    name: ${name}\n    module: ${join(root, 'plugins/demo', file)}\n${extra}    permissions: { read: [${JSON.stringify(dir)}] }\n    settings: { database: ${dbPath} }\n`;
  await writeFile(
    manifest,
    [
      'version: 1\nexporters:\n',
      entry('user', 'Account', 'user-exporter.ts'),
      entry('comments', 'Comments', 'comments-exporter.ts', '    pageSize: 500\n'),
      entry('sessions', 'Session tokens', 'sessions-exporter.ts'),
      entry('media', 'Media', 'media-exporter.ts'),
      entry('orders', 'Orders', 'orders-exporter.ts'),
    ].join(''),
  );
  return manifest;
}

/** One of ours, timed; checks the ZIP holds the person's `size` comments. */
async function timeOurs(shared: Shared, stack: Stack, email: string, size: number): Promise<{ seconds: number; events: number }> {
  const { seconds, events, file } = await timeToEnd(shared, stack, email);
  const counted = await countExportItems(stack.paths.exportFile(file));
  if (counted.distinct !== size) throw new Error(`${size} comments seeded, ${counted.distinct} distinct items in the ZIP's export.json`);
  return { seconds, events };
}

export async function runWordPress(shared: Shared, sizes: readonly number[], rounds: number): Promise<string[][]> {
  const anchor = wordpressAnchorDir();
  await setUpWordPress(anchor);
  const dir = await mkdtemp(join(tmpdir(), 'dsr-bench-wp-'));
  const dbPath = join(dir, 'demo.sqlite');
  const db = openDemoDb(dbPath);
  seedDemoData(db);
  const person = (size: number) => `bench.${size}@example.com`;
  for (const size of sizes) seedManyComments(db, person(size), size);
  seedManyComments(db, 'bench.warm@example.com', 10);
  db.close();
  const commentsAlone = await writeCommentsManifest(dir, dbPath);
  const five = await writeFiveExportersManifest(dir, dbPath);
  // One worker reading one manifest file; each request reads it when it starts, so switching is a copy.
  const live = join(dir, 'plugins-live.yaml');
  const use = (manifest: string) => copyFile(manifest, live);
  await use(commentsAlone);
  const stack = await startStack(shared, { dir, manifest: live, workers: 1 });
  const rows: string[][] = [];
  try {
    // Warm-up, not counted: worker start, plugin modules loaded, WordPress's opcache (run.php warms it itself).
    for (const manifest of [commentsAlone, five]) {
      await use(manifest);
      await timeOurs(shared, stack, 'bench.warm@example.com', 10);
    }
    for (const size of sizes) {
      const wp: number[] = [];
      const alone: number[] = [];
      const withFive: number[] = [];
      let events = 0;
      for (let round = 0; round < rounds; round++) {
        wp.push(await timeWordPress(anchor, size));
        await use(commentsAlone);
        const one = await timeOurs(shared, stack, person(size), size);
        alone.push(one.seconds);
        events = one.events;
        await use(five);
        withFive.push((await timeOurs(shared, stack, person(size), size)).seconds);
      }
      const [w, a, f] = [wp, alone, withFive].map((list) =>
        percentile(
          [...list].sort((x, y) => x - y),
          50,
        ),
      ) as [number, number, number];
      const ratio = (ours: number) => (ours >= w ? `${(ours / w).toFixed(1)}× slower` : `${(w / ours).toFixed(1)}× faster`);
      rows.push([size.toLocaleString('en'), w.toFixed(3), a.toFixed(3), ratio(a), f.toFixed(3), ratio(f), String(events)]);
      console.error(
        `[bench] ${size}: WordPress ${wp.map((s) => s.toFixed(3)).join(' ')}; ours ${alone.map((s) => s.toFixed(3)).join(' ')}; five ${withFive.map((s) => s.toFixed(3)).join(' ')}`,
      );
    }
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
