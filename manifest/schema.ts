/**
 * The schema of plugins.yaml. Types are derived from it, so the manifest a
 * request runs with is exactly what was validated. Each entry names its
 * `kind` — a code `module`, a `sql` query against a database, or an `http`
 * endpoint in any language — and declares the permissions it needs.
 */
import { z } from 'zod';
import { KIND_NAMES, PLUGIN_KINDS } from '../plugins/kinds/registry.ts';
import { byteSize, duration, envName, slug } from './fields.ts';

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
  /**
   * Most pages of this plugin in flight at once in one worker process, across all requests: what the
   * system behind it can take (a database's connections, a processor's rate limit). Absent: no limit.
   */
  concurrency: z.number().int().min(1, 'expected 1 or more pages at once').optional(),
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

/** `kind` defaults to `module`, so a plain module entry needs no `kind:` line. */
const withDefaultKind = (value: unknown) =>
  value && typeof value === 'object' && !Array.isArray(value) && !('kind' in value) ? { ...value, kind: 'module' } : value;

type Kinds = typeof PLUGIN_KINDS;
/** One kind's exporter entry: the common fields, its `kind`, and its own fields (which win over common ones, e.g. sql's required groupId). */
type ExporterOf<K extends Kinds[number]> = z.ZodObject<
  Omit<typeof common, keyof K['exporter']> & { kind: z.ZodLiteral<K['kind']> } & K['exporter'],
  z.core.$strict
>;
type EraserOf<K extends Kinds[number]> = z.ZodObject<
  Omit<typeof common & typeof eraserOnly, keyof K['eraser']> & { kind: z.ZodLiteral<K['kind']> } & K['eraser'],
  z.core.$strict
>;

/** The members of the unions, kind by kind (mapped over the registry's tuple, so the union keeps each kind's fields). */
type ExportersOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends Kinds[number] ? ExporterOf<T[I]> : never };
type ErasersOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends Kinds[number] ? EraserOf<T[I]> : never };

// One member per kind of plugins/kinds/registry.ts: a new kind needs nothing here.
const exporterSchema = z.preprocess(
  withDefaultKind,
  z.discriminatedUnion(
    'kind',
    PLUGIN_KINDS.map((kind) => z.strictObject({ ...common, kind: z.literal(kind.kind), ...kind.exporter })) as unknown as ExportersOf<Kinds>,
  ),
);

const eraserSchema = z.preprocess(
  withDefaultKind,
  z.discriminatedUnion(
    'kind',
    PLUGIN_KINDS.map((kind) => z.strictObject({ ...common, ...eraserOnly, kind: z.literal(kind.kind), ...kind.eraser })) as unknown as ErasersOf<Kinds>,
  ),
);

/** The kinds there are, for messages. */
export { KIND_NAMES as PLUGIN_KIND_NAMES };

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
  /**
   * How many exporters of one request run side by side (1: one after the other, as WordPress does).
   * The report is the same either way: pages merge in manifest order, then page order.
   */
  concurrency: z.number().int().min(1, 'expected 1 or more exporters at once').max(64, 'expected at most 64 exporters at once').default(4),
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
