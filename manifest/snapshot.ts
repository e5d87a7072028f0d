/**
 * The JSON-safe manifest snapshot a request carries for its whole life.
 * Types only: the workflow sandbox imports this file.
 */

/** One exporter as a running request sees it: paths absolute, durations in ms. */
export interface ExporterSnapshot {
  index: number;
  key: string;
  name: string;
  modulePath: string;
  exportName: string;
  pageSize: number | undefined;
  timeoutMs: number;
  retry: { maxAttempts: number; initialIntervalMs: number; maxIntervalMs: number };
  settings: Record<string, unknown>;
}

/** One eraser as a running request sees it. */
export interface EraserSnapshot extends ExporterSnapshot {
  retentionReason: string | undefined;
  supportsDryRun: boolean;
  maxPages: number;
}

export interface ManifestSnapshot {
  file: string;
  dir: string;
  /** SHA-256 of the file's bytes, to tell which manifest a request ran with. */
  digest: string;
  exporters: ExporterSnapshot[];
  erasers: EraserSnapshot[];
}
