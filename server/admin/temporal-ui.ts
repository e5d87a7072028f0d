/**
 * The Temporal Web UI behind the admin sign-in, on the admin pages' own
 * origin (`/admin/temporal/…`, the UI started with that public path). The
 * UI decodes encrypted histories by calling /admin/codec: from the same
 * origin its calls carry the admin session cookie, so decoding works out of
 * the box with no codec settings to change in the UI, and only a signed-in
 * admin sees the UI at all.
 *
 * Used by `npm start` (TEMPORAL_UI_UPSTREAM); a production cluster's UI is
 * reached at its own address (TEMPORAL_UI_URL) with its own sign-in.
 */
import type { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { proxy } from 'hono/proxy';
import { SESSION_COOKIE, type Sessions } from './session.ts';

// biome-ignore lint/suspicious/noExplicitAny: mounted on the admin app whatever its Env
export function mountTemporalUi(app: Hono<any>, options: { upstream: string; sessions: Sessions }): void {
  const upstream = new URL(options.upstream);
  app.all('/temporal/*', async (c) => {
    if (!options.sessions.verify(getCookie(c, SESSION_COOKIE))) {
      const url = new URL(c.req.url);
      if (c.req.method === 'GET' && /text\/html/.test(c.req.header('Accept') ?? '')) {
        return c.redirect(`/admin/login?next=${encodeURIComponent(`${url.pathname}${url.search}`)}`, 303);
      }
      return c.json({ error: { code: 'unauthorized', message: 'Cannot show the Temporal UI: sign in to the admin pages first' } }, 401);
    }
    const url = new URL(c.req.url);
    const target = new URL(`${url.pathname}${url.search}`, upstream);
    // The admin session stays here: the UI server has no use for it.
    const cookie = (c.req.header('Cookie') ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part !== '' && !part.startsWith(`${SESSION_COOKIE}=`))
      .join('; ');
    return proxy(target, {
      raw: c.req.raw,
      headers: { ...c.req.header(), host: upstream.host, cookie: cookie === '' ? undefined : cookie, authorization: undefined },
    });
  });
}
