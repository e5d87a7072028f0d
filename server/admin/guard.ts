/**
 * What every admin page shares: the strict headers, the session guard (a
 * signed cookie; every POST also the session's CSRF token and a same-origin
 * `Origin`), the error page, and the small checks they use.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { adminPage } from './layout.ts';
import { type Notice, SESSION_COOKIE, type Session, type Sessions } from './session.ts';
import type { RequestActions } from '../request-actions.ts';
import type { RequestService } from '../requests.ts';
import type { AdminOptions } from './routes.ts';

/**
 * A reviewer's preview of a draft: the person's report as is, so nothing in it may run or reach
 * out (`sandbox` without allow-scripts), shown only in a frame of the admin's own pages.
 */
export const PREVIEW_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
  'X-Frame-Options': 'SAMEORIGIN',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export type AdminEnv = { Variables: { session: Session; form: Record<string, string | File | (string | File)[]> } };

export const ADMIN_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** What the admin route sets share: the services, the options, the session and form helpers. */
export interface AdminContext {
  service: RequestService;
  actions: RequestActions;
  options: Pick<AdminOptions, 'siteName' | 'view'>;
  sessions: Sessions;
  fail: (c: Context, status: 403 | 404 | 413 | 500, message: string) => Response | Promise<Response>;
  csrf: (c: Context<AdminEnv>) => string;
  text: (c: Context<AdminEnv>, name: string) => string | undefined;
  flash: (c: Context<AdminEnv>, ...notices: Notice[]) => void;
}

/** Pages need a session (else the login form, or 401 for scripts); a POST needs its CSRF token and origin. */
export function requireSession(sessions: Sessions, publicOrigin: string, fail: AdminContext['fail']): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const session = sessions.verify(getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (wantsJson(c)) return c.json({ error: { code: 'unauthorized', message: 'Cannot answer: the admin session ended; log in again' } }, 401);
      const url = new URL(c.req.url);
      return c.redirect(`/admin/login?next=${encodeURIComponent(safeNext(url.pathname + url.search))}`, 303);
    }
    c.set('session', session);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody({ all: true });
      if (!sameOrigin(c, publicOrigin) || !sessions.checkCsrf(session, form.csrf)) return fail(c, 403, FOREIGN_FORM);
      c.set('form', form);
    }
    await next();
  };
}

/** The session's CSRF token, a form field, and notices for the next page. */
export function formHelpers(sessions: Sessions): Pick<AdminContext, 'csrf' | 'text' | 'flash'> {
  return {
    csrf: (c) => sessions.csrfToken(c.get('session')),
    text: (c, name) => {
      const value = c.get('form')[name];
      return typeof value === 'string' ? value : undefined;
    },
    flash: (c, ...notices) => sessions.flash(c.get('session'), ...notices),
  };
}

export const FOREIGN_FORM =
  'Cannot accept the form: it did not come from this admin page (its security token or origin is missing or wrong). Go back, reload the page and try again.';

export function errorPage(c: Context, siteName: string, status: 403 | 404 | 413 | 500, message: string) {
  return c.html(
    adminPage(
      { siteName, title: status === 404 ? 'Not found' : status === 403 ? 'Refused' : 'Something went wrong' },
      html`<div class="card"><p>${message}</p><p><a href="/admin">Back to the requests</a></p></div>`,
    ),
    status,
  );
}

/** An /admin path to go back to, or /admin: never another site (open redirect). */
export function safeNext(next: string | undefined): string {
  return next && /^\/admin(?:[/?][^\\\s]*)?$/.test(next) && !next.startsWith('/admin/login') ? next : '/admin';
}

/**
 * The form came from a page of this server. Under `Referrer-Policy: no-referrer`
 * browsers send `Origin: null` on form posts, so `Sec-Fetch-Site` (set by the
 * browser, never by a page) decides when present; a real `Origin` must match.
 */
export function sameOrigin(c: Context, publicOrigin: string): boolean {
  const origin = c.req.header('origin');
  const known = origin !== undefined && origin !== 'null';
  if (known && origin !== publicOrigin && origin !== new URL(c.req.url).origin) return false;
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  return known;
}

export function wantsJson(c: Context): boolean {
  return c.req.path.endsWith('.json') || (c.req.header('accept') ?? '').includes('application/json');
}
