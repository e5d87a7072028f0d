/**
 * Where the time of an export goes, without Temporal: seeds one person with
 * N comments, runs the in-process floor (bench/floor.ts: exporter → staging →
 * ZIP) under V8's sampling profiler, and prints the stage times and the
 * functions with the most self time. Run with the worker's memory settings:
 *
 *   node --max-old-space-size=160 --max-semi-space-size=2 --import tsx bench/profile-floor.ts 200000
 *
 * Native time (SQLite, JSON.parse, the UTF-8 copy of a bound string) is
 * charged to the JavaScript function that called it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFloor } from './floor.ts';
import { seedCommentsExport } from './stack.ts';
import { printTable } from './table.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const size = Number(process.argv[2] ?? 200_000);
const email = 'profile@example.com';
const dir = await mkdtemp(join(tmpdir(), 'dsr-profile-'));
try {
  const { manifest } = await seedCommentsExport(dir, email, size);

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const floor = await runFloor(manifest, email, dir);
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  session.disconnect();

  const f = (s: number) => s.toFixed(2);
  printTable(
    ['items', 'pages', 'exporter s', 'staging writes s', 'merge+render+zip s', 'total s'],
    [[String(floor.items), String(floor.pages), f(floor.exporterS), f(floor.stagingS), f(floor.buildS), f(floor.totalS)]],
  );
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    const where = frame.url ? ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  printTable(
    ['self ms', '%', 'function'],
    [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([key, ms]) => [ms.toFixed(0), ((100 * ms) / total).toFixed(1), key]),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
