/**
 * Demo port of WordPress's `wordpress-user` exporter (docs/WORDPRESS.md#core-plugins): the
 * registered account with this email, as one item `user-<id>` in group `user`,
 * empty values skipped. Ignores `page`; always one page. An email without an
 * account exports nothing. The database is `ctx.settings.database`.
 */
import type { ExportPage, PluginContext } from '../contract.ts';
import { demoDbFor, findDemoUser, nonEmptyPairs } from './db.ts';

/**
 * Exports the demo user's profile.
 *
 * @example await userExporter('alex.doe@example.com', 1, ctx); // → { data: [{ item_id: 'user-1', … }], done: true }
 */
export default async function userExporter(email: string, _page: number, ctx: PluginContext): Promise<ExportPage> {
  ctx.signal.throwIfAborted();
  const user = findDemoUser(demoDbFor(ctx, 'read'), email);
  if (user === undefined) return { data: [], done: true };
  return {
    data: [
      {
        group_id: 'user',
        group_label: 'User',
        group_description: 'User\u2019s profile data.',
        item_id: `user-${user.id}`,
        data: nonEmptyPairs([
          ['User ID', user.id],
          ['User Login Name', user.login],
          ['User Email', user.email],
          ['User URL', user.url],
          ['User Registration Date', user.registered_at],
          ['User Display Name', user.display_name],
          ['User First Name', user.first_name],
          ['User Last Name', user.last_name],
        ]),
      },
    ],
    done: true,
  };
}
