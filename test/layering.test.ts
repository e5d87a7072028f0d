/**
 * The architecture as the folders draw it (docs/ARCHITECTURE.md), checked on
 * every import of every source file: no import circle, and no import that
 * breaks a layer. A new file that breaks one fails here, naming the import.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/stack.ts';

const SOURCE_FOLDERS = ['activities', 'bench', 'dev', 'lib', 'manifest', 'model', 'plugins', 'report', 'scripts', 'server', 'storage', 'worker', 'workflows'];

interface Import {
  from: string;
  to: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
  /** A module name (`node:fs`, `@temporalio/workflow`) rather than a file of ours. */
  external: boolean;
}

function sourceFiles(): string[] {
  return SOURCE_FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(ts|mjs|js)$/.test(file) && !file.includes('node_modules'))
      .map((file) => join(folder, file)),
  );
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const [, , type, spec = ''] = match;
    const external = !spec.startsWith('.');
    found.push({ from: file, to: external ? spec : normalize(join(dirname(file), spec)), typeOnly: type !== undefined, external });
  }
  return found;
}

const files = sourceFiles();
const imports = files.flatMap(importsOf);
const folder = (file: string) => file.split('/')[0] as string;
const show = (i: Import) => `${i.from} → ${i.to}${i.typeOnly ? ' (type)' : ''}`;

test('no import circle among the source files (imports that exist at run time)', () => {
  const edges = new Map<string, string[]>();
  for (const i of imports) if (!i.external && !i.typeOnly) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      circles.push([...path.slice(path.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(circles, []);
});

/** What each layer may import, besides itself and packages (each rule says why). */
const RULES: { name: string; broken: (i: Import) => boolean }[] = [
  {
    name: 'model/ is the bottom: it imports nothing of ours',
    broken: (i) => folder(i.from) === 'model' && !i.external && folder(i.to) !== 'model',
  },
  {
    name: 'lib/ imports nothing above it (the storage interface, as a type, is allowed)',
    broken: (i) => folder(i.from) === 'lib' && !i.external && !['lib', 'model'].includes(folder(i.to)) && !(i.typeOnly && i.to === 'storage/store.ts'),
  },
  {
    name: 'storage/ imports only itself, lib/ and model/',
    broken: (i) => folder(i.from) === 'storage' && !i.external && !['storage', 'lib', 'model'].includes(folder(i.to)),
  },
  {
    name: 'plugins/ never imports the engine (activities, workflows, server, worker, report, storage)',
    broken: (i) =>
      folder(i.from) === 'plugins' &&
      !i.external &&
      ['activities', 'workflows', 'server', 'worker', 'report', 'storage', 'scripts', 'bench'].includes(folder(i.to)),
  },
  {
    name: 'workflows import activities as types only, and no Node built-in (the workflow sandbox)',
    broken: (i) =>
      folder(i.from) === 'workflows' &&
      ((folder(i.to) === 'activities' && !i.typeOnly) || (i.external && (i.to.startsWith('node:') || ['fs', 'path', 'crypto', 'os'].includes(i.to)))),
  },
  {
    name: 'nothing imports server/ but server/ itself, its entry points (server/app.ts) and tests',
    broken: (i) => !i.external && folder(i.to) === 'server' && folder(i.from) !== 'server' && i.to !== 'server/app.ts',
  },
  {
    name: "activities/ never import server/ or workflows/ (but the workflows' Temporal surface, as types)",
    broken: (i) => folder(i.from) === 'activities' && !i.external && (folder(i.to) === 'server' || (folder(i.to) === 'workflows' && !i.typeOnly)),
  },
];

for (const rule of RULES) {
  test(`layers: ${rule.name}`, () => {
    assert.deepEqual(imports.filter(rule.broken).map(show), []);
  });
}

test('the rules see the imports (a parse that found none would pass everything)', () => {
  assert.ok(imports.length > 300, `${imports.length} imports found in ${files.length} files`);
  assert.ok(imports.some((i) => i.from === 'workflows/export-request.ts' && i.to === 'model/request.ts'));
  assert.ok(imports.some((i) => i.typeOnly && i.from === 'workflows/activity-proxies.ts' && i.to === 'activities/index.ts'));
});
