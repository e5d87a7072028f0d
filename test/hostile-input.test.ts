/**
 * Hostile exporter output, end to end: a corpus of markup, URLs, control and
 * bidi characters, lone surrogates, extreme numbers, a 1 MB value and 20,000
 * items goes through a real request; export.json gives back every value
 * exactly, and the report, opened in real Chromium from disk (with and
 * without its CSP), runs no script, opens no dialog and requests nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ExportItem } from '../plugins/contract.ts';
import { BIG_REPEAT, BIG_VALUE, BULK_GROUP, BULK_ITEMS, corpusItems, HOSTILE_NUMBERS, HOSTILE_STRINGS } from './fixtures/plugins/hostile-corpus.ts';
import { escapeHtml, escapeText, renderValue, visibleControls } from '../report/html.ts';
import { launchBrowser } from './helpers/browser.ts';
import { FIXTURE_PLUGINS, type Stack, startStack, waitForStatus } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

const EMAIL = 'corpus@hostile.test';

/** What a person's browser did with one report page. */
interface Visit {
  pwned: unknown;
  calls: number;
  dialogs: string[];
  requests: string[];
  console: string[];
  /** Elements and attributes that must not exist in a report, as found in the live DOM. */
  forbidden: string[];
  /** Rows (`<tr>`) of each item table, in order. */
  tableRows: number[];
  cells: string[];
}

/**
 * Run in the page (as text: the tests are not type-checked against the DOM):
 * lists elements and attributes that must not be in a report, fires hover and
 * focus events at every cell and link (a surviving handler would run), and
 * counts the rows of every table.
 */
const IN_PAGE = String.raw`(() => {
  const bad = [];
  const banned = ['script', 'iframe', 'object', 'embed', 'base', 'form', 'img', 'svg', 'math', 'link', 'video', 'audio', 'details', 'template', 'noscript'];
  for (const element of document.querySelectorAll('*')) {
    const tag = element.tagName.toLowerCase();
    if (banned.includes(tag)) bad.push(tag);
    if (tag === 'meta' && (element.getAttribute('http-equiv') || '').toLowerCase() === 'refresh') bad.push('meta refresh');
    if (tag === 'style' && element.parentElement.tagName !== 'HEAD') bad.push('style in body');
    for (const { name, value } of element.attributes) {
      if (name.startsWith('on') || name === 'style' || name === 'srcdoc' || name === 'target') bad.push(tag + '[' + name + ']');
      if (['href', 'src', 'action', 'cite'].includes(name) && !/^(https?:|mailto:|#|(groups\/)?[\w-]+\.html$|\.\.\/index\.html$)/i.test(value)) bad.push(tag + '[' + name + '=' + value.slice(0, 40) + ']');
    }
  }
  for (const element of document.querySelectorAll('td, th, a, b, i')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'click']) element.dispatchEvent(new Event(type));
  }
  return {
    bad,
    tableRows: Array.from(document.querySelectorAll('table'), (table) => table.querySelectorAll('tr').length),
    cells: Array.from(document.querySelectorAll('td'), (cell) => cell.textContent || '').slice(0, 200),
  };
})()`;

async function visit(browser: Browser, file: string): Promise<Visit> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const seen: Omit<Visit, 'pwned' | 'forbidden' | 'tableRows' | 'cells'> = { calls: 0, dialogs: [], requests: [], console: [] };
  await page.exposeFunction('__pwn', () => {
    seen.calls += 1;
  });
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => seen.console.push(message.text()));
  context.on('request', (request) => seen.requests.push(request.url()));
  try {
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(300); // let any timer or refresh fire
    const found = await page.evaluate<{ bad: string[]; tableRows: number[]; cells: string[] }>(IN_PAGE);
    await page.waitForTimeout(100);
    const pwned = await page.evaluate<unknown>('window.__pwned');
    return { ...seen, pwned, forbidden: found.bad, tableRows: found.tableRows, cells: found.cells };
  } finally {
    await context.close();
  }
}

function assertHarmless(result: Visit, file: string, label: string): void {
  assert.equal(result.pwned, undefined, `${label}: no payload set window.__pwned`);
  assert.equal(result.calls, 0, `${label}: no payload called the exposed binding`);
  assert.deepEqual(result.dialogs, [], `${label}: no dialog opened`);
  assert.deepEqual(result.requests, [pathToFileURL(file).href], `${label}: no request but the page itself`);
  assert.deepEqual(result.forbidden, [], `${label}: no dangerous element or attribute in the DOM`);
}

