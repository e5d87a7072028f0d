import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { ExportItem } from '../plugins/contract.ts';
import { type BuildExportZipOptions, buildExportZip } from '../report/build.ts';
import { openStaging } from '../report/staging.ts';
import { unzip } from './helpers/unzip.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-build-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GENERATED_AT = new Date('2026-01-31T19:29:29.123Z');
let counter = 0;

/** Stages `pages` (one array of items per exporter page) and builds the ZIP. */
async function build(pages: ExportItem[][], options: Partial<BuildExportZipOptions> = {}) {
  counter += 1;
  const stagingPath = join(dir, `staging-${counter}.sqlite`);
  const store = openStaging(stagingPath);
  for (const [index, items] of pages.entries()) store.writePage(0, index + 1, items);
  store.close();
  const result = await buildExportZip({
    stagingPath,
    zipPath: join(dir, `export-${counter}.zip`),
    email: 'subject@example.com',
    siteName: 'Anchor Site',
    siteUrl: 'https://site.example',
    generatedAt: GENERATED_AT,
    ...options,
  });
  const files = await unzip(await readFile(result.zipPath));
  const exported = JSON.parse(files.get('export.json') ?? 'null') as Record<string, Record<string, Group>>;
  return { result, files, html: files.get('index.html') ?? '', root: exported['Personal Data Export for subject@example.com'] ?? {} };
}

interface Group {
  group_label: string;
  group_description: string;
  items: Record<string, { name: string; value: unknown }[]>;
}

const item = (group_id: string, item_id: string, data: ExportItem['data'], group_label = group_id, group_description?: string): ExportItem => ({
  group_id,
  group_label,
  item_id,
  data,
  ...(group_description === undefined ? {} : { group_description }),
});

const ABOUT = {
  group_label: 'About',
  group_description: 'Overview of export report.',
  items: {
    'about-1': [
      { name: 'Report generated for', value: 'subject@example.com' },
      { name: 'For site', value: 'Anchor Site' },
      { name: 'At URL', value: 'https://site.example' },
      { name: 'On', value: '2026-01-31 19:29:29 UTC' },
    ],
  },
};

test('buildExportZip() writes index.html and export.json, About first, and reports what it wrote', async () => {
  const { result, files, root } = await build([[item('user', 'user-1', [{ name: 'Login', value: 'subject' }], 'User', 'User&#8217;s profile data.')]]);
  assert.deepEqual([...files.keys()].sort(), ['export.json', 'index.html']);
  assert.deepEqual(root, {
    about: ABOUT,
    user: { group_label: 'User', group_description: 'User&#8217;s profile data.', items: { 'user-1': [{ name: 'Login', value: 'subject' }] } },
  });
  assert.deepEqual(Object.keys(root), ['about', 'user']);
  assert.ok(files.get('export.json')?.startsWith('{"Personal Data Export for subject@example.com":{"about":{"group_label":"About",'));

  const bytes = await readFile(result.zipPath);
  assert.deepEqual(result, {
    zipPath: result.zipPath,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    groups: 2,
    items: 2,
    inventory: [
      { group: 'about', label: 'About', items: 1 },
      { group: 'user', label: 'User', items: 1 },
    ],
    withheld: [],
  });
  assert.equal((await stat(result.zipPath)).mode & 0o777, 0o600);
  assert.deepEqual(
    (await readdir(dir)).filter((name) => name.endsWith('.partial')),
    [],
  );
});

test('buildExportZip() export.json keeps first-seen order and merges repeated items newer-first', async () => {
  const { root, result } = await build([
    [item('b', 'b1', [{ name: 'n', value: 1 }], 'B first'), item('a', 'a1', [])],
    [item('b', 'b2', [], 'B renamed', 'ignored'), item('b', 'b1', [{ name: 'n', value: 2 }])],
  ]);
  assert.deepEqual(Object.keys(root), ['about', 'b', 'a']);
  assert.equal(root.b?.group_label, 'B first');
  assert.equal(root.b?.group_description, '');
  assert.deepEqual(Object.keys(root.b?.items ?? {}), ['b1', 'b2']);
  assert.deepEqual(root.b?.items.b1, [
    { name: 'n', value: 2 },
    { name: 'n', value: 1 },
  ]);
  assert.deepEqual(root.a?.items, { a1: [] });
  assert.equal(result.items, 4);
});

