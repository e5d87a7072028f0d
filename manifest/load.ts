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
import { kindNamed } from '../plugins/kinds/registry.ts';
import { type EraserEntry, type ExporterEntry, manifestSchema, PLUGIN_KIND_NAMES, type RecipientEntry } from './schema.ts';
import { type AsyncRules, DEFAULT_PAGE_LIMITS, type PluginSnapshot, type ManifestSnapshot, type PluginSource, type RecipientSnapshot } from './snapshot.ts';

export type { EraserSnapshot, PluginSnapshot, ManifestSnapshot, PluginSource } from './snapshot.ts';

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
  const [yamlError] = doc.errors;
  if (yamlError !== undefined) {
    // One slip (a line indented one space too far) makes the parser report it several ways;
    // the first is where it is, the rest are echoes of it.
    const pos = lineCounter.linePos(yamlError.pos[0]);
    const hint = /indent|mapping|implicit key|collection/i.test(yamlError.message) ? ' (check the indentation of the lines around it)' : '';
    throw new ManifestError(`Cannot load plugin manifest: invalid YAML\n${path}:${pos.line}:${pos.col} ${yamlError.message.split('\n')[0]}${hint}`);
  }
  const parsed = manifestSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const keys = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      // An unknown field points at itself, not at the entry (or the file) that holds it.
      const unknown = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys?.[0] : undefined;
      const node = (unknown === undefined ? undefined : locateKey(doc, keys, unknown)) ?? locate(doc, keys);
      const where = node ? lineCounter.linePos(node) : { line: 1, col: 1 };
      const entryKey = keys.length >= 2 ? doc.getIn([keys[0], keys[1], 'key']) : undefined;
      const label = keys
        .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
        .join('')
        .replace(/^\./, '');
      const entry = typeof entryKey === 'string' ? ` '${entryKey}'` : '';
      const kindPath: (string | number)[] = keys.length >= 2 ? [keys[0] as string | number, keys[1] as string | number, 'kind'] : [];
      const message = describeIssue(issue, kindPath.length ? doc.getIn(kindPath) : undefined);
      // An unknown kind points at the kind itself.
      const kindNode = isKindIssue(issue) ? locate(doc, kindPath) : undefined;
      const at = kindNode !== undefined ? lineCounter.linePos(kindNode) : where;
      return `${path}:${at.line}:${at.col} ${label || '(top level)'}${entry}: ${message}`;
    });
    throw new ManifestError(`Cannot load plugin manifest: ${lines.length} problem(s)\n${lines.join('\n')}`);
  }
  const dir = dirname(path);
  // What the schema cannot see: rules across entries, and files the entries name.
  const problems: string[] = [];
  const at = (keys: (string | number)[], message: string) => {
    const node = locate(doc, keys);
    const pos = node === undefined ? { line: 1, col: 1 } : lineCounter.linePos(node);
    problems.push(
      `${path}:${pos.line}:${pos.col} ${keys
        .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
        .join('')
        .replace(/^\./, '')}: ${message}`,
    );
  };
  for (const list of ['exporters', 'erasers'] as const) {
    const first = new Map<string, number>();
    parsed.data[list].forEach((entry, index) => {
      const earlier = first.get(entry.key);
      if (earlier !== undefined) {
        at([list, index, 'key'], `key "${entry.key}" is used twice (first at ${list}[${earlier}]); give each entry its own key`);
      } else first.set(entry.key, index);
      const maxItems = entry.maxPageItems ?? DEFAULT_PAGE_LIMITS.maxPageItems;
      if (entry.pageSize !== undefined && entry.pageSize > maxItems) {
        at([list, index, 'pageSize'], `pageSize ${entry.pageSize} is more than maxPageItems (${maxItems}); lower pageSize or raise maxPageItems`);
      }
      // What only the entry's kind can check (a module file that must exist, one endpoint of two ways to give it).
      const kind = kindNamed(entry.kind) as { check?: (entry: unknown, dir: string) => { field: string[]; message: string }[] };
      for (const problem of kind.check?.(entry, dir) ?? []) at([list, index, ...problem.field], problem.message);
    });
  }
  // A recipient's acknowledgement comes to the same callback endpoint as an eraser's answer, by key.
  const eraserKeys = new Set(parsed.data.erasers.map((entry) => entry.key));
  const recipientKeys = new Set<string>();
  parsed.data.notify.forEach((entry, index) => {
    if (eraserKeys.has(entry.key) || recipientKeys.has(entry.key)) {
      at(['notify', index, 'key'], `key "${entry.key}" is used by another eraser or recipient; give each its own key`);
    }
    recipientKeys.add(entry.key);
  });
  if (problems.length > 0) throw new ManifestError(`Cannot load plugin manifest: ${problems.length} problem(s)\n${problems.join('\n')}`);
  return {
    file: path,
    dir,
    digest: createHash('sha256').update(text).digest('hex'),
    ...(parsed.data.controller ? { controller: parsed.data.controller } : {}),
    concurrency: parsed.data.concurrency,
    exporters: parsed.data.exporters.map((entry, index) => snapshotOf(entry, index, dir)),
    erasers: parsed.data.erasers.map((entry, index) => ({
      ...snapshotOf(entry, index, dir),
      retentionReason: entry.retentionReason,
      supportsDryRun: entry.supportsDryRun,
      maxPages: entry.maxPages,
    })),
    notify: parsed.data.notify.map(recipientOf),
  };
}

