/**
 * Durations in configuration ("24h", "3d", "90s", "500ms") parsed to
 * milliseconds, so every timer the workflows start is a plain number.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration such as `"24h"` or `"3d"`.
 * @returns the duration in milliseconds, or `undefined` when the text is not a duration
 * @example parseDuration('3d') // 259200000
 */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * (UNITS[unit as string] ?? Number.NaN));
}