test('buildExportZip() merges a plugin group "about" into the built-in one', async () => {
  const { root, html } = await build([
    [
      item('about', 'about-1', [{ name: 'Plugin note', value: 'x' }], 'Plugin About', 'Plugin description'),
      item('about', 'about-2', [{ name: 'Other', value: 'y' }], 'Plugin About'),
    ],
  ]);
  assert.deepEqual(Object.keys(root), ['about']);
  assert.equal(root.about?.group_label, 'About');
  assert.equal(root.about?.group_description, 'Overview of export report.');
  assert.deepEqual(root.about?.items['about-1'], [{ name: 'Plugin note', value: 'x' }, ...ABOUT.items['about-1']]);
  assert.deepEqual(root.about?.items['about-2'], [{ name: 'Other', value: 'y' }]);
  assert.match(html, /<h2 id="about-about">About <span class="count">\(2\)<\/span><\/h2>/);
});

test('buildExportZip() export.json round-trips tricky values exactly', async () => {
  const values: ExportItem['data'] = [
    { name: 'unicode', value: 'café ünïcødé 日本語 😀 \u202Eright-to-left\u202C e\u0301 \u2028\u2029 \u0000' },
    { name: 'quotes', value: `"double" 'single' \\back\\slash\ttab\nnewline` },
    { name: 'script', value: '</script><script>alert(1)</script>' },
    { name: 'html', value: '<a href="https://x.example" target="_blank">x</a> &amp; &#8217;' },
    { name: 'zero', value: 0 },
    { name: 'negative float', value: -1.5 },
    { name: 'big', value: Number.MAX_SAFE_INTEGER },
    { name: 'tiny', value: 5e-324 },
    { name: 'true', value: true },
    { name: 'false', value: false },
    { name: 'null', value: null },
    { name: 'empty', value: '' },
    { name: 'large', value: 'x'.repeat(50_000) + 'é'.repeat(25_000) },
    { name: 'name with "quotes" & <tags>', value: 'v' },
  ];
  const weird = item('gr"oup</script>', 'it\u2028em "1"', values, 'Label "quoted" <b>', 'Desc\n"x"');
  const { root } = await build([[weird]], { email: 'subject@example.com' });
  assert.deepEqual(root['gr"oup</script>'], {
    group_label: 'Label "quoted" <b>',
    group_description: 'Desc\n"x"',
    items: { 'it\u2028em "1"': values },
  });
});

test('buildExportZip() escapes the title key of export.json', async () => {
  const email = 'we"ird\\@example.com';
  const { files } = await build([], { email });
  const parsed = JSON.parse(files.get('export.json') ?? '') as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), [`Personal Data Export for ${email}`]);
});

test('buildExportZip() index.html is self-contained and escapes hostile data', async () => {
  const hostile = '"><svg onload=alert(1)><script>alert(1)</script>';
  const { html } = await build(
    [
      [
        item(
          'x',
          'x1',
          [
            { name: '<script>alert("name")</script>', value: '<script>alert(1)</script>' },
            { name: 'img', value: '<img src=x onerror=alert(1)>' },
            { name: 'js url', value: 'javascript:alert(1)' },
            { name: 'js link', value: '<a href="javascript:alert(1)" onclick="alert(1)">click</a>' },
            { name: 'handler', value: '<b onmouseover="alert(1)">bold</b>' },
            { name: 'ok link', value: 'https://example.com/a?b=1&c=2' },
          ],
          hostile,
          hostile,
        ),
      ],
    ],
    { siteName: hostile, email: `<script>@example.com` },
  );
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<svg|<img/i);
  assert.doesNotMatch(html, /onerror=/i);
  assert.doesNotMatch(html, /<[^>]*\son\w+\s*=/i, 'no tag carries an event handler');
  assert.match(html, /<h2 id="alert1-x">&quot;&gt;&lt;svg onload=alert\(1\)&gt;&lt;script&gt;/, 'labels are shown, escaped');
  assert.doesNotMatch(html, /href="\s*javascript:/i);
  assert.match(html, /<td><b>bold<\/b><\/td>/);
  assert.match(html, /<a href="https:\/\/example.com\/a\?b=1&amp;c=2" rel="noreferrer">/);
  assert.match(html, /<meta charset="utf-8">/);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:/);
  assert.doesNotMatch(html, /<link|@import|url\(|\ssrc=/i);
  assert.match(html, /max-width/);
  assert.match(html, /overflow-wrap:anywhere/);
  assert.match(html, /@media print/);
});

