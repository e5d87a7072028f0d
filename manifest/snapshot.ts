/**
 * The JSON-safe manifest snapshot a request carries for its whole life.
 * Types only: the workflow sandbox imports this file.
 */

/** What a plugin may touch, with paths made absolute. */
export interface Permissions {
  net: string[];
  env: string[];
  read: string[];
  write: string[];
}

/** Where a plugin's pages come from. */
export type PluginSource =
  | { kind: 'module'; modulePath: string; exportName: string }
  | {
      kind: 'sql';
      /** Name of the environment variable that holds the connection URL. */
      connection: string;
      query?: string;
      itemId?: string;
      fields?: Record<string, string>;
      statements?: string[];
      retain?: { query: string; reason: string };
    }
  | { kind: 'http'; url: string; secret?: string; headers: Record<string, string> };

/** One exporter as a running request sees it: paths absolute, durations in ms. */
export interface ExporterSnapshot {
  index: number;
  key: string;
  name: string;
  source: PluginSource;
  pageSize: number | undefined;
  timeoutMs: number;
  retry: { maxAttempts: number; initialIntervalMs: number; maxIntervalMs: number };
  group?: { id: string; label: string; description: string };
  permissions: Permissions;
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
