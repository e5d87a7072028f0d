/**
 * The codec endpoint for the Temporal Web UI: histories are encrypted
 * (lib/payload-codec.ts), so an operator's browser asks this endpoint to
 * decode what it shows. It speaks Temporal's codec-server protocol, answers
 * cross-origin only to the configured Temporal UI, and only to an admin:
 * the admin session cookie (same site, "include cross-origin credentials" in
 * the UI's codec settings) or `Authorization: Bearer <ADMIN_TOKEN>`.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import type { Secret } from '../../lib/config.ts';
import { SESSION_COOKIE, type Sessions, sameText } from './session.ts';

const payloadsSchema = z.strictObject({
  payloads: z.array(z.strictObject({ metadata: z.record(z.string(), z.base64()).default({}), data: z.base64().default('') })),
});

export interface CodecOptions {
  codec: PayloadCodec;
  sessions: Sessions;
  adminToken: Secret;
  /** Origin of the Temporal Web UI allowed to call (TEMPORAL_UI_URL); none → same-origin callers only. */
  uiOrigin: string | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: mounted on the admin app whatever its Env
export function mountCodec(app: Hono<any>, options: CodecOptions): void {
  const allowCors = (c: Context) => {
    const origin = c.req.header('Origin');
    if (origin && origin === options.uiOrigin) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Vary', 'Origin');
    }
  };

  app.options('/codec/:op{encode|decode}', (c) => {
    allowCors(c);
    c.header('Access-Control-Allow-Methods', 'POST');
    c.header('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
    c.header('Access-Control-Max-Age', '600');
    return c.body(null, 204);
  });

  app.post('/codec/:op{encode|decode}', async (c) => {
    allowCors(c);
    const bearer = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '')?.[1];
    const admin = (bearer !== undefined && sameText(bearer, options.adminToken.reveal())) || options.sessions.verify(getCookie(c, SESSION_COOKIE));
    if (!admin) return c.json({ error: { code: 'unauthorized', message: 'Cannot decode: sign in to the admin page, or send the admin token' } }, 401);
    const parsed = payloadsSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: { code: 'invalid_request', message: 'Cannot decode: expected { "payloads": [ { "metadata": { … base64 }, "data": base64 } ] }' } }, 400);
    const payloads: Payload[] = parsed.data.payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
      data: Buffer.from(p.data, 'base64'),
    }));
    const result = c.req.param('op') === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    return c.json({
      payloads: result.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')])),
        data: Buffer.from(p.data ?? []).toString('base64'),
      })),
    });
  });
}