test('buildExportZip() shows the table of contents and "Go to top" only with more than one group', async () => {
  const single = await build([]);
  assert.doesNotMatch(single.html, /table_of_contents|Go to top/);
  assert.match(single.html, /<h1 id="top">Personal Data Export<\/h1><h2 id="about-about">About<\/h2><p>Overview of export report.<\/p><div><table><tbody>/);

  const { html } = await build([[item('c', 'c1', [], 'Comments'), item('c', 'c2', [], 'Comments'), item('u', 'u1', [], 'User')]]);
  assert.match(
    html,
    /<div id="table_of_contents"><h2>Table of Contents<\/h2><ul><li><a href="#about-about">About<\/a><\/li><li><a href="#comments-c">Comments <span class="count">\(2\)<\/span><\/a><\/li><li><a href="#user-u">User<\/a><\/li><\/ul><\/div>/,
  );
  assert.match(
    html,
    /<h2 id="comments-c">Comments <span class="count">\(2\)<\/span><\/h2><div><table><tbody><\/tbody><\/table><table><tbody><\/tbody><\/table><div class="return-to-top"><a href="#top"><span aria-hidden="true">&uarr; <\/span> Go to top<\/a><\/div><\/div>/,
  );
  assert.equal(html.match(/Go to top/g)?.length, 3);
});

test('buildExportZip() gives colliding anchors distinct ids', async () => {
  const { html } = await build([[item('a-b', 'x', [], 'A'), item('b', 'x', [], 'A-A'), item('top', 'x', [], '')]]);
  assert.deepEqual(
    [...html.matchAll(/<h2 id="([^"]+)"/g)].map((m) => m[1]),
    ['about-about', 'a-a-b', 'a-a-b-2', 'top-2'],
  );
});

test('buildExportZip() moves a group larger than groupPageSize to linked pages', async () => {
  const big = Array.from({ length: 7 }, (_, i) => item('big', `b${i}`, [{ name: 'Index', value: `value-${i}` }], 'Big', 'Many items'));
  const { files, html, root, result } = await build([big.slice(0, 4), big.slice(4), [item('small', 's1', [{ name: 'n', value: 1 }])]], { groupPageSize: 3 });
  assert.deepEqual([...files.keys()].sort(), ['export.json', 'groups/big-big-1.html', 'groups/big-big-2.html', 'groups/big-big-3.html', 'index.html']);
  assert.equal(Object.keys(root.big?.items ?? {}).length, 7, 'export.json keeps every item');
  assert.equal(result.items, 9);

  const section = html.slice(html.indexOf('<h2 id="big-big">'), html.indexOf('<h2 id="small-small">'));
  assert.match(section, /^<h2 id="big-big">Big <span class="count">\(7\)<\/span><\/h2><p>Many items<\/p>/);
  for (let n = 1; n <= 3; n++) assert.match(section, new RegExp(`<a href="groups/big-big-${n}.html">`));
  assert.doesNotMatch(section, /<table>|value-/);
  assert.match(html, /<td>1<\/td>/, 'small groups stay inline');

  const pages = [1, 2, 3].map((n) => files.get(`groups/big-big-${n}.html`) ?? '');
  assert.deepEqual(
    pages.map((page) => page.match(/<table>/g)?.length),
    [3, 3, 1],
  );
  assert.deepEqual(
    pages.map((page) => [...page.matchAll(/value-(\d)/g)].map((m) => Number(m[1]))),
    [[0, 1, 2], [3, 4, 5], [6]],
  );
  for (const page of pages) {
    assert.match(page, /<a href="\.\.\/index\.html">/);
    assert.match(page, /<h1 id="top">Big <span class="count">/);
    assert.match(page, /Content-Security-Policy/);
    assert.match(page, /@media print/);
  }
});

test('buildExportZip() can run again on the same staging file', async () => {
  counter += 1;
  const stagingPath = join(dir, `rerun-${counter}.sqlite`);
  const store = openStaging(stagingPath);
  store.writePage(0, 1, [item('g', 'i', [{ name: 'n', value: 1 }])]);
  store.close();
  const options = { stagingPath, zipPath: join(dir, 'rerun.zip'), email: 'a@b.example', siteName: 's', siteUrl: 'u', generatedAt: GENERATED_AT };
  const first = await buildExportZip(options);
  const second = await buildExportZip(options);
  assert.deepEqual(second, first);
});

