/**
 * The exporter contract, as WordPress defines it (reference §2.2), so that a
 * WordPress exporter ports mechanically: `(email, page, ctx) → { data, done }`.
 *
 * Plugins import only this file; they know nothing of Temporal.
 */
import { z } from 'zod';

/** One name/value pair of an exported item. Values are scalars, as in WordPress. */
export const exportPairSchema = z.strictObject({
  name: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});

/** One exported item: a row of personal data, placed in a group. */
export const exportItemSchema = z.object({
  group_id: z.string().min(1, 'group_id must be a non-empty string'),
  group_label: z.string(),
  group_description: z.string().optional(),
  item_id: z.string().min(1, 'item_id must be a non-empty string'),
  data: z.array(exportPairSchema),
});

/** What an exporter returns for one page. */
export const exportPageSchema = z.object({
  data: z.array(exportItemSchema),
  done: z.boolean(),
});

export type ExportPair = z.output<typeof exportPairSchema>;
export type ExportItem = z.output<typeof exportItemSchema>;
export type ExportPage = z.output<typeof exportPageSchema>;

/** What the engine hands a plugin with every call. */
export interface PluginContext {
  /** Opaque id of the request being served; safe to log. */
  readonly requestId: string;
  /** The entry's `settings` from plugins.yaml, as written there. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Items per page the manifest asks for; the plugin may use its own default. */
  readonly pageSize: number | undefined;
  /** Directory of plugins.yaml, to resolve relative paths in settings. */
  readonly manifestDir: string;
  /** Aborted when the request is cancelled or the page times out. */
  readonly signal: AbortSignal;
}

/** An exporter: called with page 1, 2, … until it answers `done: true`. */
export type Exporter = (email: string, page: number, ctx: PluginContext) => Promise<ExportPage> | ExportPage;
