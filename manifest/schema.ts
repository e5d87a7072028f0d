/**
 * The schema of plugins.yaml. Types are derived from it, so the manifest a
 * request runs with is exactly what was validated. Each entry names its
 * `kind` — a code `module`, a `sql` query against a database, or an `http`
 * endpoint in any language — and declares the permissions it needs.
 */
import { z } from 'zod';
import { parseByteSize } from '../lib/byte-size.ts';
import { parseDuration } from '../lib/duration.ts';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a slug: lowercase letters, digits and dashes, e.g. "crm-contacts"');

const duration = z.string().refine((text) => (parseDuration(text) ?? 0) > 0, {
  message: 'expected a duration such as "30s", "5m" or "500ms"',
});

/** A size such as "8MiB", "512KiB" or "2MB" (or a number of bytes), in bytes. */
const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === 'number' ? value : parseByteSize(value);
  if (bytes === undefined || bytes <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as "8MiB", "512KiB" or "2MB", or a number of bytes' });
    return z.NEVER;
  }
  return bytes;
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name, e.g. "CRM_DATABASE_URL"');

/** What a plugin may touch; the engine refuses anything else (see plugins/permissions.ts). */
export const permissionsSchema = z
  .strictObject({
    /** Hosts (`host` or `host:port`) the plugin may connect to. */
    net: z.array(z.string().min(1)).default([]),
    /** Environment variables the plugin may read. */
    env: z.array(envName).default([]),
    /** Files and directories (relative to plugins.yaml) the plugin may read. */
    read: z.array(z.string().min(1)).default([]),
    /** Files and directories the plugin may change (an eraser's SQLite file, uploads to delete). */
    write: z.array(z.string().min(1)).default([]),
  })
  .prefault({});

/** A language tag: "en", "de", "fr-CH". */
const languageTag = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'expected a language tag such as "en", "de" or "fr-CH"');

/** A text for the person: one string, or one per language (`{ en: …, de: … }`). */
export const localizedText = z.union(
  [
    z.string().min(1, 'expected a text'),
    z.record(languageTag, z.string().min(1, 'expected a text')).refine((texts) => Object.keys(texts).length > 0, 'expected a text in at least one language'),
  ],
  { error: 'expected a text, or one text per language with keys such as "en", "de" or "fr-CH" ({ en: "…", de: "…" })' },
);

/**
 * What a plugin's system does with the data, as GDPR Art. 15(1)(a)–(h) and 15(2) owe the person:
 * the report's "How we use your data" section and processing.json are made from it.
 */
export const processingSchema = z.strictObject({
  purposes: z.array(localizedText).min(1, 'name at least one purpose'),
  /** Art. 6(1) (and Art. 9(2) for special categories): e.g. "contract (Art. 6(1)(b) GDPR)". */
  legalBasis: localizedText,
  /** The categories of data: the report's group ids this plugin fills, each with how the person should read it. */
  categories: z
    .array(z.union([z.string().min(1), z.strictObject({ group: z.string().min(1), label: localizedText.optional(), description: localizedText.optional() })]))
    .min(1, 'name at least one category (the group ids this plugin exports)'),
  /** Who receives the data, by name or category ("payment processor (Stripe)"); none: an empty list. */
  recipients: z.array(localizedText).default([]),
  /** How long the data is kept, or the criteria that decide it. */
  retention: localizedText,
  /** Where the data came from, when not from the person. */
  source: localizedText.optional(),
  /** Transfers out of the EEA and their safeguards (Art. 15(2), Art. 46). */
  transfers: z.array(z.strictObject({ to: localizedText, safeguard: localizedText })).default([]),
  /** Automated decisions, including profiling (Art. 22): the logic involved and the consequences. */
  automatedDecisions: z.strictObject({ logic: localizedText, consequences: localizedText }).optional(),
});

/** Who answers for the data: the report says who, how to reach them, and where to complain. */
export const controllerSchema = z.strictObject({
  name: localizedText,
  contact: localizedText,
  /** The data protection officer, where there is one. */
  dpo: localizedText.optional(),
  /** The supervisory authority the person may complain to (Art. 77). */
  supervisoryAuthority: localizedText.optional(),
  /** Where the person exercises their rights (a page, an address). */
  rights: localizedText.optional(),
});

const common = {
  key: slug,
  name: z.string().min(1),
  pageSize: z.number().int().positive().optional(),
  /** Largest answer one page may be (an http body, a module's items); larger fails the request. */
  maxPageBytes: byteSize.optional(),
  /** Most items (rows, for the sql kind) one page may hold. */
  maxPageItems: z.number().int().positive().optional(),
  timeout: duration.default('60s'),
  retry: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(100).default(5),
      initialInterval: duration.default('1s'),
      maxInterval: duration.default('1m'),
    })
    .prefault({}),
  /** The group an exporter fills; a module or http exporter may name its own groups instead. */
  groupId: z.string().min(1).optional(),
  groupLabel: z.string().min(1).optional(),
  groupDescription: z.string().optional(),
  permissions: permissionsSchema,
  settings: z.record(z.string(), z.unknown()).default({}),
  /** What is done with the data (Art. 15(1)); exporters without it leave a gap the report names. */
  processing: processingSchema.optional(),
};

