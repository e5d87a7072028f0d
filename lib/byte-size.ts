/**
 * Sizes in configuration ("8MiB", "512KiB", "2MB", "100B") parsed to bytes.
 * KB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024, as their names say.
 */
const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)$/i;

/**
 * @returns the size in bytes, or `undefined` when the text is not a size
 * @example parseByteSize('8MiB') // 8388608
 */
export function parseByteSize(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * (UNITS[(unit as string).toLowerCase()] ?? Number.NaN));
}
