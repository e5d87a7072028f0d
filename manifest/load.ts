/**
 * Loads plugins.yaml into a plain, JSON-safe snapshot that a workflow keeps
 * for its whole life: editing the file later never changes a running request.
 * Every error names the file, line and column, the entry and the field.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ManifestError } from '../lib/errors.ts';
import { parseDuration } from '../lib/duration.ts';
import { type ExporterEntry, manifestSchema } from './schema.ts';
import type { ExporterSnapshot, ManifestSnapshot } from './snapshot.ts';

export type { ExporterSnapshot, ManifestSnapshot } from './snapshot.ts';

/**
 * Reads, parses and validates a manifest file.
 * @throws {ManifestError} with every problem at once, each as `file:line:col path: message`
 */
export async function loadManifest(file: string): Promise<ManifestSnapshot> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ManifestError(`Cannot read plugin manifest "${path}": ${(error as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return `${path}:${pos.line}:${pos.col} ${e.message.split('\n')[0]}`;
    });
    throw new ManifestError(`Cannot load plugin manifest: invalid YAML\n${lines.join('\n')}`);
  }
  const parsed = manifestSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const keys = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const node = locate(doc, keys);
      const where = node ? lineCounter.linePos(node) : { line: 1, col: 1 };
      const entryKey = keys.length >= 2 ? doc.getIn([keys[0], keys[1], 'key']) : undefined;
      const label = keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
      const entry = typeof entryKey === 'string' ? ` '${entryKey}'` : '';
      const message =
        issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      return `${path}:${where.line}:${where.col} ${label}${entry}: ${message}`;
    });
    throw new ManifestError(`Cannot load plugin manifest: ${lines.length} problem(s)\n${lines.join('\n')}`);
  }
  const dir = dirname(path);
  for (const [list, entries] of [['exporter', parsed.data.exporters], ['eraser', parsed.data.erasers]] as const) {
    const keys = new Set<string>();
    for (const entry of entries) {
      if (keys.has(entry.key)) throw new ManifestError(`Cannot load plugin manifest "${path}": ${list} key "${entry.key}" is used twice`);
      keys.add(entry.key);
    }
  }
  return {
    file: path,
    dir,
    digest: createHash('sha256').update(text).digest('hex'),
    exporters: parsed.data.exporters.map((entry, index) => snapshotOf(entry, index, dir)),
    erasers: parsed.data.erasers.map((entry, index) => ({
      ...snapshotOf(entry, index, dir),
      retentionReason: entry.retentionReason,
      supportsDryRun: entry.supportsDryRun,
      maxPages: entry.maxPages,
    })),
  };
}

function snapshotOf(entry: ExporterEntry, index: number, dir: string): ExporterSnapshot {
  return {
    index,
    key: entry.key,
    name: entry.name,
    modulePath: resolve(dir, entry.module),
    exportName: entry.export,
    pageSize: entry.pageSize,
    timeoutMs: parseDuration(entry.timeout) ?? 60_000,
    retry: {
      maxAttempts: entry.retry.maxAttempts,
      initialIntervalMs: parseDuration(entry.retry.initialInterval) ?? 1000,
      maxIntervalMs: parseDuration(entry.retry.maxInterval) ?? 60_000,
    },
    settings: entry.settings,
  };
}

/** Offset of the deepest YAML node that exists along `keys`, to point at the line. */
function locate(doc: ReturnType<typeof parseDocument>, keys: (string | number)[]): number | undefined {
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = doc.getIn(keys.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return node.range[0];
  }
  return undefined;
}
