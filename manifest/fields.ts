/**
 * Field types plugins.yaml shares across its entries and the kinds of plugin
 * (plugins/kinds/*-kind.ts): keys, durations, sizes, variable names.
 */
import { z } from 'zod';
import { parseByteSize } from '../lib/byte-size.ts';
import { parseDuration } from '../lib/duration.ts';

export const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a slug: lowercase letters, digits and dashes, e.g. "crm-contacts"');

export const duration = z.string().refine((text) => (parseDuration(text) ?? 0) > 0, {
  message: 'expected a duration such as "30s", "5m" or "500ms"',
});

/** A size such as "8MiB", "512KiB" or "2MB" (or a number of bytes), in bytes. */
export const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === 'number' ? value : parseByteSize(value);
  if (bytes === undefined || bytes <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as "8MiB", "512KiB" or "2MB", or a number of bytes' });
    return z.NEVER;
  }
  return bytes;
});

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name, e.g. "CRM_DATABASE_URL"');
