/**
 * The most one page may hold (`maxPageBytes`, `maxPageItems` in plugins.yaml),
 * checked where a page comes in and before anything copies it: an http body
 * as it streams in, a sql query's rows before the driver fetches more, a
 * module's answer before it is validated and staged. One oversized answer
 * fails its request at once and leaves the worker, and every other request
 * on it, alive.
 */
import { formatByteSize } from '../../lib/format.ts';
import { PageTooLargeError } from '../../lib/errors.ts';
import { type PageLimits, pageLimits } from '../../manifest/snapshot.ts';

export { pageLimits, type PageLimits };

/** Who answered which page, for messages. */
export interface PageOrigin {
  role: 'exporter' | 'eraser';
  plugin: { key: string; limits?: PageLimits | undefined };
  page: number;
}

/** The error for a page over its byte limit. */
export function pageTooLarge({ role, plugin, page }: PageOrigin, size?: number): PageTooLargeError {
  const limit = pageLimits(plugin).maxPageBytes;
  const measured = size === undefined ? 'more than' : `${formatByteSize(size)}, over`;
  return new PageTooLargeError(
    `Cannot use page ${page} of ${role} "${plugin.key}": its answer is ${measured} the limit of ${formatByteSize(limit)} ` +
      '(maxPageBytes in plugins.yaml); make its pages smaller (pageSize) or raise maxPageBytes',
  );
}

/** The error for a page over its item limit. */
export function pageTooLong({ role, plugin, page }: PageOrigin, what = 'items'): PageTooLargeError {
  const limit = pageLimits(plugin).maxPageItems;
  return new PageTooLargeError(
    `Cannot use page ${page} of ${role} "${plugin.key}": it holds more than ${limit.toLocaleString('en-US')} ${what}, ` +
      'the limit (maxPageItems in plugins.yaml); page the data (pageSize, :limit/:offset) or raise maxPageItems',
  );
}

/**
 * Checks a module exporter's answer against the limits without copying it: the item count, then
 * the text it holds (what it will take in staging and in the ZIP), counted as it is walked.
 * Anything that is not an exporter's answer is left to the contract check.
 * @throws {PageTooLargeError}
 */
export function assertExportPageWithinLimits(answer: unknown, origin: PageOrigin): void {
  const data = (answer as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return;
  const { maxPageBytes, maxPageItems } = pageLimits(origin.plugin);
  if (data.length > maxPageItems) throw pageTooLong(origin);
  let bytes = 0;
  const add = (value: unknown) => {
    bytes += typeof value === 'string' ? value.length : 8;
  };
  for (const item of data) {
    if (typeof item !== 'object' || item === null) continue;
    const { group_id, group_label, group_description, item_id, data: pairs } = item as Record<string, unknown>;
    for (const value of [group_id, group_label, group_description, item_id]) add(value);
    if (Array.isArray(pairs)) {
      for (const pair of pairs) {
        add((pair as { name?: unknown } | null)?.name);
        add((pair as { value?: unknown } | null)?.value);
      }
    }
    if (bytes > maxPageBytes) throw pageTooLarge(origin);
  }
}
