/**
 * Admin sign-in for the pages: credentials checked in constant time, a
 * signed session cookie (no server-side store; logout revokes the id until
 * it would expire anyway), per-session CSRF tokens, a per-address limit on
 * failed sign-ins, and one-shot notices for POST-redirect-GET.
 *
 * State (revoked ids, notices) lives in this process's memory, and so does a
 * random key mixed into every session's signature: a restart ends every
 * session (admins sign in again), so a forgotten logout never comes back.
 * Revoked ids are kept until their session would have expired; should the
 * list fill up with live ones, the key is drawn anew, which ends every session
 * as a restart does, rather than forgetting one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Secret } from '../../lib/config.ts';
import { keyedToken, sameText } from '../../lib/secrets.ts';
import { ADMIN_ROLES, type Actor } from '../../model/audit.ts';
import { type Accounts, createAccounts } from '../accounts.ts';
import { createRateLimiter, type RateLimiter } from '../rate-limit.ts';

/** Name and password accepted besides the admin token (ADMIN_USERNAME / ADMIN_PASSWORD). */
export interface AdminLogin {
  username: string;
  password: Secret;
}

export interface SessionOptions {
  secret: Secret;
  adminToken: Secret;
  adminLogin?: AdminLogin | undefined;
  /** Who the credentials belong to (server/accounts.ts). @default the admin token and login only */
  accounts?: Accounts | undefined;
  /** Session lifetime (default 8 h). */
  ttlMs?: number;
  /**
   * Counts failed sign-ins per client key; past its limit, sign-in is refused. The app passes
   * the limiter it shares with the admin API and the codec endpoint, so a guesser cannot get
   * more tries by switching between them. Default: one of its own, `maxFailures` per
   * `failureWindowMs` (5 per 15 min).
   */
  failures?: RateLimiter | undefined;
  maxFailures?: number;
  failureWindowMs?: number;
  now?: () => number;
}

export interface Session {
  id: string;
  expiresAt: number;
  /** Who signed in: every action of the session is recorded under this name. */
  actor: Actor;
}

/** A message shown once on the next page, e.g. what a bulk action did to each request. */
export interface Notice {
  kind: 'success' | 'warning' | 'error';
  text: string;
  link?: { href: string; text: string };
  items?: { text: string; href?: string }[];
}

export const SESSION_COOKIE = 'dsr_admin';
const MAX_TRACKED = 10_000;

export function createSessions(options: SessionOptions) {
  const ttlMs = options.ttlMs ?? 8 * 3_600_000;
  const now = options.now ?? Date.now;
  const failures = options.failures ?? createRateLimiter({ limit: options.maxFailures ?? 5, windowMs: options.failureWindowMs ?? 15 * 60_000, now });
  // Rotating any credential ends every session signed under the old ones.
  const credentials = createHash('sha256')
    .update([options.adminToken.reveal(), options.adminLogin?.username ?? '', options.adminLogin?.password.reveal() ?? ''].join('\0'))
    .digest('base64url');
  // This process's own: a restart (or a full revocation list, see revoke) ends every session.
  const accounts = options.accounts ?? createAccounts({ adminToken: options.adminToken, adminLogin: options.adminLogin });
  let processKey = randomBytes(32).toString('base64url');
  const sign = (id: string, expiresAt: number, actor: string) =>
    keyedToken(options.secret, 'admin-session', `${processKey}.${credentials}.${id}.${expiresAt}.${actor}`);
  const encodeActor = (actor: Actor) => Buffer.from(JSON.stringify([actor.name, actor.role])).toString('base64url');
  const decodeActor = (text: string): Actor | undefined => {
    try {
      const [name, role] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
      return typeof name === 'string' && (ADMIN_ROLES as readonly unknown[]).includes(role) ? { name, role: role as Actor['role'] } : undefined;
    } catch {
      return undefined;
    }
  };
  /** Logged-out session ids and when their sessions would have expired: never forgotten before then. */
  const revoked = new Map<string, number>();
  const notices = new Map<string, { notices: Notice[]; expiresAt: number }>();

  /** Notices are only a convenience: when full, the oldest go, even unexpired. */
  const pruneNotices = () => {
    if (notices.size < MAX_TRACKED) return;
    const t = now();
    for (const [key, value] of notices) if (value.expiresAt <= t) notices.delete(key);
    for (const key of notices.keys()) {
      if (notices.size < MAX_TRACKED) break;
      notices.delete(key);
    }
  };

  return {
    ttlMs,
    /** Who the credentials belong to: the token (the admin token or an account's), or a name and password. */
    async check(input: { token?: string | undefined; username?: string | undefined; password?: string | undefined }): Promise<Actor | undefined> {
      if (input.token) return accounts.byToken(input.token);
      if (input.username === undefined || input.password === undefined) return undefined;
      return accounts.byPassword(input.username, input.password);
    },

    /** Starts a session for `actor`: the cookie value to set. */
    create(actor: Actor): { session: Session; cookie: string } {
      const session = { id: randomBytes(18).toString('base64url'), expiresAt: now() + ttlMs, actor };
      const who = encodeActor(actor);
      return { session, cookie: `${session.id}.${session.expiresAt}.${who}.${sign(session.id, session.expiresAt, who)}` };
    },

    /** The session a cookie value stands for, if it is genuine, unexpired and not logged out. */
    verify(cookie: string | undefined): Session | undefined {
      const [id, expires, who, signature, ...rest] = (cookie ?? '').split('.');
      if (!id || !expires || !who || !signature || rest.length > 0 || !/^\d+$/.test(expires)) return undefined;
      const expiresAt = Number(expires);
      if (!sameText(signature, sign(id, expiresAt, who)) || expiresAt <= now() || revoked.has(id)) return undefined;
      const actor = decodeActor(who);
      return actor ? { id, expiresAt, actor } : undefined;
    },

    /** Ends a session: its cookie stops working even if replayed. */
    revoke(session: Session): void {
      notices.delete(session.id);
      if (revoked.size >= MAX_TRACKED) {
        const t = now();
        for (const [id, expiresAt] of revoked) if (expiresAt <= t) revoked.delete(id);
      }
      if (revoked.size < MAX_TRACKED) {
        revoked.set(session.id, session.expiresAt);
        return;
      }
      // Full of sessions still live: forgetting one would let its cookie work again. A new key ends them all instead.
      processKey = randomBytes(32).toString('base64url');
      revoked.clear();
    },

    /** The CSRF token of a session: an HMAC of its id, so nothing is stored. */
    csrfToken(session: Session): string {
      return keyedToken(options.secret, 'admin-csrf', session.id);
    },

    checkCsrf(session: Session, token: unknown): boolean {
      return typeof token === 'string' && sameText(token, keyedToken(options.secret, 'admin-csrf', session.id));
    },

    /** Milliseconds until `client` (a `clientKey`) may try again, or 0 when it may sign in now. */
    blockedFor(client: string): number {
      return failures.peek(client).retryAfterMs;
    },

    recordFailure(client: string): void {
      failures.hit(client);
    },

    /** Keeps notices for the session's next page. */
    flash(session: Session, ...added: Notice[]): void {
      pruneNotices();
      const kept = notices.get(session.id)?.notices ?? [];
      notices.set(session.id, { notices: [...kept, ...added], expiresAt: now() + 10 * 60_000 });
    },

    /** The notices kept for this session, once. */
    takeNotices(session: Session): Notice[] {
      const entry = notices.get(session.id);
      notices.delete(session.id);
      return entry && entry.expiresAt > now() ? entry.notices : [];
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
