/**
 * The HTTP side: admin API (bearer token), the person's confirmation and
 * download links, and a health check. Exported without listening, so tests
 * call `app.request()` or serve it on a port of their choice.
 */
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Secret } from '../lib/config.ts';
import type { Store } from '../storage/store.ts';
import { adminRoutes } from './admin/routes.ts';
import type { AdminLogin } from './admin/session.ts';
import { apiError, domainRefusal, loggableError } from './errors.ts';
import { clientKey, createRateLimiter, type RateLimiterOptions } from './rate-limit.ts';
import { createRequestActions } from './request-actions.ts';
import { createRequestService, type RequestSettings } from './requests.ts';
import { type AdminAccount, createAccounts } from './accounts.ts';
import { type ApiEnv, apiRoutes } from './api/routes.ts';
import { callbackRoutes } from './callbacks.ts';
import { publicRoutes } from './public/routes.ts';
import type { ViewContext } from './views.ts';

export interface AppOptions extends RequestSettings {
  client: Client;
  adminToken: Secret;
  store: Store;
  publicUrl: string;
  siteName: string;
  namespace: string;
  temporalUiUrl: string | undefined;
  /** Admin pages: sign in by name and password besides the token (ADMIN_USERNAME / ADMIN_PASSWORD). */
  adminLogin?: AdminLogin | undefined;
  /** Named admin accounts (ADMIN_USERS, loaded by server/accounts.ts loadAdminUsers). */
  adminUsers?: readonly AdminAccount[] | undefined;
  /** The payload codec, served to the Temporal Web UI at /admin/codec. */
  payloadCodec?: PayloadCodec | undefined;
  /** The Temporal Web UI to serve behind the admin sign-in at /admin/temporal (TEMPORAL_UI_UPSTREAM). */
  temporalUiUpstream?: string | undefined;
  /** Random per start (INSTANCE_ID), shown by /healthz so `npm start` knows the server it started answers. */
  instanceId?: string | undefined;
}

/**
 * Wrong admin credentials allowed per client address (IPv6 by /64) before 429: one count for
 * the admin API's token, the codec endpoint's token and admin sign-in, so switching between
 * them gives a guesser no more tries.
 */
const AUTH_FAILURE_LIMIT: Pick<RateLimiterOptions, 'limit' | 'windowMs'> = { limit: 10, windowMs: 10 * 60_000 };

export function createApp(options: AppOptions): Hono<ApiEnv> {
  const service = createRequestService(options.client, options);
  const actions = createRequestActions(service, options.client, options);
  const accounts = createAccounts({ adminToken: options.adminToken, adminLogin: options.adminLogin, users: options.adminUsers });
  const app = new Hono<ApiEnv>();

  // Every JSON answer (API, health, codec) is for its caller only: never cached, never sniffed into HTML.
  app.use('*', async (c, next) => {
    await next();
    if (/^application\/json/i.test(c.res.headers.get('Content-Type') ?? '')) {
      c.res.headers.set('X-Content-Type-Options', 'nosniff');
      if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
    }
  });

  const view: ViewContext = { publicUrl: options.publicUrl, store: options.store, temporalUiUrl: options.temporalUiUrl, namespace: options.namespace };

  // Wrong credentials are counted per client address: a guesser is answered 429 (even with the right token) until the window passes.
  const authFailures = createRateLimiter(AUTH_FAILURE_LIMIT);
  app.use('/api/*', async (c, next) => {
    const key = clientKey(c);
    const blocked = authFailures.peek(key);
    if (!blocked.allowed) {
      c.header('Retry-After', String(Math.ceil(blocked.retryAfterMs / 1000)));
      return c.json(
        { error: { code: 'too_many_requests', message: 'Cannot use the admin API: too many wrong tokens from this address; try again later' } },
        429,
      );
    }
    // Missing, malformed and wrong credentials all get the same 401 in the API's shape, and all count.
    const token = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(c.req.header('Authorization') ?? '')?.[1];
    const actor = token === undefined ? undefined : accounts.byToken(token);
    if (actor === undefined) {
      authFailures.hit(key);
      c.header('WWW-Authenticate', 'Bearer realm="admin API"');
      return c.json(
        { error: { code: 'unauthorized', message: 'Cannot use the admin API: send "Authorization: Bearer <token>" with ADMIN_TOKEN or your own API token' } },
        401,
      );
    }
    c.set('actor', actor);
    await next();
  });
  // A body that is not declared JSON is refused, not read as an empty object.
  app.on(['POST', 'PUT', 'PATCH'], '/api/*', async (c, next) => {
    const hasBody = Number(c.req.header('Content-Length') ?? 0) > 0 || c.req.header('Transfer-Encoding') !== undefined;
    if (hasBody && !/^application\/json\s*(;|$)/i.test(c.req.header('Content-Type') ?? '')) {
      throw apiError(415, 'unsupported_media_type', 'Cannot accept the request: send the body as JSON with "Content-Type: application/json"');
    }
    await next();
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw apiError(413, 'body_too_large', 'Cannot accept the request: the body is larger than 64 KiB');
      },
    }),
  );
  app.route('/api', apiRoutes(service, actions, view));
  app.route(
    '/admin',
    adminRoutes(service, actions, {
      secret: options.secret,
      adminToken: options.adminToken,
      adminLogin: options.adminLogin,
      accounts,
      siteName: options.siteName,
      publicUrl: options.publicUrl,
      view,
      codec: options.payloadCodec,
      authFailures,
      temporalUiUpstream: options.temporalUiUpstream,
    }),
  );
  app.route('/callbacks', callbackRoutes(service, { secret: options.secret }));
  app.route(
    '/',
    publicRoutes(service, {
      siteName: options.siteName,
      store: options.store,
      confirmTtlMs: options.confirmTtlMs,
      retentionMs: options.retentionMs,
      secret: options.secret,
      actions,
    }),
  );

  app.get('/healthz', async (c) => {
    const reachable = await Promise.race([
      options.client.workflowService.getSystemInfo({}).then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
    ]);
    // `instance` lets whoever started this server tell it from another one on the same port.
    const instance = options.instanceId === undefined ? {} : { instance: options.instanceId };
    return c.json({ temporal: reachable ? 'ok' : 'unreachable', ...instance }, reachable ? 200 : 503);
  });

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `Cannot find ${c.req.method} ${c.req.path}` } }, 404));

  app.onError((error, c) => {
    const refusal = domainRefusal(error);
    if (refusal) {
      const { status, ...body } = refusal;
      return c.json({ error: body }, status);
    }
    if (error instanceof HTTPException) {
      if (error.res) return error.getResponse();
      // Hono's own refusals (e.g. malformed JSON) come without a body: give them the API's shape.
      return c.json({ error: { code: 'invalid_request', message: `Cannot accept the request: ${error.message}` } }, error.status);
    }
    // Unexpected: log the kind, never the message or the request body (either may hold an email address).
    console.error(`server: ${c.req.method} ${c.req.routePath} failed: ${loggableError(error)}`);
    return c.json({ error: { code: 'internal', message: 'Cannot complete the request: an internal error occurred; see the server log' } }, 500);
  });

  return app;
}
