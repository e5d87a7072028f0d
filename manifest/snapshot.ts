/**
 * The JSON-safe manifest snapshot a request carries for its whole life.
 * Types only: the workflow sandbox imports this file.
 */
import type { Controller, Processing } from './schema.ts';

export type { Controller, LocalizedText, Processing } from './schema.ts';

/** What a plugin may touch, with paths made absolute. */
export interface Permissions {
  net: string[];
  env: string[];
  read: string[];
  write: string[];
}

/** Where a plugin's pages come from: the source of one of the kinds (plugins/kinds/registry.ts). */
export type { PluginSource } from '../plugins/kinds/registry.ts';
import type { PluginSource } from '../plugins/kinds/registry.ts';

/** The most one page of a plugin may hold, so that one answer can never exhaust a worker's memory. */
export interface PageLimits {
  maxPageBytes: number;
  maxPageItems: number;
}

/**
 * 8 MiB of JSON is ~40 MB once parsed and staged, a quarter of the worker's heap; 10,000 items is
 * twenty of WordPress's 500-item pages. A plugin that needs more says so in plugins.yaml.
 */
export const DEFAULT_PAGE_LIMITS: PageLimits = { maxPageBytes: 8 * 1024 * 1024, maxPageItems: 10_000 };

/** The plugin's page limits, the defaults where its snapshot has none. */
export function pageLimits(plugin: { limits?: PageLimits | undefined }): PageLimits {
  return plugin.limits ?? DEFAULT_PAGE_LIMITS;
}

/** One plugin (exporter or eraser) as a running request sees it: paths absolute, durations in ms. */
export interface PluginSnapshot {
  index: number;
  key: string;
  name: string;
  source: PluginSource;
  pageSize: number | undefined;
  timeoutMs: number;
  retry: { maxAttempts: number; initialIntervalMs: number; maxIntervalMs: number };
  group?: { id: string; label: string; description: string };
  /** What one page may hold; absent in snapshots made before limits existed (see {@link pageLimits}). */
  limits?: PageLimits;
  permissions: Permissions;
  /** Most pages of this plugin in flight at once in one worker process (absent: no limit). */
  concurrency?: number;
  settings: Record<string, unknown>;
  /** What is done with the data (GDPR Art. 15(1)), as plugins.yaml declares it. */
  processing?: Processing;
}

/** One eraser as a running request sees it. */
export interface EraserSnapshot extends PluginSnapshot {
  retentionReason: string | undefined;
  supportsDryRun: boolean;
  maxPages: number;
}

/** How long the engine waits for a later answer (a processor's page, a recipient's acknowledgement), and whether it may give up. */
export interface AsyncRules {
  timeoutMs: number;
  reminderMs: number;
  required: boolean;
}

/** A recipient told of each erasure (GDPR Art. 19), as a running request sees it. */
export interface RecipientSnapshot {
  key: string;
  name: string;
  url: string;
  secret?: string;
  headers: Record<string, string>;
  disclosed?: string;
  timeoutMs: number;
  retry: { maxAttempts: number; initialIntervalMs: number; maxIntervalMs: number };
  async: AsyncRules;
}

export interface ManifestSnapshot {
  file: string;
  dir: string;
  /** SHA-256 of the file's bytes, to tell which manifest a request ran with. */
  digest: string;
  /** How many exporters of one request run side by side (absent in snapshots made before: one at a time). */
  concurrency?: number;
  exporters: PluginSnapshot[];
  erasers: EraserSnapshot[];
  /** Recipients told of each erasure (absent in snapshots made before). */
  notify?: RecipientSnapshot[];
  /** Who answers for the data, as plugins.yaml declares it. */
  controller?: Controller;
}
