/**
 * The admin pages under /admin: sign-in, the requests list with the
 * add-request form and bulk actions, one request's page with its next steps
 * and live progress. Server-rendered; one small same-origin script.
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
import { html } from 'hono/html';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import type { Secret } from '../../lib/config.ts';
import { isRequestAction, REQUEST_STATUSES } from '../../model/request.ts';
import { sendReceipt, sendZip } from '../downloads.ts';
import { domainRefusal, loggableError } from '../errors.ts';
import { clientKey, type RateLimiter } from '../rate-limit.ts';
import type { RequestActions } from '../request-actions.ts';
import type { FoundRequest, RequestService } from '../requests.ts';
import { requestDetail, requestView, type ViewContext } from '../views.ts';
import { mountCodec } from './codec.ts';
import { mountTemporalUi } from './temporal-ui.ts';
import { adminPage, requestHref } from './layout.ts';
import { type AddFormState, BULK_ACTIONS, type BulkAction, EMPTY_FORM, type ListFilterInput, listPage } from './list-page.ts';
import { loginPage } from './login-page.ts';
import { progressState, requestPage } from './request-page.ts';
import { type AdminLogin, createSessions, type Notice, SESSION_COOKIE, type Session } from './session.ts';

export interface AdminOptions {
  secret: Secret;
  adminToken: Secret;
  adminLogin?: AdminLogin | undefined;
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

const PAGE_SIZE = 20;
const MAX_BULK = 100;
const SCRIPT = readFileSync(new URL('./admin.js', import.meta.url), 'utf8');

const ADMIN_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

const emailSchema = z.email().max(254);

type Env = { Variables: { session: Session; form: Record<string, string | File | (string | File)[]> } };

export function adminRoutes(service: RequestService, actions: RequestActions, options: AdminOptions): Hono<Env> {
  const sessions = createSessions({ secret: options.secret, adminToken: options.adminToken, adminLogin: options.adminLogin, failures: options.authFailures });
  const publicOrigin = new URL(options.publicUrl).origin;
  const secure = options.publicUrl.startsWith('https:');
  const app = new Hono<Env>();
  const { siteName } = options;
  const fail = (c: Context, status: 403 | 404 | 413 | 500, message: string) => errorPage(c, siteName, status, message);

  // Before the admin pages' headers: the UI brings its own scripts and styles.
  if (options.temporalUiUpstream) mountTemporalUi(app, { upstream: options.temporalUiUpstream, sessions });

  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(ADMIN_HEADERS)) c.res.headers.set(name, value);
  });
  app.use('*', bodyLimit({ maxSize: 64 * 1024, onError: (c) => fail(c, 413, 'Cannot accept the form: it is larger than 64 KiB.') }));

  // ——— Sign-in (no session yet) ———

  app.get('/login', async (c) => {
    if (sessions.verify(getCookie(c, SESSION_COOKIE))) return c.redirect(safeNext(c.req.query('next')), 303);
    const info = c.req.query('loggedOut') === '1' ? 'You are logged out.' : undefined;
    return c.html(loginPage({ siteName, withPassword: options.adminLogin !== undefined, next: safeNext(c.req.query('next')), info }));
  });

  app.post('/login', async (c) => {
    if (!sameOrigin(c, publicOrigin)) return fail(c, 403, FOREIGN_FORM);
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? form[name] : undefined);
    const next = safeNext(field('next'));
    const client = clientKey(c);
    const render = (error: string) => loginPage({ siteName, withPassword: options.adminLogin !== undefined, next, error, username: field('username') });
    const waitMs = sessions.blockedFor(client);
    if (waitMs > 0) {
      const minutes = Math.ceil(waitMs / 60_000);
      c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
      return c.html(render(`Too many failed attempts from your address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`), 429);
    }
    const credentials = { token: field('token') ?? '', username: field('username'), password: field('password') };
    if (!sessions.check(credentials)) {
      sessions.recordFailure(client);
      const what = options.adminLogin ? 'the username and password, or the token, are' : 'the token is';
      return c.html(render(`Cannot log in: ${what} not right.`), 401);
    }
    const { cookie } = sessions.create();
    setCookie(c, SESSION_COOKIE, cookie, { httpOnly: true, sameSite: 'Strict', secure, path: '/admin', maxAge: Math.floor(sessions.ttlMs / 1000) });
    return c.redirect(next, 303);
  });

  if (options.codec) {
    const uiOrigin = options.view.temporalUiUrl ? new URL(options.view.temporalUiUrl).origin : undefined;
    mountCodec(app, { codec: options.codec, sessions, adminToken: options.adminToken, authFailures: options.authFailures, uiOrigin });
  }

  // ——— Everything below needs a session; every POST a CSRF token ———

  app.use('*', async (c, next) => {
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
  });

  const csrf = (c: Context<Env>) => sessions.csrfToken(c.get('session'));
  const text = (c: Context<Env>, name: string): string | undefined => {
    const value = c.get('form')[name];
    return typeof value === 'string' ? value : undefined;
  };
  const flash = (c: Context<Env>, ...notices: Notice[]) => sessions.flash(c.get('session'), ...notices);

  app.post('/logout', (c) => {
    sessions.revoke(c.get('session'));
    deleteCookie(c, SESSION_COOKIE, { path: '/admin', secure, httpOnly: true, sameSite: 'Strict' });
    return c.redirect('/admin/login?loggedOut=1', 303);
  });

  app.get('/assets/admin.js', (c) => c.body(SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  // ——— The list ———

  const renderList = async (c: Context<Env>, filter: ListFilterInput, form: AddFormState, status: 200 | 400 | 409, searchError?: string) => {
    const found = searchError ? [] : await service.list({ ...filter, limit: filter.limit + 1 });
    const requests = found.slice(0, filter.limit).map((request) => requestView(request, options.view));
    const page = listPage({
      siteName,
      csrf: csrf(c),
      notices: sessions.takeNotices(c.get('session')),
      filter,
      searchError,
      requests,
      hasNext: found.length > filter.limit,
      form,
    });
    return c.html(page, status);
  };

  app.get('/', async (c) => {
    const query = c.req.query();
    const status = REQUEST_STATUSES.find((s) => s === query.status);
    const action = isRequestAction(query.action) ? query.action : undefined;
    const email = query.email?.trim() || undefined;
    const offset = /^\d{1,6}$/.test(query.offset ?? '') ? Number(query.offset) : 0;
    const searchError =
      email && !emailSchema.safeParse(email).success
        ? `Cannot search for "${email}": enter a whole email address (the search matches exact addresses only).`
        : undefined;
    return renderList(c, { status, action, email, offset, limit: PAGE_SIZE }, EMPTY_FORM, searchError ? 400 : 200, searchError);
  });

  app.post('/requests', async (c) => {
    const chosen = text(c, 'action');
    const form: AddFormState = {
      email: (text(c, 'email') ?? '').trim(),
      // An action this engine does not know is refused below, never taken for another one.
      action: isRequestAction(chosen) ? chosen : 'export',
      confirm: text(c, 'confirm') === 'now' ? 'now' : 'email',
      sendAsEmail: text(c, 'sendAsEmail') === '1',
      dryRun: text(c, 'dryRun') === '1',
    };
    const list = { offset: 0, limit: PAGE_SIZE };
    if (!isRequestAction(chosen)) {
      return renderList(c, list, { ...form, error: 'Cannot add the request: choose whether to export or to erase the data.' }, 400);
    }
    if (!emailSchema.safeParse(form.email).success) {
      const error = form.email
        ? `Cannot add the request: "${form.email}" is not a valid email address.`
        : 'Cannot add the request: enter the email address of the person who asks.';
      return renderList(c, list, { ...form, error }, 400);
    }
    try {
      const created = await service.create({
        email: form.email,
        action: form.action,
        sendAsEmail: form.sendAsEmail,
        skipConfirmation: form.confirm === 'now',
        ...(form.action === 'erase' ? { dryRun: form.dryRun } : {}),
      });
      const what = form.action === 'export' ? 'export' : form.dryRun ? 'erasure (dry run)' : 'erasure';
      const next =
        form.confirm === 'now'
          ? `It is confirmed and the ${form.action === 'export' ? 'export' : 'erasure'} is starting.`
          : 'A confirmation email is on its way to the person.';
      flash(c, {
        kind: 'success',
        text: `Added the ${what} request for ${form.email}. ${next}`,
        link: { href: requestHref(created.memo.requestId), text: 'View the request' },
      });
      return c.redirect('/admin', 303);
    } catch (error) {
      const refusal = domainRefusal(error);
      if (!refusal) throw error;
      const link = refusal.existingId ? { errorLink: { href: requestHref(refusal.existingId), text: `View request ${refusal.existingId}` } } : {};
      return renderList(c, list, { ...form, error: refusal.message, ...link }, 409);
    }
  });

  app.post('/bulk', async (c) => {
    const back = safeNext(text(c, 'back'));
    const action = text(c, 'bulk_action');
    const raw = c.get('form').request_id;
    const ids = [...new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((id): id is string => typeof id === 'string'))];
    if (!action || !(action in BULK_ACTIONS)) {
      flash(c, { kind: 'error', text: 'Cannot apply: choose a bulk action.' });
      return c.redirect(back, 303);
    }
    if (ids.length === 0) {
      flash(c, { kind: 'warning', text: 'Nothing done: select at least one request.' });
      return c.redirect(back, 303);
    }
    if (ids.length > MAX_BULK) {
      flash(c, { kind: 'error', text: `Cannot apply to ${ids.length} requests at once: select at most ${MAX_BULK}.` });
      return c.redirect(back, 303);
    }
    const bulk = BULK[action as BulkAction];
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const request = await service.find(id);
        if (!request) return { ok: false, text: `Cannot find request "${id}".` };
        const label = `${request.memo.email} (${request.memo.requestId})`;
        try {
          await bulk.run(actions, request);
          return { ok: true, text: label, href: requestHref(id) };
        } catch (error) {
          const refusal = domainRefusal(error);
          if (refusal) return { ok: false, text: refusal.message, href: requestHref(id) };
          console.error(`server: admin bulk ${action} on ${id} failed: ${loggableError(error)}`);
          return { ok: false, text: `${label}: an internal error occurred; see the server log.`, href: requestHref(id) };
        }
      }),
    );
    const failed = outcomes.filter((o) => !o.ok);
    const done = outcomes.filter((o) => o.ok);
    const items = (list: typeof outcomes) => list.map((o) => (o.href ? { text: o.text, href: o.href } : { text: o.text }));
    // Failures first, as WordPress does (#44081).
    if (failed.length) flash(c, { kind: 'error', text: bulk.failed(failed.length), items: items(failed) });
    if (done.length || !failed.length) flash(c, { kind: 'success', text: bulk.done(done.length), items: items(done) });
    return c.redirect(back, 303);
  });

  // ——— One request ———

  const load = async (c: Context<Env>): Promise<FoundRequest> => {
    const id = c.req.param('id') ?? '';
    const request = await service.find(id);
    if (!request) throw new HTTPException(404, { res: await notFound(c, id) });
    return request;
  };
  const notFound = async (c: Context<Env>, id: string) =>
    fail(c, 404, `Cannot find request "${id}". It may have been typed wrongly, or its history has been removed from Temporal.`);

  app.get('/requests/:id', async (c) => {
    const request = await load(c);
    const progress = await service.progress(request);
    const view = await requestDetail(request, options.view, progress);
    return c.html(requestPage({ siteName, csrf: csrf(c), notices: sessions.takeNotices(c.get('session')), view }, progress));
  });

  app.get('/requests/:id/progress.json', async (c) => {
    const request = await service.find(c.req.param('id'));
    if (!request) return c.json({ error: { code: 'not_found', message: `Cannot find request "${c.req.param('id')}"` } }, 404);
    const progress = await service.progress(request);
    return c.json(progressState(requestView(request, options.view, progress), progress));
  });

  app.get('/requests/:id/export.zip', async (c) => {
    const request = await load(c);
    const file = request.memo.download?.file;
    const sent = file && (await sendZip(c, options.view.store, file, `personal-data-export-${request.memo.requestId}.zip`));
    if (sent) return sent;
    flash(c, { kind: 'error', text: file ? 'Cannot download: the export file has been deleted.' : 'Cannot download: this request has no export file.' });
    return c.redirect(requestHref(request.memo.requestId), 303);
  });

  app.get('/requests/:id/receipt.json', async (c) => {
    const request = await load(c);
    const sent = await sendReceipt(c, request, options.view.store);
    if (sent) return sent;
    flash(c, { kind: 'error', text: 'Cannot download a receipt: this request is not a completed erasure.' });
    return c.redirect(requestHref(request.memo.requestId), 303);
  });

  app.post('/requests/:id/retry', async (c) => {
    const request = await load(c);
    try {
      const created = await actions.retry(request);
      flash(c, { kind: 'success', text: `Started a new request like ${request.memo.requestId}; a confirmation email is on its way.` });
      return c.redirect(requestHref(created.memo.requestId), 303);
    } catch (error) {
      const refusal = domainRefusal(error);
      if (!refusal) throw error;
      flash(c, { kind: 'error', text: refusal.message, ...(refusal.existingId ? { link: { href: requestHref(refusal.existingId), text: 'View it' } } : {}) });
      return c.redirect(requestHref(request.memo.requestId), 303);
    }
  });

  app.post('/requests/:id/:action', async (c) => {
    const single = SINGLE[c.req.param('action')];
    if (!single) return notFound(c, c.req.param('id'));
    const request = await load(c);
    try {
      await single.run(actions, request);
      flash(c, { kind: 'success', text: single.done(request) });
    } catch (error) {
      const refusal = domainRefusal(error);
      if (!refusal) throw error;
      flash(c, { kind: 'error', text: refusal.message });
    }
    return c.redirect(requestHref(request.memo.requestId), 303);
  });

  app.all('*', (c) => fail(c, 404, `Cannot find ${c.req.method} ${c.req.path}.`));

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    console.error(`server: admin ${c.req.method} ${c.req.routePath} failed: ${loggableError(error)}`);
    return fail(c, 500, 'Cannot complete that: an internal error occurred; see the server log.');
  });

  return app;
}

// ——— What each action does and says ———

type Run = (actions: RequestActions, request: FoundRequest) => Promise<void>;

const SINGLE: Record<string, { run: Run; done: (request: FoundRequest) => string } | undefined> = {
  confirm: {
    run: (a, r) => a.confirm(r),
    done: (r) => `Confirmed. The ${r.memo.action === 'export' ? 'export' : r.memo.dryRun ? 'dry run' : 'erasure'} is starting.`,
  },
  resend: { run: (a, r) => a.resend(r), done: () => 'A new confirmation email is on its way; earlier links no longer work.' },
  cancel: { run: (a, r) => a.cancel(r), done: () => 'Cancelling the request.' },
  complete: { run: (a, r) => a.markCompleted(r), done: () => 'Marked as completed.' },
  'delete-export': { run: (a, r) => a.deleteExport(r), done: () => 'The export file is being deleted.' },
  'email-export': { run: (a, r) => a.emailExport(r), done: (r) => `The download link is on its way to ${r.memo.email}.` },
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const BULK: Record<BulkAction, { run: Run; done: (n: number) => string; failed: (n: number) => string }> = {
  resend: {
    run: (a, r) => a.resend(r),
    done: (n) => `Confirmation email re-sent for ${plural(n, 'request')}.`,
    failed: (n) => `Cannot resend the confirmation email for ${plural(n, 'request')}:`,
  },
  'delete-export': {
    run: (a, r) => a.deleteExport(r),
    done: (n) => `Export file deleted for ${plural(n, 'request')}.`,
    failed: (n) => `Cannot delete the export file of ${plural(n, 'request')}:`,
  },
  complete: {
    run: (a, r) => a.markCompleted(r),
    done: (n) => `${plural(n, 'request')} marked as completed.`,
    failed: (n) => `Cannot mark ${plural(n, 'request')} as completed:`,
  },
};

// ——— Helpers ———

const FOREIGN_FORM =
  'Cannot accept the form: it did not come from this admin page (its security token or origin is missing or wrong). Go back, reload the page and try again.';

function errorPage(c: Context, siteName: string, status: 403 | 404 | 413 | 500, message: string) {
  return c.html(
    adminPage(
      { siteName, title: status === 404 ? 'Not found' : status === 403 ? 'Refused' : 'Something went wrong' },
      html`<div class="card"><p>${message}</p><p><a href="/admin">Back to the requests</a></p></div>`,
    ),
    status,
  );
}

/** An /admin path to go back to, or /admin: never another site (open redirect). */
function safeNext(next: string | undefined): string {
  return next && /^\/admin(?:[/?][^\\\s]*)?$/.test(next) && !next.startsWith('/admin/login') ? next : '/admin';
}

/**
 * The form came from a page of this server. Under `Referrer-Policy: no-referrer`
 * browsers send `Origin: null` on form posts, so `Sec-Fetch-Site` (set by the
 * browser, never by a page) decides when present; a real `Origin` must match.
 */
function sameOrigin(c: Context, publicOrigin: string): boolean {
  const origin = c.req.header('origin');
  const known = origin !== undefined && origin !== 'null';
  if (known && origin !== publicOrigin && origin !== new URL(c.req.url).origin) return false;
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  return known;
}

function wantsJson(c: Context): boolean {
  return c.req.path.endsWith('.json') || (c.req.header('accept') ?? '').includes('application/json');
}
