/**
 * A sliding-window rate limiter kept in memory: at most `limit` hits per key
 * in any `windowMs`. One process only (a restart forgets; several server
 * processes each count on their own), which is enough to stop a script from
 * mailing people through the public form. Memory is bounded: past `maxKeys`
 * the key hit least recently is forgotten.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

export interface RateLimiterOptions {
  /** Hits allowed per key within the window. */
  limit: number;
  windowMs: number;
  /** Milliseconds since the epoch; injectable for tests. @default Date.now */
  now?: () => number;
  /** Above this many keys, forget the ones with no hit left in the window. @default 10_000 */
  sweepAbove?: number;
  /** At most this many keys: a new key past it makes the limiter forget the one hit least recently. @default 10 × sweepAbove */
  maxKeys?: number;
}

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until the oldest hit leaves the window. 0 when allowed. */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Counts a hit for `key` if it is within the limit; a refused hit is not counted. */
  hit(key: string): RateDecision;
  /** What `hit(key)` would answer, without counting anything. */
  peek(key: string): RateDecision;
  /** Keys currently remembered (for tests and memory checks). */
  size(): number;
}

/**
 * @example
 * const perIp = createRateLimiter({ limit: 5, windowMs: 10 * 60_000 });
 * if (!perIp.hit(ip).allowed) return tooManyRequests();
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { limit, windowMs } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limiter: limit must be a positive integer, got ${limit}`);
  if (!(windowMs > 0)) throw new RangeError(`rate limiter: windowMs must be positive, got ${windowMs}`);
  const now = options.now ?? Date.now;
  const sweepAbove = options.sweepAbove ?? 10_000;
  const maxKeys = options.maxKeys ?? 10 * sweepAbove;
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`rate limiter: maxKeys must be a positive integer, got ${maxKeys}`);
  /** Per key, the times of its counted hits, oldest first; keys in order of their last hit, least recent first. */
  const hits = new Map<string, number[]>();
  /** Sweep when the map grows past this: after a sweep that left many live keys, only once they have doubled. */
  let sweepAt = sweepAbove;

  const recent = (times: number[], at: number) => times.filter((time) => time > at - windowMs);

  const sweep = (at: number) => {
    for (const [key, times] of hits) {
      const kept = recent(times, at);
      if (kept.length === 0) hits.delete(key);
      else hits.set(key, kept);
    }
  };

  return {
    hit(key) {
      const at = now();
      if (hits.size > sweepAt) {
        sweep(at);
        sweepAt = Math.max(sweepAbove, 2 * hits.size);
      }
      const times = recent(hits.get(key) ?? [], at);
      // Set again below, so the key moves to the end: the first key is always the one hit least recently.
      hits.delete(key);
      if (times.length >= limit) {
        hits.set(key, times);
        return { allowed: false, retryAfterMs: (times[0] as number) + windowMs - at };
      }
      times.push(at);
      if (hits.size >= maxKeys) hits.delete(hits.keys().next().value as string);
      hits.set(key, times);
      return { allowed: true, retryAfterMs: 0 };
    },
    peek(key) {
      const at = now();
      const times = recent(hits.get(key) ?? [], at);
      return times.length >= limit ? { allowed: false, retryAfterMs: (times[0] as number) + windowMs - at } : { allowed: true, retryAfterMs: 0 };
    },
    size: () => hits.size,
  };
}

/**
 * The key a client's address is counted under: IPv4 as is, IPv6 by its /64
 * (one customer's network; a host can take any address within it at will).
 * @example rateKeyForAddress('2001:db8::1') // '2001:db8:0:0::/64'
 */
export function rateKeyForAddress(address: string): string {
  const bare = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  if (mapped) return mapped[1] as string;
  if (!bare.includes(':')) return bare;
  const [head = '', tail] = bare.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups].slice(0, 4);
  return `${groups.map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}

/**
 * The client's address as a rate-limit key, from the socket only: behind a
 * proxy every client shares the proxy's address (configure the proxy's own
 * limits then); without Node bindings every client shares one key.
 */
export function clientKey(c: Context): string {
  try {
    const address = getConnInfo(c).remote.address;
    return address ? rateKeyForAddress(address) : 'unknown';
  } catch {
    return 'unknown';
  }
}
