/**
 * What an access answer owes besides the data (GDPR Art. 15(1) and (2)):
 * processing.json and the report's section "How we use your data and your
 * rights", from the manifest's declarations; what is missing is said to be
 * missing, and a group the declarations leave out is flagged. export.json
 * stays byte for byte what it was (WordPress's format).
 */
import type { Locale } from '../lib/locale.ts';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadManifest } from '../manifest/load.ts';
import type { ExportItem } from '../plugins/contract.ts';
import { buildExportZip } from '../report/build.ts';
import type { ProcessingInput, ProcessingReport } from '../report/processing.ts';
import { openStaging } from '../report/staging.ts';
import { unzip } from './helpers/unzip.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-processing-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const item = (group: string, id: string, label = group): ExportItem => ({ group_id: group, group_label: label, item_id: id, data: [{ name: 'x', value: id }] });
let n = 0;

async function build(processing: ProcessingInput | undefined, language?: Locale) {
  n++;
  const stagingPath = join(dir, `s-${n}.sqlite`);
  const store = openStaging(stagingPath);
  store.writePage(0, 1, [item('user', 'u1', 'Account')]);
  store.writePage(1, 1, [item('orders', 'o1', 'Orders'), item('orders', 'o2', 'Orders'), item('loyalty', 'l1', 'Loyalty points')]);
  store.close();
  const result = await buildExportZip({
    stagingPath,
    zipPath: join(dir, `z-${n}.zip`),
    email: 'subject@example.com',
    siteName: 'Shop',
    siteUrl: 'https://shop.example',
    generatedAt: new Date('2026-12-01T10:00:00Z'),
    ...(processing ? { processing } : {}),
    ...(language ? { language } : {}),
  });
  return { result, files: await unzip(await readFile(result.zipPath)) };
}

const FULL: ProcessingInput = {
  controller: {
    name: 'Example Shop Ltd',
    contact: 'privacy@shop.example',
    dpo: 'dpo@shop.example',
    supervisoryAuthority: { en: 'Berlin data protection authority', de: 'Berliner Beauftragte für Datenschutz' },
    rights: 'https://shop.example/privacy',
  },
  exporters: [
    {
      key: 'accounts',
      name: 'Accounts',
      processing: {
        purposes: [{ en: 'To run your account', de: 'Um Ihr Konto zu führen' }],
        legalBasis: 'contract (Art. 6(1)(b))',
        categories: [{ group: 'user', label: 'Account details', description: 'name and email' }],
        recipients: [],
        retention: 'while the account exists',
        transfers: [],
      },
    },
    {
      key: 'shop',
      name: 'Shop',
      processing: {
        purposes: ['To deliver your orders'],
        legalBasis: 'contract (Art. 6(1)(b))',
        categories: ['orders'],
        recipients: ['parcel service'],
        retention: '10 years for invoices',
        source: 'our payment provider, for the payment status',
        transfers: [{ to: 'Support desk, USA', safeguard: 'standard contractual clauses' }],
        automatedDecisions: { logic: 'A fraud score decides on prepayment.', consequences: 'You may have to pay in advance.' },
      },
    },
  ],
};

test('every declared field reaches processing.json and the section after About; an undeclared group is flagged', async () => {
  const plain = await build(undefined);
  const { result, files } = await build(FULL);
  assert.deepEqual([...files.keys()].sort(), ['export.json', 'index.html', 'processing.json']);
  assert.equal(files.get('export.json'), plain.files.get('export.json'), 'export.json is unchanged, byte for byte');

  const report = JSON.parse(files.get('processing.json') ?? '') as ProcessingReport;
  assert.equal(report.controller?.name, 'Example Shop Ltd');
  assert.equal(report.controller?.supervisoryAuthority, 'Berlin data protection authority');
  const shop = report.sources.find((source) => source.plugin.key === 'shop');
  assert.deepEqual(shop?.purposes, ['To deliver your orders']);
  assert.deepEqual(shop?.transfers, [{ to: 'Support desk, USA', safeguard: 'standard contractual clauses' }]);
  assert.equal(shop?.source, 'our payment provider, for the payment status');
  assert.equal(shop?.automatedDecisions?.logic, 'A fraud score decides on prepayment.');
  assert.deepEqual(
    shop?.categories.map((category) => [category.group, category.items]),
    [
      ['orders', 2],
      ['loyalty', 1],
    ],
  );
  assert.deepEqual(report.undeclared, [{ plugin: 'shop', group: 'loyalty', label: 'Loyalty points', items: 1 }]);
  assert.deepEqual(result.undeclared, report.undeclared);
  assert.deepEqual(report.missing, []);
  const orders = report.categories.find((category) => category.group === 'orders');
  assert.deepEqual(orders?.recipients, ['parcel service']);
  assert.ok(report.rights.some((right) => /Art\. 77/.test(right)));

  const html = files.get('index.html') ?? '';
  const toc = html.slice(html.indexOf('Table of Contents'), html.indexOf('</ul></div>'));
  assert.match(toc, /About<\/a><\/li><li><a href="#how-we-use-your-data">How we use your data and your rights<\/a>/, 'listed right after About');
  const about = html.indexOf('id="about-about"');
  const section = html.indexOf('id="how-we-use-your-data"');
  const account = html.indexOf('<h2 id="account');
  assert.ok(about < section && section < account, 'the section sits between About and the first group');
  for (const text of [
    'Example Shop Ltd',
    'To run your account',
    'contract (Art. 6(1)(b))',
    'parcel service',
    '10 years for invoices',
    'standard contractual clauses',
    'A fraud score decides on prepayment.',
    'Loyalty points (1 item)',
  ]) {
    assert.ok(html.includes(text), `the section says "${text}"`);
  }
});

