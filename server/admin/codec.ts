/**
 * The codec endpoint for the Temporal Web UI: histories are encrypted
 * (lib/payload-codec.ts), so an operator's browser asks this endpoint to
 * decode what it shows. It speaks Temporal's codec-server protocol, answers
 * cross-origin only to the configured Temporal UI, and only to an admin:
 * the admin session cookie (same site, "include cross-origin credentials" in
 * the UI's codec settings) or `Authorization: Bearer <ADMIN_TOKEN>`. Wrong
 * tokens count against the same per-address limit as the admin API and
 * sign-in; past it, a token is refused with 429 even when right. A missing or
 * ended session does not count (the UI keeps calling after one expires), and a
 * live session is enough whatever else the UI sends as a bearer token. Leave
 * the UI's "pass access token" off: once the session has ended, its own
 * token would count as a wrong one.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import type { Secret } from '../../lib/config.ts';
import { sameText } from '../../lib/secrets.ts';
import { clientKey, type RateLimiter } from '../rate-limit.ts';
import { SESSION_COOKIE, type Sessions } from './session.ts';

const payloadsSchema = z.strictObject({
  payloads: z.array(z.strictObject({ metadata: z.record(z.string(), z.base64()).default({}), data: z.base64().default('') })),
});

export interface CodecOptions {
  codec: PayloadCodec;
  sessions: Sessions;
  adminToken: Secret;
  /** Wrong tokens per client address, shared with the admin API and sign-in. */
  authFailures: RateLimiter;
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
    let admin = options.sessions.verify(getCookie(c, SESSION_COOKIE)) !== undefined;
    if (!admin && bearer !== undefined) {
      const client = clientKey(c);
      const blocked = options.authFailures.peek(client);
      if (!blocked.allowed) {
        c.header('Retry-After', String(Math.ceil(blocked.retryAfterMs / 1000)));
        return c.json({ error: { code: 'too_many_requests', message: 'Cannot decode: too many wrong tokens from this address; try again later' } }, 429);
      }
      admin = sameText(bearer, options.adminToken.reveal());
      if (!admin) options.authFailures.hit(client);
    }
    if (!admin) return c.json({ error: { code: 'unauthorized', message: 'Cannot decode: sign in to the admin page, or send the admin token' } }, 401);
    const parsed = payloadsSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      return c.json(
        { error: { code: 'invalid_request', message: 'Cannot decode: expected { "payloads": [ { "metadata": { … base64 }, "data": base64 } ] }' } },
        400,
      );
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
