/**
 * Every demo exporter and eraser, and the WordPress handbook example, through
 * the plugin kit's conformance suite, each against a freshly seeded demo
 * database in a directory of its own. Small page sizes make them page.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import commentLocationExporter from '../plugins/examples/comment-location-exporter.ts';
import commentsEraser from '../plugins/demo/comments-eraser.ts';
import commentsExporter from '../plugins/demo/comments-exporter.ts';
import { openDemoDb } from '../plugins/demo/schema.ts';
import { DEMO_PERSON, seedDemoData } from '../plugins/demo/seed.ts';
import { closeDemoConnections } from '../plugins/demo/db.ts';
import mediaEraser from '../plugins/demo/media-eraser.ts';
import mediaExporter from '../plugins/demo/media-exporter.ts';
import ordersEraser from '../plugins/demo/orders-eraser.ts';
import ordersExporter from '../plugins/demo/orders-exporter.ts';
import sessionsEraser from '../plugins/demo/sessions-eraser.ts';
import sessionsExporter from '../plugins/demo/sessions-exporter.ts';
import userEraser from '../plugins/demo/user-eraser.ts';
import userExporter from '../plugins/demo/user-exporter.ts';
import { testEraser, testExporter } from '../plugins/kit/conformance.ts';
import { FIXTURE_PLUGINS, ROOT } from './helpers/stack.ts';

const dirs: string[] = [];
after(() => {
  closeDemoConnections();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A directory for a demo database, and a function that (re)seeds it from scratch. */
function demoSite(): { dir: string; reseed: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'demo-conformance-'));
  dirs.push(dir);
  const reseed = () => {
    closeDemoConnections();
    rmSync(join(dir, 'site'), { recursive: true, force: true });
    const db = openDemoDb(join(dir, 'site', 'demo.sqlite'));
    seedDemoData(db);
    db.close();
  };
  reseed();
  return { dir, reseed };
}

const exporters = demoSite();
const ctx =
  (dir: string, settings: Record<string, unknown> = {}) =>
  () => ({
    manifestDir: dir,
    settings: { database: 'site/demo.sqlite', ...settings },
  });

for (const [name, exporter] of [
  ['demo-user exporter', userExporter],
  ['demo-comments exporter', commentsExporter],
  ['demo-sessions exporter', sessionsExporter],
  ['demo-media exporter', mediaExporter],
  ['demo-orders exporter', ordersExporter],
  ['comment-location exporter (WordPress handbook example)', commentLocationExporter],
] as const) {
  testExporter({ name, exporter, email: DEMO_PERSON, pageSize: 2, permissions: { read: ['site'] }, ctx: ctx(exporters.dir) });
}

const TALK = 'https://demo.example.com/2024/03/talk/';
for (const [name, eraser, exporter, settings] of [
  ['demo-comments eraser', commentsEraser, commentsExporter, { deleteOnPosts: [TALK] }],
  ['demo-sessions eraser', sessionsEraser, sessionsExporter, {}],
  ['demo-media eraser', mediaEraser, mediaExporter, {}],
  ['demo-orders eraser', ordersEraser, ordersExporter, {}],
  ['demo-user eraser', userEraser, userExporter, {}],
] as const) {
  const site = demoSite();
  testEraser({
    name,
    eraser,
    exporter,
    email: DEMO_PERSON,
    pageSize: 2,
    supportsDryRun: true,
    permissions: { write: ['site'] },
    reset: site.reseed,
    ctx: ctx(site.dir, settings),
  });
}

test('testExporter() and testEraser() fail plugins that break the contract or use undeclared paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-conformance-'));
  dirs.push(dir);
  const url = (path: string) => JSON.stringify(pathToFileURL(path).href);
  const file = join(dir, 'broken.test.ts');
  writeFileSync(
    file,
    `
import { testEraser, testExporter } from ${url(join(ROOT, 'plugins', 'kit', 'conformance.ts'))};
import malformed from ${url(join(FIXTURE_PLUGINS, 'malformed.ts'))};
import malformedEraser from ${url(join(FIXTURE_PLUGINS, 'malformed-eraser.ts'))};
import userExporter from ${url(join(ROOT, 'plugins', 'demo', 'user-exporter.ts'))};
testExporter({ name: 'undeclared read', exporter: userExporter, email: ${JSON.stringify(DEMO_PERSON)},
  ctx: () => ({ manifestDir: ${JSON.stringify(exporters.dir)}, settings: { database: 'site/demo.sqlite' } }) });
testExporter({ name: 'no-done exporter', exporter: malformed, email: 'no-done@malformed.test' });
testExporter({ name: 'endless exporter', exporter: () => ({ data: [], done: false }), email: 'a@b.test', maxPages: 5 });
testEraser({ name: 'never-ends eraser', eraser: malformedEraser, email: 'never-ends@malformed.test', maxPages: 5 });
`,
  );
  const { NODE_TEST_CONTEXT: _, ...env } = process.env; // else the child thinks it runs inside this test
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: ROOT, env, encoding: 'utf8' });
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /expected "done" \(boolean\) in the response/);
  assert.match(run.stdout, /still not done after 5 pages/);
  assert.match(run.stdout, /Cannot let exporter "undeclared read" read .*: it is not under its permissions\.read/);
  assert.match(run.stdout, /# fail [1-9]/);
});
