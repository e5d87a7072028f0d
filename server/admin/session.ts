/**
 * Admin sign-in for the pages: credentials checked in constant time, a
 * signed session cookie (no server-side store; logout revokes the id until
 * it would expire anyway), per-session CSRF tokens, a small per-IP limit on
 * failed sign-ins, and one-shot notices for POST-redirect-GET.
 *
 * State (revoked ids, failures, notices) lives in this process's memory: a
 * restart forgets notices and failure counts, never grants access.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../../lib/config.ts';
import { keyedToken } from '../../lib/secrets.ts';

/** Name and password accepted besides the admin token (ADMIN_USERNAME / ADMIN_PASSWORD). */
export interface AdminLogin {
  username: string;
  password: Secret;
}

export interface SessionOptions {
  secret: Secret;
  adminToken: Secret;
  adminLogin?: AdminLogin | undefined;
  /** Session lifetime (default 8 h). */
  ttlMs?: number;
  /** Failed sign-ins allowed per IP and window (default 5 per 15 min). */
  maxFailures?: number;
  failureWindowMs?: number;
  now?: () => number;
}

export interface Session {
  id: string;
  expiresAt: number;
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
  const maxFailures = options.maxFailures ?? 5;
  const failureWindowMs = options.failureWindowMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  // Rotating any credential ends every session signed under the old ones.
  const credentials = createHash('sha256')
    .update([options.adminToken.reveal(), options.adminLogin?.username ?? '', options.adminLogin?.password.reveal() ?? ''].join('\0'))
    .digest('base64url');
  const sign = (id: string, expiresAt: number) => keyedToken(options.secret, 'admin-session', `${credentials}.${id}.${expiresAt}`);
  const revoked = new Map<string, number>();
  const failures = new Map<string, { count: number; resetAt: number }>();
  const notices = new Map<string, { notices: Notice[]; expiresAt: number }>();

  const prune = <V>(map: Map<string, V>, expiry: (value: V) => number) => {
    if (map.size < MAX_TRACKED) return;
    const t = now();
    for (const [key, value] of map) if (expiry(value) <= t) map.delete(key);
    // Still full: forget the oldest entries (insertion order) rather than grow without bound.
    for (const key of map.keys()) {
      if (map.size < MAX_TRACKED) break;
      map.delete(key);
    }
  };

  return {
    ttlMs,
    /** Whether the credentials are right: the token, or name and password when configured. */
    check(input: { token?: string | undefined; username?: string | undefined; password?: string | undefined }): boolean {
      if (input.token) return sameText(input.token, options.adminToken.reveal());
      if (!options.adminLogin || input.username === undefined || input.password === undefined) return false;
      // Both compared every time, so the time taken does not tell which one was wrong.
      const name = sameText(input.username.trim(), options.adminLogin.username);
      const password = sameText(input.password, options.adminLogin.password.reveal());
      return name && password;
    },

    /** Starts a session: the cookie value to set. */
    create(): { session: Session; cookie: string } {
      const session = { id: randomBytes(18).toString('base64url'), expiresAt: now() + ttlMs };
      return { session, cookie: `${session.id}.${session.expiresAt}.${sign(session.id, session.expiresAt)}` };
    },

    /** The session a cookie value stands for, if it is genuine, unexpired and not logged out. */
    verify(cookie: string | undefined): Session | undefined {
      const [id, expires, signature, ...rest] = (cookie ?? '').split('.');
      if (!id || !expires || !signature || rest.length > 0 || !/^\d+$/.test(expires)) return undefined;
      const expiresAt = Number(expires);
      if (!sameText(signature, sign(id, expiresAt)) || expiresAt <= now() || revoked.has(id)) return undefined;
      return { id, expiresAt };
    },

    /** Ends a session: its cookie stops working even if replayed. */
    revoke(session: Session): void {
      prune(revoked, (expiresAt) => expiresAt);
      revoked.set(session.id, session.expiresAt);
      notices.delete(session.id);
    },

    /** The CSRF token of a session: an HMAC of its id, so nothing is stored. */
    csrfToken(session: Session): string {
      return keyedToken(options.secret, 'admin-csrf', session.id);
    },

    checkCsrf(session: Session, token: unknown): boolean {
      return typeof token === 'string' && sameText(token, keyedToken(options.secret, 'admin-csrf', session.id));
    },

    /** Milliseconds until `ip` may try again, or 0 when it may sign in now. */
    blockedFor(ip: string): number {
      const entry = failures.get(ip);
      if (!entry) return 0;
      if (entry.resetAt <= now()) {
        failures.delete(ip);
        return 0;
      }
      return entry.count >= maxFailures ? entry.resetAt - now() : 0;
    },

    recordFailure(ip: string): void {
      const entry = failures.get(ip);
      if (entry && entry.resetAt > now()) {
        entry.count++;
        return;
      }
      prune(failures, (value) => value.resetAt);
      failures.set(ip, { count: 1, resetAt: now() + failureWindowMs });
    },

    recordSuccess(ip: string): void {
      failures.delete(ip);
    },

    /** Keeps notices for the session's next page. */
    flash(session: Session, ...added: Notice[]): void {
      prune(notices, (value) => value.expiresAt);
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

/** Constant-time equality of two strings of any length (compares their SHA-256). */
export function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