function recipientOf(entry: RecipientEntry): RecipientSnapshot {
  return {
    key: entry.key,
    name: entry.name,
    url: entry.url,
    headers: entry.headers,
    ...(entry.secret ? { secret: entry.secret } : {}),
    ...(entry.disclosed ? { disclosed: entry.disclosed } : {}),
    timeoutMs: parseDuration(entry.timeout) ?? 30_000,
    retry: retryOf(entry.retry),
    async: asyncOf(entry, false),
  };
}

function retryOf(retry: ExporterEntry['retry']): RecipientSnapshot['retry'] {
  return {
    maxAttempts: retry.maxAttempts,
    initialIntervalMs: parseDuration(retry.initialInterval) ?? 1000,
    maxIntervalMs: parseDuration(retry.maxInterval) ?? 60_000,
  };
}

function asyncOf(entry: { asyncTimeout: string; asyncReminder: string }, required: boolean): AsyncRules {
  return {
    timeoutMs: parseDuration(entry.asyncTimeout) ?? 30 * 86_400_000,
    reminderMs: parseDuration(entry.asyncReminder) ?? 7 * 86_400_000,
    required,
  };
}

function snapshotOf(entry: ExporterEntry | EraserEntry, index: number, dir: string): PluginSnapshot {
  const group =
    entry.groupId !== undefined ? { id: entry.groupId, label: entry.groupLabel ?? entry.groupId, description: entry.groupDescription ?? '' } : undefined;
  return {
    index,
    key: entry.key,
    name: entry.name,
    source: sourceOf(entry, dir),
    pageSize: entry.pageSize,
    timeoutMs: parseDuration(entry.timeout) ?? 60_000,
    retry: retryOf(entry.retry),
    ...(group ? { group } : {}),
    limits: {
      maxPageBytes: entry.maxPageBytes ?? DEFAULT_PAGE_LIMITS.maxPageBytes,
      maxPageItems: entry.maxPageItems ?? DEFAULT_PAGE_LIMITS.maxPageItems,
    },
    permissions: {
      net: entry.permissions.net,
      env: entry.permissions.env,
      read: entry.permissions.read.map((path) => resolve(dir, path)),
      write: entry.permissions.write.map((path) => resolve(dir, path)),
    },
    ...(entry.concurrency !== undefined ? { concurrency: entry.concurrency } : {}),
    settings: entry.settings,
    ...(entry.processing ? { processing: entry.processing } : {}),
  };
}

function sourceOf(entry: ExporterEntry | EraserEntry, dir: string): PluginSource {
  const kind = kindNamed(entry.kind) as { source: (entry: unknown, dir: string) => PluginSource };
  return kind.source(entry, dir);
}

/** A readable message for one schema issue; the kind of an entry gets the list of kinds there are. */
function describeIssue(issue: { code: string; message: string; keys?: string[]; path: PropertyKey[] }, kind: unknown): string {
  if (issue.code === 'unrecognized_keys') return `unknown field ${(issue.keys ?? []).map((k) => `"${k}"`).join(', ')}`;
  if (isKindIssue(issue)) {
    return kind === undefined
      ? `missing "kind"; expected one of ${PLUGIN_KIND_NAMES.join(', ')}`
      : `unknown kind '${String(kind)}'; expected one of ${PLUGIN_KIND_NAMES.join(', ')}`;
  }
  return issue.message;
}

/** An entry of `exporters` or `erasers` that matches no kind: its `kind` is missing or unknown. */
function isKindIssue(issue: { code: string; path: PropertyKey[] }): boolean {
  const [list] = issue.path;
  return issue.code === 'invalid_union' && (list === 'exporters' || list === 'erasers') && (issue.path.length === 2 || issue.path.at(-1) === 'kind');
}

/** Offset of the key `name` in the mapping at `keys`, if it is there. */
function locateKey(doc: ReturnType<typeof parseDocument>, keys: (string | number)[], name: string): number | undefined {
  const map = (keys.length === 0 ? doc.contents : doc.getIn(keys, true)) as {
    items?: { key?: { value?: unknown; range?: [number, number, number] } }[];
  } | null;
  return map?.items?.find((pair) => pair.key?.value === name)?.key?.range?.[0];
}

/** Offset of the deepest YAML node that exists along `keys`, to point at the line. */
function locate(doc: ReturnType<typeof parseDocument>, keys: (string | number)[]): number | undefined {
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = doc.getIn(keys.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return node.range[0];
  }
  return undefined;
}
