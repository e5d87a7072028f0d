/**
 * The admin pages under /admin, put together: sign-in and sign-out, the
 * codec endpoint and the Temporal UI, the session guard (guard.ts), the
 * requests list (list-routes.ts) and one request's page (request-routes.ts).
 * Server-rendered; one small same-origin script.
 *
 * Every page needs a session (signed cookie); every POST needs the
 * session's CSRF token and a same-origin `Origin`. Actions go through the
 * same `RequestActions` as the JSON API, so both refuse the same things with
 * the same words.
 */
import { readFileSync } from 'node:fs';
import type { PayloadCodec } from '@temporalio/common';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import type { Secret } from '../../lib/config.ts';
import { loggableError } from '../errors.ts';
import { clientKey, type RateLimiter } from '../rate-limit.ts';
import type { RequestActions } from '../request-actions.ts';
import type { RequestService } from '../requests.ts';
import type { ViewContext } from '../views.ts';
import { mountCodec } from './codec.ts';
import { ADMIN_HEADERS, type AdminContext, type AdminEnv, errorPage, FOREIGN_FORM, formHelpers, requireSession, safeNext, sameOrigin } from './guard.ts';
import { listRoutes } from './list-routes.ts';
import { loginPage } from './login-page.ts';
import { requestRoutes } from './request-routes.ts';
import type { Accounts } from '../accounts.ts';
import { type AdminLogin, createSessions, SESSION_COOKIE } from './session.ts';
import { mountTemporalUi } from './temporal-ui.ts';

export interface AdminOptions {
  secret: Secret;
  adminToken: Secret;
  adminLogin?: AdminLogin | undefined;
  /** Who may sign in, by name (server/accounts.ts). */
  accounts: Accounts;
  siteName: string;
  /** Where the server is reached: its origin is accepted in `Origin`; https makes the cookie Secure. */
  publicUrl: string;
  view: ViewContext;
  /** Decodes encrypted payloads for the Temporal Web UI at /admin/codec (see codec.ts). */
  codec?: PayloadCodec | undefined;
  /** Wrong credentials per client address, shared with the admin API: sign-in and the codec's token count here. */
  authFailures: RateLimiter;
  /** The Temporal Web UI to serve at /admin/temporal behind the sign-in (npm start's dev server), if any. */
  temporalUiUpstream?: string | undefined;
}

const SCRIPT = readFileSync(new URL('./admin.js', import.meta.url), 'utf8');

export function adminRoutes(service: RequestService, actions: RequestActions, options: AdminOptions): Hono<AdminEnv> {
  const sessions = createSessions({
    secret: options.secret,
    adminToken: options.adminToken,
    adminLogin: options.adminLogin,
    accounts: options.accounts,
    failures: options.authFailures,
  });
  const withPassword = options.accounts.withPassword;
  const publicOrigin = new URL(options.publicUrl).origin;
  const secure = options.publicUrl.startsWith('https:');
  const app = new Hono<AdminEnv>();
  const { siteName } = options;
  const fail = (c: Context, status: 403 | 404 | 413 | 500, message: string) => errorPage(c, siteName, status, message);

  // Before the admin pages' headers: the UI brings its own scripts and styles.
  if (options.temporalUiUpstream) mountTemporalUi(app, { upstream: options.temporalUiUpstream, sessions });

  app.use('*', async (c, next) => {
    await next();
    // A preview of a draft report sets its own, stricter ones (guard.ts PREVIEW_HEADERS).
    const own = c.res.headers.get('Content-Security-Policy')?.startsWith('sandbox') === true;
    for (const [name, value] of Object.entries(ADMIN_HEADERS)) if (!own) c.res.headers.set(name, value);
  });
  app.use('*', bodyLimit({ maxSize: 64 * 1024, onError: (c) => fail(c, 413, 'Cannot accept the form: it is larger than 64 KiB.') }));

  // ——— Sign-in (no session yet) ———

  app.get('/login', async (c) => {
    if (sessions.verify(getCookie(c, SESSION_COOKIE))) return c.redirect(safeNext(c.req.query('next')), 303);
    const info = c.req.query('loggedOut') === '1' ? 'You are logged out.' : undefined;
    return c.html(loginPage({ siteName, withPassword, next: safeNext(c.req.query('next')), info }));
  });

  app.post('/login', async (c) => {
    if (!sameOrigin(c, publicOrigin)) return fail(c, 403, FOREIGN_FORM);
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? form[name] : undefined);
    const next = safeNext(field('next'));
    const client = clientKey(c);
    const render = (error: string) => loginPage({ siteName, withPassword, next, error, username: field('username') });
    const waitMs = sessions.blockedFor(client);
    if (waitMs > 0) {
      const minutes = Math.ceil(waitMs / 60_000);
      c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
      return c.html(render(`Too many failed attempts from your address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`), 429);
    }
    const credentials = { token: field('token') ?? '', username: field('username'), password: field('password') };
    const actor = await sessions.check(credentials);
    if (!actor) {
      sessions.recordFailure(client);
      const what = withPassword ? 'the username and password, or the token, are' : 'the token is';
      return c.html(render(`Cannot log in: ${what} not right.`), 401);
    }
    const { cookie } = sessions.create(actor);
    setCookie(c, SESSION_COOKIE, cookie, { httpOnly: true, sameSite: 'Strict', secure, path: '/admin', maxAge: Math.floor(sessions.ttlMs / 1000) });
    return c.redirect(next, 303);
  });

  if (options.codec) {
    const uiOrigin = options.view.temporalUiUrl ? new URL(options.view.temporalUiUrl).origin : undefined;
    mountCodec(app, { codec: options.codec, sessions, adminToken: options.adminToken, authFailures: options.authFailures, uiOrigin });
  }

  // ——— Everything below needs a session; every POST a CSRF token ———

  app.use('*', requireSession(sessions, publicOrigin, fail));

  const helpers = formHelpers(sessions);

  app.post('/logout', (c) => {
    sessions.revoke(c.get('session'));
    deleteCookie(c, SESSION_COOKIE, { path: '/admin', secure, httpOnly: true, sameSite: 'Strict' });
    return c.redirect('/admin/login?loggedOut=1', 303);
  });

  app.get('/assets/admin.js', (c) => c.body(SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  const context: AdminContext = { service, actions, options, sessions, fail, ...helpers };
  listRoutes(app, context);
  requestRoutes(app, context);

  app.all('*', (c) => fail(c, 404, `Cannot find ${c.req.method} ${c.req.path}.`));

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    console.error(`server: admin ${c.req.method} ${c.req.routePath} failed: ${loggableError(error)}`);
    return fail(c, 500, 'Cannot complete that: an internal error occurred; see the server log.');
  });

  return app;
}
