import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { BundleFormatError, leanWorkflowBundle } from '../worker/lean-bundle.ts';

// As the SDK's bundler writes it.
const SOURCE_MAP_COMMENT = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';
const sourceMap = { version: 3, file: 'bundle.js', sources: ['a.ts'], sourcesContent: ['export const a = "→";'], names: [], mappings: 'AAAA;AACA' };
const code = [
  '// A port by Johannes Baagøe — with a comment',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the bundle's code as text, its template literal run by the test
  'globalThis.result = JSON.stringify({ text: "→ café 😀", pattern: /é+/.test("éé"), template: `—${1}`, ["ключ"]: 1 });',
  '',
].join('\n');
const bundle = `${code}${SOURCE_MAP_COMMENT}${Buffer.from(JSON.stringify(sourceMap)).toString('base64')}`;

function mapOf(text: string): Record<string, unknown> {
  const at = text.lastIndexOf(SOURCE_MAP_COMMENT);
  return JSON.parse(Buffer.from(text.slice(at + SOURCE_MAP_COMMENT.length).trim(), 'base64').toString('utf8'));
}

test('a lean bundle is ASCII and its code means the same', () => {
  const lean = leanWorkflowBundle(bundle, { keepSources: false });
  assert.ok([...lean].every((character) => character.charCodeAt(0) < 0x80));
  const before: { result?: string } = {};
  const after: { result?: string } = {};
  runInNewContext(bundle, { globalThis: before });
  runInNewContext(lean, { globalThis: after });
  assert.deepEqual(JSON.parse(after.result ?? ''), { text: '→ café 😀', pattern: true, template: '—1', ключ: 1 });
  assert.equal(after.result, before.result);
});

test("a lean bundle's source map keeps the mappings and drops the original files unless asked to keep them", () => {
  const { sourcesContent, ...rest } = sourceMap;
  assert.deepEqual(mapOf(leanWorkflowBundle(bundle, { keepSources: false })), rest);
  assert.deepEqual(mapOf(leanWorkflowBundle(bundle, { keepSources: true })), { ...rest, sourcesContent });
});

test('a bundle without an inline source map is refused with what to do', () => {
  assert.throws(
    () => leanWorkflowBundle(code, { keepSources: false }),
    (error: unknown) => {
      assert.ok(error instanceof BundleFormatError);
      assert.match(error.message, /no inline source map: bundle it with bundleWorkflowCode/);
      return true;
    },
  );
});
