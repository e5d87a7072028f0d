/**
 * What a person reaches without logging in: the request form, the
 * confirmation link (it signals the workflow) and the download link. The
 * links carry unguessable tokens; no answer reveals whether an email address
 * is known or already has a request.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { Secret } from '../../lib/config.ts';
import { isLocale, type Locale, negotiateLocale } from '../../lib/locale.ts';
import { type MessageKey, message } from '../../lib/messages/index.ts';
import { appealKey, hashKey, normaliseEmail, sameDigest, sameText } from '../../lib/secrets.ts';
import { isRequestAction, REQUEST_ACTIONS } from '../../model/request.ts';
import { EXPORT_FILE_PATTERN } from '../../storage/file-layout.ts';
import type { Store, StoredExport } from '../../storage/store.ts';
import { confirmSignal } from '../../workflows/definitions.ts';
import { sendZip } from '../downloads.ts';
import {
  appealClosed,
  appealForm,
  appealInvalid,
  appealReceived,
  CONFIRM_OUTCOMES,
  type ConfirmOutcome,
  confirmOutcome,
  confirmOutcomeTitle,
  confirmPrompt,
  confirmPromptTitle,
  downloadPage,
  exportGone,
  exportNotFound,
  type FormAction,
  forbidden,
  HONEYPOT_FIELD,
  type PageOptions,
  page,
  type RequestFormState,
  requestForm,
  requestSent,
  tooManyRequests,
  unavailable,
} from './pages.ts';
import { clientKey, createRateLimiter, type RateLimiterOptions } from '../rate-limit.ts';
import { type RequestActions, RequestStateError } from '../request-actions.ts';
import { DuplicateRequestError, type RequestService, type FoundRequest } from '../requests.ts';

const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const EMAIL = z.email().max(254);

/**
 * Per client address: the limit a person never meets and a script soon does (answered 429).
 * Per email address: stops mailing one person over and over; answered like a success, so it
 * reveals nothing about the address.
 * Confirmation failures per client address: only links that are not valid count (a person
 * clicking their own link again never meets the limit); past it, every confirmation from
 * that address, right key or not, answers 429 until the window moves on. The key has 256
 * bits, so this is defence in depth against a script hammering the endpoint, not what
 * keeps the key secret.
 */
export const PUBLIC_RATE_LIMITS = {
  perAddress: { limit: 5, windowMs: 10 * 60_000 },
  perEmail: { limit: 3, windowMs: 60 * 60_000 },
  confirmFailures: { limit: 20, windowMs: 10 * 60_000 },
} as const satisfies Record<string, RateLimiterOptions>;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface PublicRouteOptions {
  siteName: string;
  store: Store;
  /** How long a confirmation link works, as the answer to the form says. */
  confirmTtlMs: number;
  /** How long an export is kept: the deletion date shown when its request does not say (older exports). */
  retentionMs: number;
  /** Checks the keys of appeal links (lib/secrets.ts appealKey). */
  secret: Secret;
  /** What the person's appeal does (server/request-actions.ts). */
  actions: Pick<RequestActions, 'appeal' | 'appealOf'>;
  /** Milliseconds since the epoch, for the rate limits and dates; injectable for tests. @default Date.now */
  now?: () => number;
  /** Invalid confirmation links allowed per client address in a window. @default PUBLIC_RATE_LIMITS.confirmFailures */
  confirmRateLimit?: { limit: number; windowMs: number };
  /**
   * The form's answer never comes sooner than this after the form arrived, whatever happened to it
   * (created, duplicate, limited, honeypot), so its timing says nothing about the address.
   * @default FORM_ANSWER_FLOOR_MS
   */
  answerFloorMs?: number;
}

/** Longer than creating a request takes on a healthy stack (~30 ms), short enough for a person not to notice. */
export const FORM_ANSWER_FLOOR_MS = 300;

/**
 * The mailbox an address delivers to, as the per-email limit counts it: case-insensitive, and
 * without a `+tag` sub-address (victim+1@… and victim+2@… reach one inbox).
 */
export function mailboxKey(email: string): string {
  const address = normaliseEmail(email);
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return `${plus > 0 ? local.slice(0, plus) : local}${address.slice(at)}`;
}

