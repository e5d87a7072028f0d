/**
 * Demo port of the session-token part of WordPress's user exporter
 * (docs/WORDPRESS.md#core-plugins): one item `session-tokens-<userId>-<id>` per login session of the
 * account with this email, in group `session-tokens`. Dates are UTC
 * `YYYY-MM-DD HH:MM:SS`. One page; an email without an account exports nothing.
 */
import type { ExportPage, PluginContext } from '../contract.ts';
import { demoDbFor, findDemoUser, nonEmptyPairs } from './db.ts';

interface SessionRow {
  id: number;
  user_id: number;
  ip: string;
  user_agent: string;
  login_at: string;
  expires_at: string;
}

/**
 * Exports the demo user's session tokens (never the token hashes).
 *
 * @example await sessionsExporter('alex.doe@example.com', 1, ctx); // → { data: [...2 items], done: true }
 */
export default async function sessionsExporter(email: string, _page: number, ctx: PluginContext): Promise<ExportPage> {
  ctx.signal.throwIfAborted();
  const db = demoDbFor(ctx, 'read');
  const user = findDemoUser(db, email);
  if (user === undefined) return { data: [], done: true };
  const rows = db
    .prepare<[number], SessionRow>('SELECT id, user_id, ip, user_agent, login_at, expires_at FROM sessions WHERE user_id = ? ORDER BY id')
    .all(user.id);
  return {
    data: rows.map((s) => ({
      group_id: 'session-tokens',
      group_label: 'Session Tokens',
      group_description: 'User\u2019s Session Tokens data.',
      item_id: `session-tokens-${s.user_id}-${s.id}`,
      data: nonEmptyPairs([
        ['Expiration', s.expires_at],
        ['IP', s.ip],
        ['User Agent', s.user_agent],
        ['Last Login', s.login_at],
      ]),
    })),
    done: true,
  };
}