test('a text in the person’s language where the manifest has one', async () => {
  const { files } = await build(FULL, 'de');
  const report = JSON.parse(files.get('processing.json') ?? '') as ProcessingReport;
  assert.equal(report.language, 'de');
  assert.deepEqual(report.sources[0]?.purposes, ['Um Ihr Konto zu führen']);
  assert.equal(report.sources[1]?.purposes[0], 'To deliver your orders', 'one string serves every language');
});

test('a German report: our own words in German, export.json as WordPress lays it out, in a German site’s words', async () => {
  const { files } = await build(FULL, 'de');
  const html = files.get('index.html') ?? '';
  assert.match(html, /^<!DOCTYPE html>\n<html lang="de">/);
  assert.match(html, /<title>Export personenbezogener Daten für subject@example.com<\/title>/);
  assert.match(html, /<h1 id="top">Export personenbezogener Daten<\/h1>/);
  assert.match(html, /<h2>Inhaltsverzeichnis<\/h2>/);
  assert.match(html, /Nach oben/);
  assert.match(html, /<h2 id="how-we-use-your-data">Wie wir Ihre Daten verwenden, und Ihre Rechte<\/h2>/);
  assert.match(html, /<th>Rechtsgrundlage<\/th>/);
  assert.match(html, /Sie können sich bei einer Aufsichtsbehörde beschweren \(Art\. 77\)\./);
  assert.doesNotMatch(html, /Table of Contents|Go to top|Legal basis|Your rights/, 'no English left among our words');
  const json = JSON.parse(files.get('export.json') ?? '') as Record<string, Record<string, { group_label: string; items: Record<string, unknown[]> }>>;
  const [title] = Object.keys(json);
  assert.equal(title, 'Export personenbezogener Daten für subject@example.com');
  const about = json[title as string]?.about;
  assert.equal(about?.group_label, 'Über');
  assert.deepEqual(
    ((about?.items['about-1'] ?? []) as { name: string }[]).map((pair) => pair.name),
    ['Bericht erstellt für', 'Für Website', 'Unter URL', 'Am'],
  );
  const report = JSON.parse(files.get('processing.json') ?? '') as ProcessingReport;
  assert.match(report.rights[0] ?? '', /^Sie können eine Kopie Ihrer personenbezogenen Daten verlangen/);
});

test('a French report without declarations says in French what is missing', async () => {
  const { files } = await build({ exporters: [{ key: 'accounts', name: 'Accounts' }] }, 'fr');
  const report = JSON.parse(files.get('processing.json') ?? '') as ProcessingReport;
  assert.deepEqual(report.missing, [
    'qui est responsable de vos données (le responsable du traitement) et comment le joindre',
    'ce qui est fait des données de « Accounts »',
  ]);
  assert.match(files.get('index.html') ?? '', /<h3>Ce que ce rapport ne peut pas vous dire<\/h3>/);
});

test('without declarations the section says what is missing instead of inventing it', async () => {
  const { files } = await build({
    exporters: [
      { key: 'accounts', name: 'Accounts' },
      { key: 'shop', name: 'Shop' },
    ],
  });
  const report = JSON.parse(files.get('processing.json') ?? '') as ProcessingReport;
  assert.equal(report.controller, null);
  assert.deepEqual(report.missing, [
    'who is responsible for your data (the controller) and how to reach them',
    'what is done with the data from "Accounts"',
    'what is done with the data from "Shop"',
  ]);
  assert.deepEqual(report.undeclared, [], 'nothing declared: missing, not drift');
  assert.equal(report.sources[1]?.declared, false);
  const html = files.get('index.html') ?? '';
  assert.match(html, /Not declared: the organisation has not said who is responsible/);
  assert.match(html, /What this report cannot tell you/);
  assert.doesNotMatch(html, /Purposes/);
});

test('declarations are escaped in the report', async () => {
  const hostile: ProcessingInput = { controller: { name: '<script>alert(1)</script>', contact: 'a&b' }, exporters: [] };
  const { files } = await build(hostile);
  const html = files.get('index.html') ?? '';
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

test('plugins.yaml: processing and controller are validated with the line to fix; the demo manifest declares them all', async () => {
  const file = join(dir, 'plugins.yaml');
  await writeFile(
    file,
    `version: 1
controller:
  name: Shop
exporters:
  - key: a
    name: A
    module: ${JSON.stringify(join(process.cwd(), 'plugins/demo/user-exporter.ts'))}
    processing:
      purposes: []
      legalBasis: { en: contract, xx_YY: nope }
      categories: [user]
      retention: 1 year
`,
  );
  await assert.rejects(loadManifest(file), (error: Error) => {
    assert.match(error.message, /plugins\.yaml:3:3 controller\.contact: expected a text/);
    assert.match(error.message, /plugins\.yaml:9:17 exporters\[0\]\.processing\.purposes 'a': name at least one purpose/);
    assert.match(
      error.message,
      /plugins\.yaml:10:19 exporters\[0\]\.processing\.legalBasis 'a': expected a text, or one text per language with keys such as "en", "de" or "fr-CH"/,
    );
    assert.doesNotMatch(error.message, /kind/, 'not taken for an unknown kind');
    return true;
  });
  const demo = await loadManifest(join(process.cwd(), 'plugins.yaml'));
  assert.ok(demo.controller);
  for (const exporter of demo.exporters) assert.ok(exporter.processing, `${exporter.key} declares its processing`);
});
