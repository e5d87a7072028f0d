/**
 * What exporters send, and how a request treats it: pages, merging across
 * exporters, hostile values, and answers that break the contract.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HOSTILE_VALUES } from './fixtures/plugins/hostile.ts';
import { MODES } from './fixtures/plugins/malformed.ts';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

async function exportFor(stack: Stack, email: string) {
  const created = await stack.api('POST', '/api/requests', { email, action: 'export', skipConfirmation: true, sendAsEmail: false });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const done = await waitForStatus(stack, created.body.id, 'completed');
  const entries = await unzip(new Uint8Array(await (await fetch(done.download.url)).arrayBuffer()));
  return { done, entries, json: JSON.parse(entries.get('export.json') as string)[`Personal Data Export for ${email}`] };
}

describe('paging and merging', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      manifest: `version: 1
exporters:
  - key: first
    name: First
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 4
    settings: { total: 10, group: profile, label: Profile, prefix: p, name: first, log: '{db}.first.log' }
  - key: second
    name: Second
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    pageSize: 3
    settings: { total: 5, group: profile, label: Ignored label, prefix: p, name: second }
  - key: hostile
    name: Hostile
    module: ${join(FIXTURE_PLUGINS, 'hostile.ts')}
`,
    });
  });
  after(async () => {
    await stack?.close();
  });

  test('every page is called once, items merge by id across exporters, newer pairs first', async () => {
    const { json, done } = await exportFor(stack, 'merge@example.com');
    assert.deepEqual((await readFile(`${stack.dbPath}.first.log`, 'utf8')).trim().split('\n'), ['1', '2', '3']);
    assert.deepEqual(Object.keys(json), ['about', 'profile', 'hostile']);
    assert.equal(json.profile.group_label, 'Profile', 'the label comes from the first item that names the group');
    const items = json.profile.items;
    assert.deepEqual(
      Object.keys(items),
      Array.from({ length: 10 }, (_, n) => `p-${n}`),
      'first-seen order',
    );
    assert.deepEqual(items['p-0'], [
      { name: 'second', value: 0 },
      { name: 'first', value: 0 },
    ]);
    assert.deepEqual(items['p-9'], [{ name: 'first', value: 9 }]);
    assert.equal(done.items, 1 + 10 + 1);
  });

  test('hostile labels and values are escaped in index.html and exact in export.json', async () => {
    const { entries, json } = await exportFor(stack, 'hostile@example.com');
    const pairs = json.hostile.items['h-1'] as { name: string; value: string }[];
    assert.deepEqual(
      pairs.map((p) => p.value),
      HOSTILE_VALUES,
      'export.json round-trips every value exactly',
    );
    const html = entries.get('index.html') as string;
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<svg/i);
    assert.doesNotMatch(html, /<[^>]*\son\w+\s*=/i, 'no event-handler attribute survives in a tag');
    assert.doesNotMatch(html, /href\s*=\s*["']?javascript:/i);
    assert.match(html, /&lt;script&gt;alert\(&quot;label&quot;\)&lt;\/script&gt;/, 'a label is shown as text');
    assert.match(html, /<b>bold<\/b>/, 'allowed inline markup stays');
    assert.match(html, /Content-Security-Policy/);
  });
});

describe('malformed exporter answers', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      manifest: `version: 1
exporters:
  - key: broken
    name: Broken Plugin
    module: ${join(FIXTURE_PLUGINS, 'malformed.ts')}
    settings: { log: '{db}.calls' }
`,
    });
  });
  after(async () => {
    await stack?.close();
  });

  const expected: Record<string, RegExp> = {
    'not-object': /expected an object \{ data, done \}, got a string/,
    'a-list': /expected an object \{ data, done \}, got a list/,
    'no-data': /expected "data" in the response/,
    'data-not-list': /expected "data" to be a list of items, got object/,
    'no-done': /expected "done" \(boolean\) in the response/,
    'done-not-boolean': /expected "done" to be a boolean, got a string/,
    'item-without-group': /data\[0\]\.group_id/,
    'item-without-id': /data\[0\]\.item_id/,
    'bad-pair': /data\[0\]\.data\[0\]\.value/,
    'bad-cursor': /expected "next_cursor" to be a string of at most 1024 characters, got number/,
  };

  test('each kind fails the request naming the exporter, the page and the problem, without retrying', async () => {
    assert.deepEqual(Object.keys(expected).sort(), [...MODES].sort(), 'every mode of the fixture is checked');
    const created = await Promise.all(
      MODES.map(async (mode) => {
        const response = await stack.api('POST', '/api/requests', { email: `${mode}@malformed.test`, action: 'export', skipConfirmation: true });
        assert.equal(response.status, 201);
        return [mode, response.body.id as string] as const;
      }),
    );
    for (const [mode, id] of created) {
      const failed = await waitForStatus(stack, id, 'failed');
      assert.match(failed.reason, /exporter "broken" \(Broken Plugin\), page 2/, mode);
      assert.match(failed.reason, expected[mode] as RegExp, mode);
      const calls = (await readFile(`${stack.dbPath}.calls.${mode}`, 'utf8')).trim().split('\n');
      assert.deepEqual(calls, ['1', '2'], `${mode}: a contract error is not retried`);
      assert.equal(failed.download, undefined);
    }
  });
});
