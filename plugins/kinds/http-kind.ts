/** The `http` kind in plugins.yaml: an endpoint in any language, one signed POST per page (http.ts, docs/PLUGINS.md). */
import { z } from 'zod';
import { parseDuration } from '../../lib/duration.ts';
import { duration, envName } from '../../manifest/fields.ts';
import type { AsyncRules } from '../../manifest/snapshot.ts';
import { defineKind, type PluginFactory } from './kind.ts';

const fields = {
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

export interface HttpSource {
  kind: 'http';
  /** The endpoint, or (`urlEnv`) the environment variable that holds it. */
  url?: string;
  urlEnv?: string;
  secret?: string;
  headers: Record<string, string>;
  /** Waiting for a processor's later answer (absent in snapshots made before: 30 days, reminded after 7, not required). */
  async?: AsyncRules & { receiptSecret?: string };
}

export const httpKind = defineKind({
  kind: 'http',
  exporter: fields,
  eraser: fields,
  source: (entry): HttpSource => ({
    kind: 'http',
    ...(entry.url ? { url: entry.url } : {}),
    ...(entry.urlEnv ? { urlEnv: entry.urlEnv } : {}),
    headers: entry.headers,
    ...(entry.secret ? { secret: entry.secret } : {}),
    async: {
      timeoutMs: parseDuration(entry.asyncTimeout) ?? 30 * 86_400_000,
      reminderMs: parseDuration(entry.asyncReminder) ?? 7 * 86_400_000,
      required: entry.required,
      ...(entry.receiptSecret ? { receiptSecret: entry.receiptSecret } : {}),
    },
  }),
  check: (entry) =>
    (entry.url === undefined) === (entry.urlEnv === undefined)
      ? [
          {
            field: [],
            message: `${entry.url === undefined ? 'missing its endpoint' : 'two endpoints'}: give exactly one of url (the address) and urlEnv (the environment variable that holds it)`,
          },
        ]
      : [],
  load: async (): Promise<PluginFactory> => (await import('./http.ts')).createHttpPlugin,
});
