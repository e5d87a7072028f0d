/**
 * Measures `buildExportZip()` on N staged items (~1 KB of JSON each, one
 * group): wall time of staging and of the build, ZIP size, and peak RSS.
 * A measuring tool, not a test.
 *
 * Usage: npx tsx bench/report-build.ts [items=100000] [groupPageSize=10000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportItem } from '../plugins/contract.ts';
import { buildExportZip } from '../report/build.ts';
import { openStaging } from '../report/staging.ts';

const count = Number(process.argv[2] ?? 100_000);
const groupPageSize = Number(process.argv[3] ?? 10_000);
const PAGE = 500;

function makeItem(i: number): ExportItem {
  return {
    group_id: 'comments',
    group_label: 'Comments',
    group_description: 'User’s comment data.',
    item_id: `comment-${i}`,
    data: [
      { name: 'Comment Author', value: 'Subject Person' },
      { name: 'Comment Author Email', value: 'subject@example.com' },
      { name: 'Comment Author URL', value: 'https://subject.example.com' },
      { name: 'Comment Author IP', value: `203.0.113.${i % 256}` },
      { name: 'Comment Date', value: '2022-01-01 00:00:00' },
      { name: 'Comment Content', value: `Lorem ipsum <b>dolor</b> sit amet #${i}. ${'Consectetur adipiscing elit, sed do eiusmod. '.repeat(16)}` },
      { name: 'Comment URL', value: `https://site.example/?p=${i}#comment-${i}` },
      { name: 'Comment ID', value: i },
    ],
  };
}

const seconds = (start: bigint) => (Number(process.hrtime.bigint() - start) / 1e9).toFixed(2);
const dir = await mkdtemp(join(tmpdir(), 'bench-report-'));
try {
  const stagingPath = join(dir, 'staging.sqlite');
  let start = process.hrtime.bigint();
  const store = openStaging(stagingPath);
  for (let page = 0; page * PAGE < count; page++) {
    const size = Math.min(PAGE, count - page * PAGE);
    store.writePage(0, page + 1, Array.from({ length: size }, (_, i) => makeItem(page * PAGE + i)));
  }
  store.close();
  console.log(`staged ${count} items (~${JSON.stringify(makeItem(0).data).length} B JSON each) in ${seconds(start)} s`);
  const rssBefore = process.resourceUsage().maxRSS;

  start = process.hrtime.bigint();
  const result = await buildExportZip({
    stagingPath,
    zipPath: join(dir, 'export.zip'),
    email: 'subject@example.com',
    siteName: 'Bench',
    siteUrl: 'https://site.example',
    generatedAt: new Date(),
    groupPageSize,
  });
  console.log(`built ${result.items} items, ${result.groups} groups in ${seconds(start)} s`);
  console.log(`zip ${(result.bytes / 1e6).toFixed(1)} MB, sha256 ${result.sha256.slice(0, 16)}…`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (after staging: ${(rssBefore / 1024).toFixed(0)} MB)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
