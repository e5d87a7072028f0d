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
import { type EraserEntry, type ExporterEntry, manifestSchema, PLUGIN_KINDS } from './schema.ts';
import type { ExporterSnapshot, ManifestSnapshot, PluginSource } from './snapshot.ts';

export type { EraserSnapshot, ExporterSnapshot, ManifestSnapshot, PluginSource } from './snapshot.ts';

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
      const kindPath: (string | number)[] = keys.length >= 2 ? [keys[0] as string | number, keys[1] as string | number, 'kind'] : [];
      const message = describeIssue(issue, kindPath.length ? doc.getIn(kindPath) : undefined);
      // An unknown kind points at the kind itself.
      const kindNode = issue.code === 'invalid_union' && kindPath.length ? locate(doc, kindPath) : undefined;
      const at = kindNode !== undefined ? lineCounter.linePos(kindNode) : where;
      return `${path}:${at.line}:${at.col} ${label}${entry}: ${message}`;
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

function snapshotOf(entry: ExporterEntry | EraserEntry, index: number, dir: string): ExporterSnapshot {
  const group =
    entry.groupId !== undefined
      ? { id: entry.groupId, label: entry.groupLabel ?? entry.groupId, description: entry.groupDescription ?? '' }
      : undefined;
  return {
    index,
    key: entry.key,
    name: entry.name,
    source: sourceOf(entry, dir),
    pageSize: entry.pageSize,
    timeoutMs: parseDuration(entry.timeout) ?? 60_000,
    retry: {
      maxAttempts: entry.retry.maxAttempts,
      initialIntervalMs: parseDuration(entry.retry.initialInterval) ?? 1000,
      maxIntervalMs: parseDuration(entry.retry.maxInterval) ?? 60_000,
    },
    ...(group ? { group } : {}),
    permissions: {
      net: entry.permissions.net,
      env: entry.permissions.env,
      read: entry.permissions.read.map((path) => resolve(dir, path)),
      write: entry.permissions.write.map((path) => resolve(dir, path)),
    },
    settings: entry.settings,
  };
}

function sourceOf(entry: ExporterEntry | EraserEntry, dir: string): PluginSource {
  switch (entry.kind) {
    case 'module':
      return { kind: 'module', modulePath: resolve(dir, entry.module), exportName: entry.export };
    case 'http':
      return { kind: 'http', url: entry.url, headers: entry.headers, ...(entry.secret ? { secret: entry.secret } : {}) };
    case 'sql':
      return 'query' in entry
        ? { kind: 'sql', connection: entry.connection, query: entry.query, itemId: entry.itemId, fields: entry.fields }
        : { kind: 'sql', connection: entry.connection, statements: entry.statements, ...(entry.retain ? { retain: entry.retain } : {}) };
  }
}

/** A readable message for one schema issue; the kind of an entry gets the list of kinds there are. */
function describeIssue(issue: { code: string; message: string; keys?: string[]; path: PropertyKey[] }, kind: unknown): string {
  if (issue.code === 'unrecognized_keys') return `unknown field ${(issue.keys ?? []).map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union' && (issue.path.length === 2 || issue.path.at(-1) === 'kind')) {
    return kind === undefined
      ? `missing "kind"; expected one of ${PLUGIN_KINDS.join(', ')}`
      : `unknown kind '${String(kind)}'; expected one of ${PLUGIN_KINDS.join(', ')}`;
  }
  return issue.message;
}

/** Offset of the deepest YAML node that exists along `keys`, to point at the line. */
function locate(doc: ReturnType<typeof parseDocument>, keys: (string | number)[]): number | undefined {
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = doc.getIn(keys.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return node.range[0];
  }
  return undefined;
}
