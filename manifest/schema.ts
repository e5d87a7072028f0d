/**
 * The schema of plugins.yaml. Types are derived from it, so the manifest a
 * request runs with is exactly what was validated.
 */
import { z } from 'zod';
import { parseDuration } from '../lib/duration.ts';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a slug: lowercase letters, digits and dashes, e.g. "crm-contacts"');

const duration = z.string().refine((text) => (parseDuration(text) ?? 0) > 0, {
  message: 'expected a duration such as "30s", "5m" or "500ms"',
});

const pluginFields = {
  key: slug,
  name: z.string().min(1),
  kind: z.literal('module').default('module'),
  module: z.string().min(1, 'expected a path to a .ts or .js module, relative to plugins.yaml'),
  export: z.string().min(1).default('default'),
  pageSize: z.number().int().positive().optional(),
  timeout: duration.default('60s'),
  retry: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(100).default(5),
      initialInterval: duration.default('1s'),
      maxInterval: duration.default('1m'),
    })
    .prefault({}),
  settings: z.record(z.string(), z.unknown()).default({}),
};

const moduleExporter = z.strictObject(pluginFields);

const moduleEraser = z.strictObject({
  ...pluginFields,
  /** Why this eraser keeps what it keeps, shown when its own messages give no reason. */
  retentionReason: z.string().min(1).optional(),
  /** The plugin honours `ctx.dryRun`; erasers without it are skipped in a dry run. */
  supportsDryRun: z.boolean().default(false),
  /** A page count no real eraser reaches: beyond it the eraser is taken to never end. */
  maxPages: z.number().int().positive().default(100_000),
});

export const manifestSchema = z.strictObject({
  version: z.literal(1, 'expected version: 1'),
  site: z.strictObject({ name: z.string().min(1).optional(), url: z.url().optional() }).optional(),
  exporters: z.array(moduleExporter).default([]),
  erasers: z.array(moduleEraser).default([]),
});

export type Manifest = z.output<typeof manifestSchema>;
export type ExporterEntry = Manifest['exporters'][number];
export type EraserEntry = Manifest['erasers'][number];