/** JSON has no -0: it comes back as 0. Everything else comes back exactly. */
const asJson = (items: ExportItem['data']) => items.map(({ name, value }) => ({ name, value: Object.is(value, -0) ? 0 : value }));

test('control and bidi characters are shown by code point in the report, raw or as references', () => {
  assert.equal(visibleControls('invoice\u202Efdp.exe'), 'invoice[U+202E]fdp.exe');
  assert.equal(visibleControls('a\u0000b\u001bc\u007fd\u0085e\u2066f\u2069'), 'a[U+0000]b[U+001B]c[U+007F]d[U+0085]e[U+2066]f[U+2069]');
  assert.equal(
    visibleControls('tab\tlf\ncr\r \u200F\u200E\u061C Ωμέγα שלום'),
    'tab\tlf\ncr\r \u200F\u200E\u061C Ωμέγα שלום',
    'whitespace, bidi marks and RTL text stay',
  );
  assert.equal(escapeHtml('<\u202E>'), '&lt;[U+202E]&gt;');
  assert.equal(
    escapeText('a&#x202E;b &#8238; &#0; &#8217; &#128; &rlm;'),
    'a[U+202E]b [U+202E] [U+0000] &#8217; &#128; &rlm;',
    'a reference to a control is shown too',
  );
  assert.equal(renderValue('<b>x&#x202E;y\u202D</b>'), '<b>x[U+202E]y[U+202D]</b>', 'also after the sanitizer decodes references');
  assert.equal(renderValue('x\u202Ey'), 'x[U+202E]y');
});