const eraserOnly = {
  /** Why this eraser keeps what it keeps, shown when its own messages give no reason. */
  retentionReason: z.string().min(1).optional(),
  /** The plugin honours `ctx.dryRun`; erasers without it are skipped in a dry run. */
  supportsDryRun: z.boolean().default(false),
  /** A page count no real eraser reaches: beyond it the eraser is taken to never end. */
  maxPages: z.number().int().positive().default(100_000),
};

const moduleKind = {
  kind: z.literal('module'),
  module: z.string().min(1, 'expected a path to a .ts or .js module, relative to plugins.yaml'),
  export: z.string().min(1).default('default'),
};

const httpKind = {
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  /** Or: the environment variable that holds the URL (one per deployment), declared in permissions.env. */
  urlEnv: envName.optional(),
  /** Environment variable holding the HMAC key the engine signs requests with. */
  secret: envName.optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /**
   * A processor that answers a page with 202 "pending" (its final answer comes to the page's
   * callback_url, or when asked again with its ticket): how long the engine waits before it reports
   * the page "not confirmed by the processor", and when the team is reminded meanwhile.
   */
  asyncTimeout: duration.default('30d'),
  asyncReminder: duration.default('7d'),
  /** The request may not complete without this processor's answer: past asyncTimeout it keeps waiting and the team is told. */
  required: z.boolean().default(false),
  /** Environment variable holding the key a processor signs its erasure receipts with (HMAC-SHA256). */
  receiptSecret: envName.optional(),
};

const connection = envName.describe('environment variable holding postgres://, mysql:// or sqlite: connection URL');

const sqlExporterKind = {
  kind: z.literal('sql'),
  connection,
  /** Bound parameters :email, :limit, :offset; never interpolated. */
  query: z.string().min(1),
  /** Item id template over the row's columns, e.g. "contact-{id}". */
  itemId: z.string().min(1),
  /** Label → column, in the order the pairs should appear. */
  fields: z.record(z.string(), z.string()).refine((fields) => Object.keys(fields).length > 0, 'expected at least one field'),
  groupId: z.string().min(1),
  groupLabel: z.string().min(1),
};

const sqlEraserKind = {
  kind: z.literal('sql'),
  connection,
  /** Run in order, in one transaction, per page; bound parameters :email and :limit. */
  statements: z.array(z.string().min(1)).min(1),
  /** What is kept and why: a query answering one row with a `count` column. */
  retain: z.strictObject({ query: z.string().min(1), reason: z.string().min(1) }).optional(),
};

/** `kind` defaults to `module`, so a plain module entry needs no `kind:` line. */
const withDefaultKind = (value: unknown) =>
  value && typeof value === 'object' && !Array.isArray(value) && !('kind' in value) ? { ...value, kind: 'module' } : value;

const exporterSchema = z.preprocess(
  withDefaultKind,
  z.discriminatedUnion('kind', [
    z.strictObject({ ...common, ...moduleKind }),
    z.strictObject({ ...common, ...sqlExporterKind }),
    z.strictObject({ ...common, ...httpKind }),
  ]),
);

const eraserSchema = z.preprocess(
  withDefaultKind,
  z.discriminatedUnion('kind', [
    z.strictObject({ ...common, ...eraserOnly, ...moduleKind }),
    z.strictObject({ ...common, ...eraserOnly, ...sqlEraserKind }),
    z.strictObject({ ...common, ...eraserOnly, ...httpKind }),
  ]),
);

export const PLUGIN_KINDS = ['module', 'sql', 'http'] as const;

/**
 * A recipient to whom the data was disclosed (GDPR Art. 19): told of every erasure by a signed POST
 * to `url`; it acknowledges at once, or later to the notice's callback_url (or when asked again with
 * its ticket), as an asynchronous processor answers a page (docs/PLUGINS.md).
 */
const recipientSchema = z.strictObject({
  key: slug,
  name: z.string().min(1),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  /** Environment variable holding the HMAC key notices are signed with, and acknowledgements checked against. */
  secret: envName.optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /** What was disclosed to it, as the receipt and the person's mail say. */
  disclosed: z.string().min(1).optional(),
  timeout: duration.default('30s'),
  retry: common.retry,
  /** How long the engine waits for its acknowledgement before listing it as "not acknowledged", and when the team is reminded. */
  asyncTimeout: duration.default('30d'),
  asyncReminder: duration.default('7d'),
});

export const manifestSchema = z.strictObject({
  version: z.literal(1, 'expected version: 1'),
  controller: controllerSchema.optional(),
  exporters: z.array(exporterSchema).default([]),
  erasers: z.array(eraserSchema).default([]),
  /** Recipients told of each erasure (Art. 19). */
  notify: z.array(recipientSchema).default([]),
});

export type Manifest = z.output<typeof manifestSchema>;
export type ExporterEntry = Manifest['exporters'][number];
export type EraserEntry = Manifest['erasers'][number];
export type RecipientEntry = Manifest['notify'][number];
export type LocalizedText = z.output<typeof localizedText>;
export type Processing = z.output<typeof processingSchema>;
export type Controller = z.output<typeof controllerSchema>;
