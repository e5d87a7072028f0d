/**
 * How numbers, sizes and dates read for people, in mails and on every page
 * (the person's, the admin's): one place, so they read alike everywhere.
 */

/** "25 November 2026, 14:03 UTC": unambiguous for any reader. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  const day = date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const time = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${day}, ${time} UTC`;
}

/** A count as people read it: "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "840 bytes", "12 KB", "3.4 MB" (1 KB = 1024 bytes); the admin's request page shows sizes so too. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * A configured size as it was configured, in exact binary units: "8 MiB", "512 KiB", "100 bytes"
 * (page limits in messages). Sizes of files use {@link formatBytes}.
 */
export function formatByteSize(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}