test('buildExportZip() rejects and leaves no file when the staging path is invalid', async () => {
  const zipPath = join(dir, 'invalid-staging.zip');
  const options = { zipPath, email: 'a@b.example', siteName: 's', siteUrl: 'u', generatedAt: GENERATED_AT };
  await assert.rejects(buildExportZip({ ...options, stagingPath: join(dir, 'no-such-dir', 'x.sqlite') }));
  await assert.rejects(buildExportZip({ ...options, stagingPath: join(dir, 'missing.sqlite') }));
  await assert.rejects(stat(join(dir, 'missing.sqlite')), 'a missing staging file is not created');
  await assert.rejects(stat(zipPath));
  await assert.rejects(stat(`${zipPath}.partial`));
});

test('buildExportZip() failing mid-stream removes the partial and keeps the previous ZIP', async () => {
  counter += 1;
  const stagingPath = join(dir, `corrupt-${counter}.sqlite`);
  const store = openStaging(stagingPath);
  store.writePage(
    0,
    1,
    Array.from({ length: 50 }, (_, i) => item('g', `i${i}`, [{ name: 'n', value: 'x'.repeat(10_000) }])),
  );
  store.close();
  const db = new Database(stagingPath);
  db.prepare(`UPDATE item SET pairs = '[not json' WHERE item_id = 'i40'`).run();
  db.close();
  const zipPath = join(dir, 'corrupt.zip');
  await writeFile(zipPath, 'previous export');
  await assert.rejects(buildExportZip({ stagingPath, zipPath, email: 'a@b.example', siteName: 's', siteUrl: 'u', generatedAt: GENERATED_AT }), SyntaxError);
  assert.equal(await readFile(zipPath, 'utf8'), 'previous export');
  await assert.rejects(stat(`${zipPath}.partial`));
});

test('buildExportZip() rejects a groupPageSize that is not a positive integer', async () => {
  await assert.rejects(build([], { groupPageSize: 0 }), RangeError);
});

test('a full disk while the ZIP is written: the error says ENOSPC and the staging store is closed', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { readdirSync, readlinkSync } = await import('node:fs');
  const full = join(dir, 'full');
  await import('node:fs/promises').then((fs) => fs.mkdir(full));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full], { stdio: 'ignore' });
  } catch {
    t.skip('needs root to mount a tmpfs');
    return;
  }
  try {
    const stagingPath = join(dir, 'staging-full.sqlite');
    const store = openStaging(stagingPath);
    // Enough that the disk fills while export.json streams rows out of SQLite.
    for (let page = 1; page <= 30; page++) {
      const items = Array.from({ length: 1000 }, (_, i) => ({
        group_id: 'g',
        group_label: 'G',
        item_id: `i-${page}-${i}`,
        data: [{ name: 'n', value: createHash('sha256').update(`${page}-${i}`).digest('hex') }],
      }));
      store.writePage(0, page, items);
    }
    store.close();
    const openHandles = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(stagingPath);
        } catch {
          return false;
        }
      }).length;
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(
        buildExportZip({
          stagingPath,
          zipPath: join(full, 'x.zip'),
          email: 'a@example.com',
          siteName: 'S',
          siteUrl: 'https://s.example',
          generatedAt: GENERATED_AT,
        }),
        (error: Error & { code?: string }) => {
          assert.match(`${error.code} ${error.message}`, /ENOSPC|no space left/i);
          return true;
        },
      );
    }
    assert.equal(openHandles(), 0, 'no staging file handle left open after the failures');
    assert.deepEqual(readdirSync(full), [], 'nothing half-written');
  } finally {
    execFileSync('umount', [full]);
  }
});

test('buildExportZip() keeps every HTML page to a few MB: a group of 10,000 items of 1 KB is split by weight', async () => {
  const value = 'x'.repeat(1000);
  const items = Array.from({ length: 10_000 }, (_, i) => item('comments', `c${i}`, [{ name: 'Comment', value: `${i} ${value}` }]));
  const { files, html } = await build([items.slice(0, 5000), items.slice(5000)]);
  const pages = [...files.keys()].filter((name) => name.startsWith('groups/'));
  assert.ok(pages.length >= 5, `split into ${pages.length} pages`);
  for (const [name, text] of files) {
    if (name.endsWith('.html')) assert.ok(Buffer.byteLength(text) < 3_000_000, `${name} is ${Buffer.byteLength(text)} bytes`);
  }
  const shown = pages.reduce((sum, name) => sum + ((files.get(name) as string).match(/<table><tbody>/g)?.length ?? 0), 0);
  assert.equal(shown, 10_000, 'every item is on exactly one page');
  assert.match(html, /groups\/comments-comments-1\.html/);
});