export function publicRoutes(service: RequestService, options: PublicRouteOptions) {
  const app = new Hono();
  const now = options.now ?? Date.now;
  const perAddress = createRateLimiter({ ...PUBLIC_RATE_LIMITS.perAddress, now });
  const perEmail = createRateLimiter({ ...PUBLIC_RATE_LIMITS.perEmail, now });
  const confirmFailures = createRateLimiter({ ...(options.confirmRateLimit ?? PUBLIC_RATE_LIMITS.confirmFailures), now });
  const render = (c: Context, status: ContentfulStatusCode, title: string, body: ReturnType<typeof page>, pageOptions: PageOptions) => {
    c.header('Content-Language', pageOptions.locale ?? 'en');
    return c.html(page(options.siteName, title, body, pageOptions), status);
  };
  /** A page in `locale` whose title is the message `title`. */
  const show = (c: Context, locale: Locale, status: ContentfulStatusCode, title: MessageKey, body: ReturnType<typeof page>) =>
    render(c, status, message(locale, title), body, { locale });

  // Only on these paths: the app also serves the admin API and UI, which set their own.
  for (const path of ['/request', '/confirm', '/appeal', '/exports/*']) app.use(path, securityHeaders);
  const regimeChoices = Object.entries(service.regimes.regimes).map(([id, regime]) => ({ id, name: regime.name }));
  const formState = (state: RequestFormState = {}): RequestFormState => ({ regimes: regimeChoices, regime: service.regimes.defaultRegime, ...state });

  /* ------------------------------------------------------------ request form */

  app.get('/request', (c) => {
    c.header('Referrer-Policy', 'same-origin');
    c.header('Vary', 'Accept-Language');
    const locale = browserLocale(c);
    return render(c, 200, message(locale, 'form.title'), requestForm(formState({ locale })), { index: true, locale });
  });

  const checkOrigin = csrf();
  const sameOrigin: MiddlewareHandler = async (c, next) => {
    try {
      await checkOrigin(c, next);
    } catch (error) {
      if (error instanceof HTTPException && error.status === 403) return show(c, browserLocale(c), 403, 'forbidden.title', forbidden(browserLocale(c), ''));
      throw error;
    }
  };
  const smallBody = bodyLimit({
    maxSize: 8 * 1024,
    onError: (c) => {
      const locale = browserLocale(c);
      return show(c, locale, 413, 'form.title', requestForm(formState({ emailError: 'form.error.tooLarge', locale })));
    },
  });

  app.post('/request', sameOrigin, smallBody, async (c) => {
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
    const arrived = performance.now();
    const byAddress = perAddress.hit(clientKey(c));
    if (!byAddress.allowed) {
      c.header('Retry-After', String(Math.ceil(byAddress.retryAfterMs / 1000)));
      const locale = browserLocale(c);
      return show(c, locale, 429, 'tooMany.title', tooManyRequests(locale, byAddress.retryAfterMs));
    }
    const form = await c.req.parseBody().catch(() => undefined);
    if (form === undefined) {
      const locale = browserLocale(c);
      return show(c, locale, 400, 'form.title', requestForm(formState({ emailError: 'form.error.unreadable', locale })));
    }
    const field = (name: string) => {
      const value = form[name];
      return typeof value === 'string' ? value : '';
    };
    // The person's choice; without one (a script), the browser's languages. The answer is in it too.
    const chosenLocale = field('locale');
    const locale = isLocale(chosenLocale) ? chosenLocale : browserLocale(c);
    // The one answer for every accepted form: known or not, duplicate or not, bot or not; and never sooner than the floor.
    const floorMs = options.answerFloorMs ?? FORM_ANSWER_FLOOR_MS;
    const sent = async () => {
      const wait = floorMs - (performance.now() - arrived);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return show(c, locale, 200, 'sent.title', requestSent(locale, options.confirmTtlMs));
    };

    if (field(HONEYPOT_FIELD) !== '') return sent();
    const email = field('email').trim();
    const chosen = field('action');
    const action: FormAction | undefined = isRequestAction(chosen) ? chosen : undefined;
    // No choice is the default regime; a choice this site does not offer is asked again.
    const regime = field('regime') || service.regimes.defaultRegime;
    const regimeError: MessageKey | undefined = service.regimes.regimes[regime] === undefined ? 'form.error.regime' : undefined;
    const emailError: MessageKey | undefined = email === '' ? 'form.error.emailMissing' : EMAIL.safeParse(email).success ? undefined : 'form.error.emailFormat';
    if (emailError || !action || regimeError) {
      return show(
        c,
        locale,
        400,
        'form.title',
        requestForm(
          formState({
            email,
            ...(action ? { action } : {}),
            ...(emailError ? { emailError } : {}),
            ...(action ? {} : { actionError: 'form.error.action' as const }),
            ...(regimeError ? { regimeError } : { regime }),
            locale,
          }),
        ),
      );
    }

    // The limiter never holds an email address, only its hash.
    if (!perEmail.hit(hashKey(mailboxKey(email))).allowed) return sent();
    try {
      await service.create({ email, action, sendAsEmail: true, skipConfirmation: false, regime, locale });
    } catch (error) {
      if (!(error instanceof DuplicateRequestError)) {
        // The kind only: the message of a Temporal error may quote the workflow input.
        console.error(`server: POST /request could not create the request: ${error instanceof Error ? error.name : typeof error}`);
        return show(c, locale, 503, 'unavailable.title', unavailable(locale, ''));
      }
    }
    return sent();
  });

  /* ------------------------------------------------------------ confirmation link */

  /**
   * The request a link's id and key point at, when the key is right and the request still
   * waits for it; otherwise the outcome to show. The same checks for the page and its button.
   */
  const lookUp = async (id: string, key: string): Promise<{ request: FoundRequest; keyHash: string } | Exclude<ConfirmOutcome, `confirmed${string}`>> => {
    if (!KEY_PATTERN.test(key)) return 'invalid';
    const request = await service.find(id);
    const keyHash = request?.memo.keyHash;
    if (!request || !keyHash || !sameDigest(hashKey(key), keyHash)) {
      return request?.memo.reason === 'expired' ? 'expired' : 'invalid';
    }
    const { memo } = request;
    if (memo.status === 'failed') return memo.reason === 'expired' ? 'expired' : 'ended';
    if (memo.status !== 'pending') return 'already';
    if (now() >= Date.parse(memo.keyExpiresAt ?? '')) return 'expired';
    return { request, keyHash };
  };

  /** Past too many invalid links from one address, every confirmation answers 429 for a while. */
  const confirmGate: MiddlewareHandler = async (c, next) => {
    privateLink(c);
    const gate = confirmFailures.peek(clientKey(c));
    if (!gate.allowed) {
      c.header('Retry-After', String(Math.ceil(gate.retryAfterMs / 1000)));
      const locale = browserLocale(c);
      return show(c, locale, 429, 'tooMany.title', tooManyRequests(locale, gate.retryAfterMs));
    }
    await next();
  };

  /** In the request's language when the link found one, else the browser's. */
  const showOutcome = (c: Context, result: ConfirmOutcome, locale: Locale = browserLocale(c)) => {
    if (result === 'invalid') confirmFailures.hit(clientKey(c));
    return render(c, CONFIRM_OUTCOMES[result].status, confirmOutcomeTitle(locale, result), confirmOutcome(locale, result, ''), { locale });
  };

  // The mailed link only shows what confirming will do: mail gateways and link scanners open
  // links by themselves, and an erasure must never follow from a click nobody made.
  app.get('/confirm', confirmGate, async (c) => {
    const id = c.req.query('id') ?? '';
    const key = c.req.query('key') ?? '';
    const found = await lookUp(id, key);
    if (typeof found === 'string') return showOutcome(c, found);
    const { action } = found.request.memo;
    const locale = found.request.memo.locale ?? 'en';
    return render(c, 200, confirmPromptTitle(locale, action), confirmPrompt(locale, action, id, key), { locale });
  });

  // The page's button: a same-origin form post (a scanner does not submit forms) with the same checks.
  app.post('/confirm', confirmGate, sameOrigin, smallBody, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const found = await lookUp(field('id'), field('key'));
    if (typeof found === 'string') return showOutcome(c, found);
    const { request, keyHash } = found;
    await service.handle(request).signal(confirmSignal, { keyHash });
    const { memo } = request;
    const outcome = REQUEST_ACTIONS[memo.action].destructive ? 'confirmedErase' : memo.sendAsEmail ? 'confirmed' : 'confirmedByAdmin';
    return showOutcome(c, outcome, memo.locale ?? 'en');
  });

  /* ------------------------------------------------------------ appeal link */

  /** The denied request an appeal link points at, when its key is right; else undefined (one answer for every wrong link). */
  const appealable = async (id: string, key: string): Promise<FoundRequest | undefined> => {
    if (!KEY_PATTERN.test(key)) return undefined;
    const request = await service.find(id).catch(() => undefined);
    if (!request || request.memo.denial?.appealUntil === undefined) return undefined;
    return sameText(key, appealKey(options.secret, request.memo.requestId)) ? request : undefined;
  };
  const invalidAppeal = (c: Context) => {
    confirmFailures.hit(clientKey(c));
    const locale = browserLocale(c);
    return show(c, locale, 404, 'appealPage.invalidTitle', appealInvalid(locale));
  };

  app.get('/appeal', confirmGate, async (c) => {
    const id = c.req.query('id') ?? '';
    const key = c.req.query('key') ?? '';
    const request = await appealable(id, key);
    if (!request) return invalidAppeal(c);
    const locale = request.memo.locale ?? 'en';
    const appeal = (await options.actions.appealOf(request))?.appeal;
    if (appeal) return show(c, locale, 200, 'appealPage.receivedTitle', appealReceived(locale, appeal.dueAt));
    return show(c, locale, 200, 'appealPage.title', appealForm(locale, id, key, request.memo.denial?.appealUntil ?? ''));
  });

  app.post('/appeal', confirmGate, sameOrigin, smallBody, async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const id = field('id');
    const key = field('key');
    const request = await appealable(id, key);
    if (!request) return invalidAppeal(c);
    const statement = field('statement').trim().slice(0, 5000);
    const locale = request.memo.locale ?? 'en';
    try {
      const appeal = await options.actions.appeal(request, statement ? { statement } : {});
      return show(c, locale, 200, 'appealPage.receivedTitle', appealReceived(locale, appeal.dueAt));
    } catch (error) {
      if (!(error instanceof RequestStateError)) throw error;
      // Appealed already, or too late: the page says which.
      const appealed = (await options.actions.appealOf(request).catch(() => undefined))?.appeal !== undefined;
      return show(c, locale, 409, 'appealPage.closedTitle', appealClosed(locale, appealed, request.memo.denial?.appealUntil ?? ''));
    }
  });

  /* ------------------------------------------------------------ download link */

  /** The ZIP; one gone (deleted, even meanwhile) answers 410 or 404 rather than a broken stream. */
  const download = async (c: Context, file: string, toRoot: string) =>
    (await sendZip(c, options.store, file, 'personal-data-export.zip')) ?? missing(c, file, toRoot);

  /** Gone (410) or never there (404), in the browser's language: the request may be gone too. */
  const missing = async (c: Context, file: string, toRoot: string) => {
    const tombstone = await options.store.exports.tombstone(file);
    const locale = browserLocale(c);
    return tombstone
      ? show(c, locale, 410, 'gone.title', exportGone(locale, toRoot, tombstone.early))
      : show(c, locale, 404, 'notFound.title', exportNotFound(locale, toRoot));
  };

  /** When the export goes (the date its request promised, else its build time plus the retention), and the request's language. */
  const exportFacts = async (meta: StoredExport | undefined): Promise<{ deletesAt: Date; locale: Locale | undefined }> => {
    const request = meta?.requestId ? await service.find(meta.requestId).catch(() => undefined) : undefined;
    const promised = request?.memo.download?.expiresAt;
    const deletesAt = promised ? new Date(promised) : new Date((meta?.builtAt ? Date.parse(meta.builtAt) : now()) + options.retentionMs);
    return { deletesAt, locale: request?.memo.locale };
  };

  app.get('/exports/:file', async (c) => {
    const file = c.req.param('file');
    privateLink(c);
    c.header('Vary', 'Accept, Accept-Language');
    if (!EXPORT_FILE_PATTERN.test(file)) return show(c, browserLocale(c), 404, 'notFound.title', exportNotFound(browserLocale(c), '../'));
    // Browsers get a page that says what the file is; curl and scripts get the file, as before.
    if (!/\btext\/html\b/i.test(c.req.header('Accept') ?? '')) return download(c, file, '../');
    const opened = await options.store.exports.open(file);
    if (!opened) return missing(c, file, '../');
    await opened.close();
    const meta = await options.store.exports.meta(file);
    const bytes = meta?.bytes ?? opened.bytes;
    const facts = await exportFacts(meta);
    const locale = facts.locale ?? browserLocale(c);
    const processing = meta?.processing ?? false;
    return show(c, locale, 200, 'download.title', downloadPage(locale, { file, bytes, deletesAt: facts.deletesAt, now: new Date(now()), processing }));
  });

  app.get('/exports/:file/download', (c) => {
    const file = c.req.param('file');
    privateLink(c);
    if (!EXPORT_FILE_PATTERN.test(file)) return show(c, browserLocale(c), 404, 'notFound.title', exportNotFound(browserLocale(c), '../../'));
    return download(c, file, '../../');
  });

  return app;
}

/* ------------------------------------------------------------ _helpers */

const securityHeaders: MiddlewareHandler = async (c, next) => {
  c.header('Content-Security-Policy', CSP);
  c.header('X-Frame-Options', 'DENY');
  c.header('X-Content-Type-Options', 'nosniff');
  await next();
};

/** The page's language: `?lang=` (the form's language links), else the browser's best of ours. */
function browserLocale(c: Context): Locale {
  const chosen = c.req.query('lang');
  return isLocale(chosen) ? chosen : negotiateLocale(c.req.header('Accept-Language'));
}

/** A page whose URL holds a secret: never cached, never sent on as a Referer, never indexed. */
function privateLink(c: Context): void {
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Robots-Tag', 'noindex');
}
