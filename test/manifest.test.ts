import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ManifestError } from '../lib/errors.ts';
import { loadManifest } from '../manifest/load.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'manifest-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function manifest(text: string): Promise<string> {
  const file = join(dir, `plugins-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, text);
  return file;
}

test('loadManifest() resolves module paths against the manifest and keeps the order', async () => {
  const file = await manifest(`version: 1
exporters:
  - key: one
    name: One
    module: ./one.ts
  - key: two
    name: Two
    module: sub/two.ts
    pageSize: 50
    timeout: 5s
`);
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, 'one.ts'), 'export default () => ({ data: [], done: true });\n');
  await writeFile(join(dir, 'sub', 'two.ts'), 'export default () => ({ data: [], done: true });\n');
  const snapshot = await loadManifest(file);
  assert.deepEqual(
    snapshot.exporters.map((e) => [e.index, e.key, e.source.kind === 'module' ? e.source.modulePath : '']),
    [
      [0, 'one', join(dir, 'one.ts')],
      [1, 'two', join(dir, 'sub', 'two.ts')],
    ],
  );
  assert.equal(snapshot.exporters[1]?.timeoutMs, 5000);
  assert.equal(snapshot.exporters[0]?.retry.maxAttempts, 5);
  assert.match(snapshot.digest, /^[0-9a-f]{64}$/);
});

test('loadManifest() reports every problem at once, each with file:line:col, entry and field', async () => {
  const file = await manifest(`version: 1
exporters:
  - key: Bad Key
    name: One
    module: ./one.ts
  - key: two
    name: Two
    modul: ./two.ts
  - key: three
    name: Three
    module: ./three.ts
    timeout: soon
`);
  await assert.rejects(loadManifest(file), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    const lines = error.message.split('\n');
    assert.match(error.message, /4 problem\(s\)|3 problem\(s\)/);
    assert.ok(
      lines.some((l) => l.startsWith(`${file}:3:10 exporters[0].key 'Bad Key': expected a slug`)),
      error.message,
    );
    assert.ok(
      lines.some((l) => /:8:5 exporters\[1\] 'two': unknown field "modul"/.test(l)),
      error.message,
    );
    assert.ok(
      lines.some((l) => /exporters\[1\]\.module 'two': /.test(l)),
      error.message,
    );
    assert.ok(
      lines.some((l) => /:12:14 exporters\[2\]\.timeout 'three': expected a duration/.test(l)),
      error.message,
    );
    return true;
  });
});

test('loadManifest() refuses broken YAML, a wrong version and duplicate keys', async () => {
  await assert.rejects(loadManifest(await manifest('version: 1\nexporters: [\n')), /invalid YAML/);
  await assert.rejects(loadManifest(await manifest('version: 2\n')), /version: expected version: 1/);
  const twice = 'version: 1\nexporters:\n  - { key: a, name: A, module: ./a.ts }\n  - { key: a, name: B, module: ./b.ts }\n';
  await assert.rejects(loadManifest(await manifest(twice)), /exporters\[1\]\.key: key "a" is used twice/);
  await assert.rejects(loadManifest(join(dir, 'missing.yaml')), /Cannot read plugin manifest/);
});

test('the shipped plugins.yaml is valid and every module it names exists', async () => {
  const { existsSync } = await import('node:fs');
  const snapshot = await loadManifest(new URL('../plugins.yaml', import.meta.url).pathname);
  assert.ok(snapshot.exporters.length >= 5 && snapshot.erasers.length >= 5);
  for (const plugin of [...snapshot.exporters, ...snapshot.erasers]) {
    if (plugin.source.kind === 'module') assert.ok(existsSync(plugin.source.modulePath), plugin.key);
    // The one processor: npm start runs it and names its address (dev/demo-processor.ts).
    else assert.deepEqual([plugin.key, plugin.source.kind === 'http' && plugin.source.urlEnv], ['demo-mailing-list', 'DEMO_PROCESSOR_URL']);
  }
  assert.equal(snapshot.erasers.at(-1)?.key, 'demo-user', 'the account eraser runs last: the others find the person by email');
});

test('loadManifest() names an unknown kind at its line and lists the kinds there are', async () => {
  const file = await manifest(`version: 1
exporters:
  - key: crm
    name: CRM
    kind: sq1
    query: SELECT 1
`);
  await assert.rejects(loadManifest(file), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    assert.ok(error.message.includes(`${file}:5:11 exporters[0].kind 'crm': unknown kind 'sq1'; expected one of module, sql, http`), error.message);
    return true;
  });
});

test('loadManifest() checks each kind’s own fields and permissions', async () => {
  const file = await manifest(`version: 1
exporters:
  - key: crm
    name: CRM
    kind: sql
    connection: crm-url
    query: SELECT 1
    fields: {}
    groupId: crm
    groupLabel: CRM
  - key: hook
    name: Hook
    kind: http
    url: ftp://hook.example.com/export
    permissions: { net: [hook.example.com], env: [lower-case] }
erasers:
  - key: crm
    name: CRM
    kind: sql
    connection: CRM_URL
    statements: []
`);
  await assert.rejects(loadManifest(file), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    const text = error.message;
    assert.match(text, /:6:17 exporters\[0\]\.connection 'crm': expected an environment variable name, e\.g\. "CRM_DATABASE_URL"/);
    assert.match(text, /exporters\[0\]\.itemId 'crm': /);
    assert.match(text, /:8:13 exporters\[0\]\.fields 'crm': expected at least one field/);
    assert.match(text, /:14:10 exporters\[1\]\.url 'hook': expected an http:\/\/ or https:\/\/ URL/);
    assert.match(text, /exporters\[1\]\.permissions\.env\[0\] 'hook': expected an environment variable name/);
    assert.match(text, /:21:17 erasers\[0\]\.statements 'crm': /);
    return true;
  });
});

test('loadManifest() points at what is wrong: an unknown top-level key, a duplicate key, a missing module, a YAML slip, a page limit', async () => {
  await writeFile(join(dir, 'a.ts'), 'export default () => ({ data: [], done: true });\n');
  const rejects = async (text: string, pattern: RegExp) => {
    const file = await manifest(text);
    await assert.rejects(loadManifest(file), (error: Error) => {
      assert.ok(error instanceof ManifestError);
      assert.match(error.message.replaceAll(file, 'FILE'), pattern);
      return true;
    });
  };
  await rejects('version: 1\nexporter:\n  - { key: a, name: A, module: ./a.ts }\n', /FILE:2:1 \(top level\): unknown field "exporter"/);
  await rejects(
    'version: 1\nexporters:\n  - key: a\n    name: A\n    module: ./a.ts\n  - key: a\n    name: B\n    module: ./a.ts\n',
    /FILE:6:10 exporters\[1\]\.key: key "a" is used twice \(first at exporters\[0\]\)/,
  );
  await rejects(
    'version: 1\nerasers:\n  - key: gone\n    name: Gone\n    module: ./gone.ts\n',
    /FILE:5:13 erasers\[0\]\.module: no file at ".*gone\.ts"; the path is relative to plugins\.yaml/,
  );
  await rejects(
    'version: 1\nexporters:\n  - key: a\n    name: A\n    module: ./a.ts\n    pageSize: 20000\n',
    /FILE:6:15 exporters\[0\]\.pageSize: pageSize 20000 is more than maxPageItems \(10000\)/,
  );
  await rejects(
    'version: 1\nexporters:\n  - key: a\n    name: A\n    module: ./a.ts\n    maxPageBytes: lots\n',
    /maxPageBytes.*expected a size such as "8MiB"/,
  );
  // One indentation slip: one message, with a hint, not one per echo.
  const file = await manifest(
    'version: 1\nexporters:\n  - key: a\n    name: A\n     module: ./a.ts\n    pageSize: 5\n  - key: b\n    name: B\n    module: ./a.ts\n',
  );
  const error = await loadManifest(file).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(error instanceof ManifestError);
  assert.equal(error.message.split('\n').length, 2, error.message);
  assert.match(error.message, /invalid YAML\n.*:\d+:\d+ .*\(check the indentation of the lines around it\)/);
  const limited = await loadManifest(
    await manifest('version: 1\nexporters:\n  - { key: a, name: A, module: ./a.ts, maxPageBytes: 512KiB, maxPageItems: 50, pageSize: 50 }\n'),
  );
  assert.deepEqual(limited.exporters[0]?.limits, { maxPageBytes: 512 * 1024, maxPageItems: 50 });
});

test('loadManifest() takes notify: recipients and an http endpoint from urlEnv, and says what is wrong with either', async () => {
  const good = await manifest(`version: 1
erasers:
  - key: mailing
    name: Mailing list
    kind: http
    urlEnv: MAILING_URL
    asyncTimeout: 2d
    permissions: { net: [127.0.0.1], env: [MAILING_URL] }
notify:
  - key: ads
    name: AdPartner Ltd
    url: https://ads.example/dsr/notice
    secret: ADS_SECRET
    disclosed: purchase history for ad audiences
    asyncTimeout: 7d
`);
  const snapshot = await loadManifest(good);
  const [mailing] = snapshot.erasers;
  assert.deepEqual(mailing?.source.kind === 'http' && [mailing.source.url, mailing.source.urlEnv, mailing.source.async?.timeoutMs], [
    undefined,
    'MAILING_URL',
    2 * 86_400_000,
  ]);
  assert.deepEqual(snapshot.notify?.[0], {
    key: 'ads',
    name: 'AdPartner Ltd',
    url: 'https://ads.example/dsr/notice',
    headers: {},
    secret: 'ADS_SECRET',
    disclosed: 'purchase history for ad audiences',
    timeoutMs: 30_000,
    retry: { maxAttempts: 5, initialIntervalMs: 1000, maxIntervalMs: 60_000 },
    async: { timeoutMs: 7 * 86_400_000, reminderMs: 7 * 86_400_000, required: false },
  });

  const bad = await manifest(`version: 1
erasers:
  - key: mailing
    name: Mailing list
    kind: http
    url: https://list.example/erase
    urlEnv: MAILING_URL
  - key: crm
    name: CRM
    kind: http
notify:
  - key: mailing
    name: Mailing list again
    url: https://list.example/notice
  - key: broker
    name: Data broker
    url: ftp://broker.example/
`);
  const error = await loadManifest(bad).then(
    () => assert.fail('a bad manifest loaded'),
    (e: unknown) => e as Error,
  );
  assert.ok(error instanceof ManifestError);
  assert.match(error.message, /:17:10 notify\[1\]\.url.*'broker'.*expected an http:\/\/ or https:\/\/ URL/);
  // Once the schema passes, the rules across entries: fixed the URL, the rest is said.
  const across = await manifest((await import('node:fs')).readFileSync(bad, 'utf8').replace('ftp://broker.example/', 'https://broker.example/'));
  const message = await loadManifest(across).then(
    () => '',
    (e: Error) => e.message,
  );
  assert.match(message, /:3:5 erasers\[0\]: two endpoints: give exactly one of url .* and urlEnv/);
  assert.match(message, /:8:5 erasers\[1\]: missing its endpoint: give exactly one of url/);
  assert.match(message, /:12:10 notify\[0\]\.key: key "mailing" is used by another eraser or recipient/);
});
