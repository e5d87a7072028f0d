/**
 * The exporter and eraser contracts, as WordPress defines them
 * (docs/WORDPRESS.md#exporter-answer, #eraser-answer), so that a WordPress plugin ports mechanically:
 * exporters `(email, page, ctx) → { data, done }`, erasers
 * `(email, page, ctx) → { items_removed, items_retained, messages, done }`.
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

/** Longest `next_cursor` an exporter may answer; it is a position, not data. */
export const MAX_CURSOR_LENGTH = 1024;

/** What an exporter returns for one page. */
export const exportPageSchema = z.object({
  data: z.array(exportItemSchema),
  done: z.boolean(),
  /**
   * Optional, beyond WordPress: where the next page starts (e.g. the last id
   * of this page), handed back as `ctx.cursor` with the next page. It lets an
   * exporter page by key (`WHERE id > ?`) instead of OFFSET, whose cost grows
   * with every page. Stored with the page, so a resumed export gets it too.
   */
  next_cursor: z.string().max(MAX_CURSOR_LENGTH).optional(),
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
  /**
   * Exporters: the `next_cursor` the previous page answered; `undefined` on page 1,
   * when that page answered none, and always for erasers. The page number still
   * counts up, so an exporter that ignores cursors works unchanged.
   */
  readonly cursor: string | undefined;
  /** Aborted when the request is cancelled or the page times out. */
  readonly signal: AbortSignal;
  /**
   * Erasers only: plan mode. Report what would be removed or retained, change nothing.
   * Called only for erasers whose manifest entry says `supportsDryRun: true`.
   */
  readonly dryRun: boolean;
  /**
   * `fetch`, limited to the hosts in the entry's `permissions.net`. Redirects are followed
   * (at most 5) and every `Location` is checked too; aborted with {@link signal}.
   *
   * @throws {PermissionError} for a host (or a redirect to a host) that is not declared, or a
   *   scheme other than http/https; no connection is made
   * @example const response = await ctx.fetch('https://api.crm.example/v1/contacts?email=' + encodeURIComponent(email));
   */
  readonly fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /**
   * The environment variables in the entry's `permissions.env`, read when the page starts
   * (`undefined` when declared but unset). Reading an undeclared name throws instead of
   * answering a silent `undefined`; `JSON.stringify(ctx.env)` is `{}`, so logs never show a secret.
   *
   * @throws {PermissionError} on reading a name that is not declared
   * @example const token = ctx.env.CRM_TOKEN;
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Reads a file under the entry's `permissions.read` (or `write`) paths. A relative path is
   * resolved against {@link manifestDir}; symbolic links are resolved before the check.
   *
   * @throws {PermissionError} for a path outside the declared ones
   * @example const template = new TextDecoder().decode(await ctx.readFile('./templates/export.txt'));
   */
  readonly readFile: (path: string) => Promise<Uint8Array>;
  /**
   * The real path (symbolic links resolved) of `path`, relative paths resolved against
   * {@link manifestDir}, once it is known to lie under the entry's declared paths:
   * `permissions.read` or `write` for `'read'`, `permissions.write` for `'write'`.
   * Open or change the path it returns, not the one you passed.
   *
   * @throws {PermissionError} for a path outside the declared ones (`../` escapes and links included)
   * @example const file = ctx.resolvePath(String(ctx.settings.database), 'write');
   */
  readonly resolvePath: (path: string, mode: 'read' | 'write') => string;
  /**
   * Where a processor that answers later POSTs this page's final answer (single use, bound to
   * the request, plugin and page). Sent by the `http` kind as `callback_url`.
   */
  readonly callbackUrl?: string | undefined;
  /** Asking again about a page answered `pending` (polling): the processor's `ticket`, sent as `ticket`. */
  readonly ticket?: string | undefined;
}

/**
 * A processor's "accepted, the answer comes later" (HTTP 202): the engine waits for the page's final
 * answer at its `callback_url`, or asks again with `ticket` after `retry_after` seconds.
 */
export const pendingAnswerSchema = z.object({
  status: z.literal('pending'),
  ticket: z.string().min(1).max(MAX_CURSOR_LENGTH).optional(),
  retry_after: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
});
export type PendingAnswer = z.output<typeof pendingAnswerSchema>;

/** Whether an answer says "pending" (and is well formed). */
export function pendingAnswer(answer: unknown): PendingAnswer | undefined {
  const parsed = pendingAnswerSchema.safeParse(answer);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A processor's receipt of an erasure, in an eraser's final answer: `body` is JSON text (what was
 * erased, when, by whom), `signature` its HMAC-SHA256 (`sha256=<hex>`) with the plugin's `receiptSecret`.
 */
export const processorReceiptSchema = z.strictObject({
  body: z
    .string()
    .min(2)
    .max(64 * 1024),
  signature: z.string().max(200),
});

/** An exporter: called with page 1, 2, … until it answers `done: true`. */
export type Exporter = (email: string, page: number, ctx: PluginContext) => Promise<ExportPage> | ExportPage;

/** What an eraser returns for one page. */
export const erasePageSchema = z.object({
  /** Personal data was deleted or anonymised on this page. */
  items_removed: z.boolean(),
  /** Personal data was found but kept (the messages say what and why). */
  items_retained: z.boolean(),
  /** Plain-language lines for the admin and the person, e.g. why invoices are kept. */
  messages: z.array(z.string()),
  done: z.boolean(),
  /** Optional: how many items this page removed / retained, for exact totals. */
  removed_count: z.number().int().min(0).optional(),
  retained_count: z.number().int().min(0).optional(),
  /** A processor's signed receipt of what it erased (see {@link processorReceiptSchema}). */
  receipt: processorReceiptSchema.optional(),
});

export type ErasePage = z.output<typeof erasePageSchema>;

/**
 * A page result with exact counts; `items_removed`/`items_retained` follow from them.
 *
 * @example erasedPage(2, ['Deleted 2 session tokens.'], true); // → { items_removed: true, …, removed_count: 2, retained_count: 0 }
 */
export function erasedPage(removed: number, messages: string[], done: boolean, retained = 0): ErasePage {
  return {
    items_removed: removed > 0,
    items_retained: retained > 0,
    messages,
    done,
    removed_count: removed,
    retained_count: retained,
  };
}

/**
 * An eraser: called with page 1, 2, … until it answers `done: true`. It must be
 * idempotent: a page called again (a retry, a re-run) erases nothing twice and
 * never fails because the data is already gone.
 */
export type Eraser = (email: string, page: number, ctx: PluginContext) => Promise<ErasePage> | ErasePage;

/** Which list of plugins.yaml an entry is in: it decides the contract its answers follow. */
export type PluginRole = 'exporter' | 'eraser';

/**
 * A plugin's page function, whatever its kind: `(email, page, ctx) → answer`. The answer is
 * checked against its role's contract by the host (plugins/host/check-answer.ts).
 */
export type PluginFunction = (email: string, page: number, ctx: PluginContext) => unknown;
