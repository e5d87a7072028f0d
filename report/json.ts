/**
 * `export.json` written as a stream of text (docs/WORDPRESS.md#export-file), so that its
 * size never has to fit in memory:
 * `{ "<title>": { "<group_id>": { group_label, group_description, items: { "<item_id>": [pairs…] } } } }`.
 *
 * Unlike WordPress the title key is JSON-escaped. Pairs are copied verbatim
 * from the staged JSON text, so values round-trip exactly.
 */
import type { MergedGroup, MergedRow } from './merge.ts';

/**
 * Yields the text of `export.json`, piece by piece.
 * @param title the top-level key, e.g. `Personal Data Export for a@b.example`
 * @param groups the merged groups, for labels and descriptions
 * @param rows every merged row, in report order
 * @throws {Error} when a row names a group missing from `groups`
 * @example
 * for (const text of jsonReport(title, merged.groups, merged.rows())) out.write(text);
 */
export function* jsonReport(title: string, groups: readonly MergedGroup[], rows: Iterable<MergedRow>): Generator<string> {
  const bySeq = new Map(groups.map((group) => [group.seq, group]));
  yield `{${JSON.stringify(title)}:{`;
  let groupSeq: number | undefined;
  let rank = 0;
  let itemHasPairs = false;
  for (const row of rows) {
    if (row.groupSeq !== groupSeq) {
      const group = bySeq.get(row.groupSeq);
      if (!group) throw new Error(`Cannot write export.json: no group with seq '${row.groupSeq}'`);
      if (groupSeq !== undefined) yield ']}},';
      groupSeq = row.groupSeq;
      rank = 0;
      yield `${JSON.stringify(group.id)}:{"group_label":${JSON.stringify(group.label)},"group_description":${JSON.stringify(group.description)},"items":{`;
    }
    if (row.rank !== rank) {
      if (rank !== 0) yield '],';
      rank = row.rank;
      itemHasPairs = false;
      yield `${JSON.stringify(row.itemId)}:[`;
    }
    // Merging = concatenating the staged arrays' contents, newest row first.
    const inner = row.pairs.slice(1, -1);
    if (inner === '') continue;
    yield itemHasPairs ? `,${inner}` : inner;
    itemHasPairs = true;
  }
  if (groupSeq !== undefined) yield ']}}';
  yield '}}\n';
}
