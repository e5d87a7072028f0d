/**
 * Makes the workflow bundle smaller where the worker holds it for its whole life.
 *
 * The SDK keeps the bundle's text (code and inline source map) as one string,
 * compiles it, and parses the source map for source-mapped stacks. Two things
 * make that cost more than it must (bench/RESULTS.md §9):
 *
 * - A single character outside Latin-1 (a "—" in a comment is enough) makes V8
 *   store the whole text two bytes a character. Each such character is written
 *   as a `\uXXXX` escape instead, which means the same in JavaScript source:
 *   in string, template and regular-expression literals, in identifiers (of the
 *   BMP, see escapeNonAscii), and (as text) in comments.
 * - The source map carries every original file (`sourcesContent`), which only
 *   the UI's "stack trace" of a running workflow shows. Stacks are mapped
 *   through `mappings`, which stay; the sources stay too when stack traces are
 *   on (`WORKFLOW_STACK_TRACES=on`).
 *
 * Pure: text in, text out.
 */

/** How the SDK's bundler ends a bundle: `//# sourceMappingURL=data:application/json;charset=utf-8;base64,…`. */
const SOURCE_MAP_COMMENT = '//# sourceMappingURL=data:';

export class BundleFormatError extends Error {
  override name = 'BundleFormatError';
}

export interface LeanBundleOptions {
  /** Keep the original files in the source map (for the UI's stack trace of a running workflow). */
  keepSources: boolean;
}

/**
 * The bundle with every non-ASCII character escaped and, unless kept, without the
 * source map's `sourcesContent`.
 * @throws {BundleFormatError} when the bundle has no inline source map (the SDK requires one)
 */
export function leanWorkflowBundle(bundle: string, options: LeanBundleOptions): string {
  const at = bundle.lastIndexOf(SOURCE_MAP_COMMENT);
  const tag = at < 0 ? -1 : bundle.indexOf('base64,', at);
  if (tag < 0) throw new BundleFormatError('The workflow bundle has no inline source map: bundle it with bundleWorkflowCode (worker/bundle.ts)');
  const data = tag + 'base64,'.length;
  const sourceMap = JSON.parse(Buffer.from(bundle.slice(data).trim(), 'base64').toString('utf8')) as Record<string, unknown>;
  if (!options.keepSources) delete sourceMap.sourcesContent;
  // The map is base64 and so ASCII already; only the code needs escaping.
  return `${escapeNonAscii(bundle.slice(0, at))}${bundle.slice(at, data)}${Buffer.from(JSON.stringify(sourceMap)).toString('base64')}\n`;
}

/**
 * Every UTF-16 unit above 0x7f as `\uXXXX`: a character outside the BMP becomes its two
 * surrogates, which string literals and regular expressions read back as the one character.
 * (An identifier with a character outside the BMP would not survive that; the worker would
 * then fail at start on a syntax error, never run changed code. None is in our code.)
 * Columns after an escaped character on its line move right (5 per character), so a stack
 * position there maps a little off; webpack's bundle has such characters in comments only.
 */
function escapeNonAscii(code: string): string {
  return code.replace(/[\u0080-\uffff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
