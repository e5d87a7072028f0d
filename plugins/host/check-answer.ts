/**
 * Checks a plugin's answer against the one contract (plugins/contract.ts),
 * the way WordPress does (docs/WORDPRESS.md#exporter-answer,
 * #eraser-answer) and further: every item and pair, every message, the
 * flags really booleans ("removed" and "kept" must never be confused). Every
 * problem of a page is said at once, in WordPress's words where it has them,
 * naming the plugin, the page and the field.
 */
import type { core, ZodType } from 'zod';
import { PluginContractError } from '../../lib/errors.ts';
import { type ErasePage, type ExportPage, erasePageSchema, exportPageSchema, MAX_CURSOR_LENGTH } from '../contract.ts';
import { assertExportPageWithinLimits, type PageLimits } from './page-limits.ts';

/**
 * @throws {PluginContractError} naming the exporter, the page and every problem
 * @throws {PageTooLargeError} when the page holds more than the exporter's limits allow
 */
export function validateExportPage(response: unknown, exporter: { key: string; name: string; limits?: PageLimits | undefined }, page: number): ExportPage {
  // Before anything below copies it: a page over its limits fails whole, at once.
  assertExportPageWithinLimits(response, { role: 'exporter', plugin: exporter, page });
  // The parsed answer holds only what the contract names: stray fields never reach staging.
  return check(exportPageSchema, response, `exporter "${exporter.key}" (${exporter.name}), page ${page}`, 'an object { data, done }');
}

/**
 * @throws {PluginContractError} naming the eraser, the page and every problem
 */
export function validateErasePage(response: unknown, eraser: { key: string; name: string }, page: number): ErasePage {
  return check(
    erasePageSchema,
    response,
    `eraser "${eraser.key}" (${eraser.name}), page ${page}`,
    'an object { items_removed, items_retained, messages, done }',
  );
}

/** Most problems one message lists; the rest are counted. */
const MAX_PROBLEMS = 20;

/** The answer's own fields: what to say when one is missing, and what it must be. */
const FIELDS: Record<string, { missing?: string; must: string }> = {
  data: { missing: 'expected "data" in the response', must: 'expected "data" to be a list of items' },
  done: { missing: 'expected "done" (boolean) in the response', must: 'expected "done" to be a boolean' },
  items_removed: { missing: 'expected "items_removed" (boolean) in the response', must: 'expected "items_removed" to be a boolean' },
  items_retained: { missing: 'expected "items_retained" (boolean) in the response', must: 'expected "items_retained" to be a boolean' },
  messages: { missing: 'expected "messages" (a list of strings) in the response', must: 'expected "messages" to be a list of strings' },
  removed_count: { must: 'expected "removed_count" to be a whole number of items' },
  retained_count: { must: 'expected "retained_count" to be a whole number of items' },
  next_cursor: { must: `expected "next_cursor" to be a string of at most ${MAX_CURSOR_LENGTH} characters` },
};

/** Parses `response` with `schema`, or throws one error listing every problem. */
function check<T>(schema: ZodType<T>, response: unknown, who: string, shape: string): T {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    throw new PluginContractError(`Cannot use the answer of ${who}: expected ${shape}, got ${describe(response)}`);
  }
  const parsed = schema.safeParse(response);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => problem(issue, response));
  const shown = problems.slice(0, MAX_PROBLEMS);
  const more = problems.length - shown.length;
  if (problems.length === 1) throw new PluginContractError(`Cannot use the answer of ${who}: ${problems[0]}`);
  throw new PluginContractError(`Cannot use the answer of ${who}: ${problems.length} problems: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
}

/** One issue in the contract's words: a field of the answer, a message, or a field of an item. */
function problem(issue: core.$ZodIssue, response: object): string {
  const [field, index, ...rest] = issue.path;
  const actual = valueAt(response, issue.path);
  if (issue.path.length === 1 && typeof field === 'string' && FIELDS[field]) {
    const { missing, must } = FIELDS[field];
    if (actual === undefined && missing) return missing;
    const got = typeof actual === 'string' && field === 'next_cursor' ? `${actual.length} characters` : describe(actual);
    return `${must}, got ${got}`;
  }
  if (field === 'messages' && typeof index === 'number') return `messages[${index}]: expected a string, got ${describe(actual)}`;
  if (field === 'data' && typeof index === 'number') {
    const path = rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `data[${index}]${path}: ${itemProblem(issue, actual)}`;
  }
  return `${issue.path.map(String).join('.') || '(answer)'}: ${issue.message}`;
}

/** What is wrong with one field of an item, with the type it must have (WordPress's contract). */
function itemProblem(issue: core.$ZodIssue, actual: unknown): string {
  const field = String(issue.path.at(-1) ?? 'item');
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}: a pair has only "name" and "value"`;
  if (field === 'value') return `value must be a string, number, boolean or null, got ${actual === undefined ? 'nothing' : describe(actual)}`;
  if (issue.path.length === 2) return `expected an item { group_id, group_label, item_id, data }, got ${describe(actual)}`;
  if (issue.code === 'invalid_type') {
    const expected = field === 'data' ? 'a list of { name, value } pairs' : typeof issue.path.at(-1) === 'number' ? 'a pair { name, value }' : 'a string';
    return `${field} must be ${expected}, got ${actual === undefined ? 'nothing' : describe(actual)}`;
  }
  return issue.message;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : typeof value;
}

/**
 * The body of a processor's callback (a page it took for later), parsed: checked as the page's
 * answer afterwards.
 * @throws {PluginContractError} when it is not JSON
 */
export function parseCallbackBody(body: string, role: 'exporter' | 'eraser', key: string, page: number): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new PluginContractError(`Cannot use the callback of ${role} "${key}" for page ${page}: its body is not JSON`);
  }
}
