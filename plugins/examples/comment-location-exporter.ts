/**
 * The WordPress Plugin Handbook's example exporter ("Adding the Personal Data
 * Exporter to Your Plugin"), ported to this engine against the demo database:
 * it adds the latitude and longitude a location plugin stored with each
 * comment to the comment's item in the export.
 *
 * The WordPress shape (condensed; `__()` translations left out):
 *
 * ```php
 * function my_plugin_exporter( $email_address, $page = 1 ) {
 *   $number = 500; // Limit us to avoid timing out
 *   $comments = get_comments( array( 'author_email' => $email_address, 'number' => $number,
 *     'paged' => (int) $page, 'order_by' => 'comment_ID', 'order' => 'ASC' ) );
 *   $export_items = array();
 *   foreach ( (array) $comments as $comment ) {
 *     $latitude  = get_comment_meta( $comment->comment_ID, 'latitude', true );
 *     $longitude = get_comment_meta( $comment->comment_ID, 'longitude', true );
 *     if ( ! empty( $latitude ) ) {
 *       $export_items[] = array( 'group_id' => 'comments', 'group_label' => 'Comments',
 *         'item_id' => "comment-{$comment->comment_ID}",
 *         'data' => array( array( 'name' => 'Commenter Latitude',  'value' => $latitude ),
 *                          array( 'name' => 'Commenter Longitude', 'value' => $longitude ) ) );
 *     }
 *   }
 *   $done = count( $comments ) < $number; // Tell core if we have more comments to work on still
 *   return array( 'data' => $export_items, 'done' => $done );
 * }
 * add_filter( 'wp_privacy_personal_data_exporters', function ( $exporters ) {
 *   $exporters['my-plugin-slug'] = array( 'exporter_friendly_name' => 'Comment Location Plugin',
 *     'callback' => 'my_plugin_exporter' );
 *   return $exporters;
 * } );
 * ```
 *
 * What changed: the contract, nothing but syntax. The callback still gets the
 * email and a 1-based page and answers `{ data, done }` with the same items,
 * the same item ids (so the report merges the location into the comment
 * exported by the comments exporter, as WordPress does) and the same `done`
 * rule, including the empty last page after a full one. The rest:
 * - `add_filter(…)` becomes an entry in plugins.yaml:
 *   `{ key: my-plugin-slug, name: Comment Location Plugin, module: ./plugins/examples/comment-location-exporter.ts,
 *      settings: { database: ./var/demo/demo.sqlite } }`;
 * - `get_comments()` + `get_comment_meta()` become one query, since the demo
 *   database keeps the location in `comments.latitude`/`longitude`, not in
 *   comment meta; `$number` can be set with `pageSize` in the manifest;
 * - `! empty( $latitude )` becomes `!== null`: PHP's `empty()` would also drop
 *   a latitude of exactly 0, the equator, which is personal data all the same.
 */
import type { ExportPage, PluginContext } from '../contract.ts';
import { demoDbFor } from '../demo/db.ts';

/** The exporter's slug in WordPress; use it as the manifest `key`. */
export const PLUGIN_NAME = 'my-plugin-slug';

/** The `settings` this exporter reads from its manifest entry. */
export interface CommentLocationExporterOptions {
  /** The demo SQLite file, relative to plugins.yaml. */
  database: string;
}

/**
 * Exports the latitude and longitude stored with one page of the comments written with this email.
 *
 * @param email The data subject's email; matched case-insensitively, as MySQL does for WordPress.
 * @param page 1-based page of `ctx.pageSize ?? 500` comments (only those with a location give items).
 * @returns The page's items and whether more comments follow.
 * @throws {ManifestError} If `settings.database` is missing or does not exist.
 * @example await commentLocationExporter('alex.doe@example.com', 1, ctx);
 *   // → { data: [{ group_id: 'comments', item_id: 'comment-1', data: [{ name: 'Commenter Latitude', value: 38.7223 }, …] }, …], done: true }
 */
export default async function commentLocationExporter(email: string, page: number, ctx: PluginContext): Promise<ExportPage> {
  const number = ctx.pageSize ?? 500; // Limit us to avoid timing out
  const comments = demoDbFor(ctx)
    .prepare<[string, number, number], { id: number; latitude: number | null; longitude: number | null }>(
      'SELECT id, latitude, longitude FROM comments WHERE author_email = ? ORDER BY id ASC LIMIT ? OFFSET ?',
    )
    .all(email, number, (page - 1) * number);
  const exportItems: ExportPage['data'] = [];
  for (const comment of comments) {
    if (comment.latitude !== null) {
      exportItems.push({
        group_id: 'comments',
        group_label: 'Comments',
        item_id: `comment-${comment.id}`,
        data: [
          { name: 'Commenter Latitude', value: comment.latitude },
          { name: 'Commenter Longitude', value: comment.longitude },
        ],
      });
    }
  }
  const done = comments.length < number; // Tell core if we have more comments to work on still
  return { data: exportItems, done };
}