describe('a hostile corpus through a real export', () => {
  let stack: Stack;
  let browser: Browser;
  let dir: string;
  let files: Map<string, string>;

  before(async () => {
    stack = await startStack({
      manifest: `version: 1
exporters:
  - key: corpus
    name: Hostile corpus
    module: ${join(FIXTURE_PLUGINS, 'hostile-corpus.ts')}
    # One page holds the whole corpus, 20,000-item group included.
    maxPageItems: 50000
    maxPageBytes: 64MiB
`,
    });
    browser = await launchBrowser();
    dir = await mkdtemp(join(tmpdir(), 'dsr-hostile-'));
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the export completes and export.json returns every value exactly', async () => {
    const created = await stack.api('POST', '/api/requests', { email: EMAIL, action: 'export', skipConfirmation: true, sendAsEmail: false });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await waitForStatus(stack, created.body.id, 'completed', 120_000);
    const bytes = new Uint8Array(await (await fetch(done.download.url)).arrayBuffer());
    files = await unzip(bytes);
    for (const [name, text] of files) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    }

    const json = JSON.parse(files.get('export.json') as string)[`Personal Data Export for ${EMAIL}`];
    const expected = corpusItems();
    const groups = new Map<string, Map<string, ExportItem['data']>>();
    for (const item of expected) {
      const group = groups.get(item.group_id) ?? new Map<string, ExportItem['data']>();
      group.set(item.item_id, item.data);
      groups.set(item.group_id, group);
    }
    assert.deepEqual(Object.keys(json), ['about', ...groups.keys()], 'hostile group ids, __proto__ included, are plain keys in order');
    for (const [groupId, items] of groups) {
      const group = Object.getOwnPropertyDescriptor(json, groupId)?.value;
      assert.ok(group, `group ${JSON.stringify(groupId.slice(0, 40))}`);
      assert.deepEqual(Object.keys(group.items), [...items.keys()]);
      for (const [itemId, pairs] of items) {
        assert.deepEqual(Object.getOwnPropertyDescriptor(group.items, itemId)?.value, asJson(pairs), `item ${JSON.stringify(itemId.slice(0, 40))}`);
      }
    }
    assert.equal(Object.getPrototypeOf(json), Object.prototype, 'a "__proto__" group did not replace the prototype');
    const corpus = json[expected[0]?.group_id as string].items[expected[0]?.item_id as string] as { value: unknown }[];
    const values = corpus.map((pair) => pair.value);
    for (const lone of ['lone high \ud800 surrogate', 'lone low \udfff surrogate', 'reversed \udc00\ud800 pair']) {
      assert.ok(values.includes(lone), 'a lone surrogate comes back as the same code unit');
    }
    assert.ok(values.includes('nul\u0000byte') && values.includes('invoice\u202Efdp.exe'), 'controls and overrides stay in the data');
    assert.ok(values.includes(2 ** 53) && values.includes(1e308) && values.includes(Number.MIN_VALUE), 'numbers stay numbers');
    assert.equal(values.filter((value) => value === BIG_VALUE).length, 1, 'the 1 MB value is whole');
    assert.ok(HOSTILE_NUMBERS.length > 0 && HOSTILE_STRINGS.length > 50);
  });

  test('index.html escapes in the text and runs nothing in Chromium, with and without its CSP', async () => {
    const html = files.get('index.html') as string;
    assert.doesNotMatch(html, /<(script|iframe|svg|math|img|object|embed|base|form|link|style(?! *>body)|video|audio|details|template|noscript)\b/i);
    assert.doesNotMatch(html, /<[^>]*\son\w+\s*=/i, 'no event-handler attribute in a tag');
    assert.doesNotMatch(html, /(href|src|action)\s*=\s*["']?\s*(javascript|data|vbscript)/i);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the report must hold none of these, so the check names them
    assert.doesNotMatch(html, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/, 'no raw control or bidi override character');
    assert.match(html, /invoice\[U\+202E\]fdp\.exe/, 'an override is shown by its code point');
    assert.match(html, /nul\[U\+0000\]byte/);
    assert.match(html, /x\[U\+202E\]y \(an entity-encoded override\)/, 'an entity-encoded override too');
    assert.match(html, /lone high \uFFFD surrogate/, 'a lone surrogate reads as U+FFFD');
    assert.match(html, /<meta http-equiv="Content-Security-Policy"/);

    const index = join(dir, 'index.html');
    const result = await visit(browser, index);
    assertHarmless(result, index, 'index.html');
    const scalarCount = HOSTILE_STRINGS.length + HOSTILE_NUMBERS.length + 5;
    assert.deepEqual(result.tableRows, [4, scalarCount, 1], 'no value broke out of its cell: About, the corpus item, __proto__');
    const cells = result.cells;
    assert.ok(cells.includes('invoice[U+202E]fdp.exe'));
    assert.ok(cells.includes('1e+308') && cells.includes('0') && cells.includes('9007199254740992'));
    assert.ok(cells.includes('big'.repeat(BIG_REPEAT)), 'the 1 MB value is shown, without its images');

    // Escaping alone must hold: the CSP is only the backstop.
    const bare = join(dir, 'index-no-csp.html');
    const stripped = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    assert.notEqual(stripped, html);
    await writeFile(bare, stripped);
    assertHarmless(await visit(browser, bare), bare, 'index.html without CSP');
  });

  test('the 20,000-item group is split into pages that are as harmless', async () => {
    const pages = [...files.keys()].filter((name) => name.startsWith('groups/')).sort();
    // At most 10,000 items and about 2 MB a page (report/html-report.ts).
    assert.ok(pages.length >= 2, `pages: ${pages.join(', ')}`);
    for (const name of pages) assert.match(name, /^groups\/[a-z0-9_-]+-\d+\.html$/, 'a hostile label or id gives a plain file name');
    const html = files.get('index.html') as string;
    for (const name of pages) assert.ok(html.includes(`href="${name}"`), `index.html links ${name}`);
    let rows = 0;
    for (const name of pages) {
      const text = files.get(name) as string;
      assert.doesNotMatch(text, /<(script|iframe|svg|img|base|meta http-equiv="refresh")\b/i);
      assert.doesNotMatch(text, /<[^>]*\son\w+\s*=/i);
      const file = join(dir, name);
      const result = await visit(browser, file);
      assertHarmless(result, file, name);
      assert.ok(
        result.tableRows.every((count) => count === 1),
        `${name}: one row per item`,
      );
      rows += result.tableRows.length;
    }
    assert.equal(rows, BULK_ITEMS);
    assert.ok(BULK_GROUP.includes('<script>'));
  });

  test('a value that is an object fails the request with the contract error', async () => {
    const created = await stack.api('POST', '/api/requests', { email: 'nested@hostile.test', action: 'export', skipConfirmation: true, sendAsEmail: false });
    assert.equal(created.status, 201);
    const failed = await waitForStatus(stack, created.body.id, 'failed');
    assert.match(failed.reason, /exporter "corpus" \(Hostile corpus\), page 1/);
    assert.match(failed.reason, /data\[0\]\.data\[0\]\.value/);
    assert.equal(failed.download, undefined, 'no ZIP');
  });
});
