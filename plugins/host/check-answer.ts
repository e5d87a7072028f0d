/**
 * Checks an exporter's answer the way WordPress does (docs/WORDPRESS.md#exporter-answer), then
 * every item, and says which exporter, which page and what was wrong.
 */
import { PluginContractError } from '../../lib/errors.ts';
import { assertExportPageWithinLimits, type PageLimits } from './page-limits.ts';
import { type ErasePage, exportItemSchema, type ExportPage, MAX_CURSOR_LENGTH } from '../contract.ts';

/**
 * @throws {PluginContractError} naming the exporter, the page and the problem
 * @throws {PageTooLargeError} when the page holds more than the exporter's limits allow
 */
export function validateExportPage(response: unknown, exporter: { key: string; name: string; limits?: PageLimits | undefined }, page: number): ExportPage {
  // Before anything below copies it: a page over its limits fails whole, at once.
  assertExportPageWithinLimits(response, { role: 'exporter', plugin: exporter, page });
  const who = `exporter "${exporter.key}" (${exporter.name}), page ${page}`;
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    throw new PluginContractError(`Cannot use the answer of ${who}: expected an object { data, done }, got ${describe(response)}`);
  }
  // Every problem at once (up to a screenful), so the plugin's author fixes them in one go.
  const problems: string[] = [];
  let more = 0;
  const problem = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
    else more++;
  };
  const record = response as Record<string, unknown>;
  if (!('data' in record)) problem('expected "data" in the response');
  else if (!Array.isArray(record.data)) problem(`expected "data" to be a list of items, got ${describe(record.data)}`);
  if (!('done' in record)) problem('expected "done" (boolean) in the response');
  else if (typeof record.done !== 'boolean') problem(`expected "done" to be a boolean, got ${describe(record.done)}`);
  const items = Array.isArray(record.data) ? (record.data as unknown[]) : [];
  for (const [index, item] of items.entries()) {
    const parsed = exportItemSchema.safeParse(item);
    if (parsed.success) continue;
    for (const issue of parsed.error.issues) {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      problem(`data[${index}]${path}: ${itemProblem(issue, valueAt(item, issue.path))}`);
    }
  }
  const cursor = record.next_cursor;
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH)) {
    problem(
      `expected "next_cursor" to be a string of at most ${MAX_CURSOR_LENGTH} characters, got ${typeof cursor === 'string' ? `${cursor.length} characters` : describe(cursor)}`,
    );
  }
  if (problems.length === 1) throw new PluginContractError(`Cannot use the answer of ${who}: ${problems[0]}`);
  if (problems.length > 1) {
    const tail = more > 0 ? `; and ${more} more` : '';
    throw new PluginContractError(`Cannot use the answer of ${who}: ${problems.length + more} problems: ${problems.join('; ')}${tail}`);
  }
  const answer: ExportPage = { data: items as ExportPage['data'], done: record.done as boolean };
  return cursor === undefined ? answer : { ...answer, next_cursor: cursor as string };
}

/** Most problems one message lists; the rest are counted. */
const MAX_PROBLEMS = 20;

/** What is wrong with one field of an item, with the type it must have (WordPress's contract). */
function itemProblem(issue: { code: string; message: string; path: PropertyKey[]; keys?: string[] }, actual: unknown): string {
  const field = String(issue.path.at(-1) ?? 'item');
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${(issue.keys ?? []).map((k) => `"${k}"`).join(', ')}: a pair has only "name" and "value"`;
  if (field === 'value') return `value must be a string, number, boolean or null, got ${actual === undefined ? 'nothing' : describe(actual)}`;
  if (issue.path.length === 0) return `expected an item { group_id, group_label, item_id, data }, got ${describe(actual)}`;
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

/**
 * Checks an eraser's answer as WordPress does (docs/WORDPRESS.md#eraser-answer), and that the
 * flags really are booleans, since "removed" and "kept" must never be confused.
 * @throws {PluginContractError} naming the eraser, the page and the problem
 */
export function validateErasePage(response: unknown, eraser: { key: string; name: string }, page: number): ErasePage {
  const who = `eraser "${eraser.key}" (${eraser.name}), page ${page}`;
  const fail = (problem: string): never => {
    throw new PluginContractError(`Cannot use the answer of ${who}: ${problem}`);
  };
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    fail(`expected an object { items_removed, items_retained, messages, done }, got ${describe(response)}`);
  }
  const record = response as Record<string, unknown>;
  for (const flag of ['items_removed', 'items_retained'] as const) {
    if (!(flag in record)) fail(`expected "${flag}" (boolean) in the response`);
    if (typeof record[flag] !== 'boolean') fail(`expected "${flag}" to be a boolean, got ${describe(record[flag])}`);
  }
  if (!('messages' in record)) fail('expected "messages" (a list of strings) in the response');
  if (!Array.isArray(record.messages)) fail(`expected "messages" to be a list of strings, got ${describe(record.messages)}`);
  const messages = record.messages as unknown[];
  const bad = messages.findIndex((message) => typeof message !== 'string');
  if (bad >= 0) fail(`messages[${bad}]: expected a string, got ${describe(messages[bad])}`);
  if (!('done' in record)) fail('expected "done" (boolean) in the response');
  if (typeof record.done !== 'boolean') fail(`expected "done" to be a boolean, got ${describe(record.done)}`);
  for (const count of ['removed_count', 'retained_count'] as const) {
    const value = record[count];
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
      fail(`expected "${count}" to be a whole number of items, got ${describe(value)}`);
    }
  }
  return record as unknown as ErasePage;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : typeof value;
}
