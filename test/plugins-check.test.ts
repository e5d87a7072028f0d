/**
 * `npm run plugins:check` as an operator runs it: without --email it says
 * plainly that nothing was checked, rather than a clean table that proves
 * little; with a person it counts what each exporter finds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURE_PLUGINS, ROOT } from './helpers/stack.ts';

function check(manifest: string, ...args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'dsr-check-'));
  try {
    const file = join(dir, 'plugins.yaml');
    writeFileSync(file, manifest);
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'plugins-check.ts'), '--manifest', file, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: ROOT },
    });
    return { code: run.status, out: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const manifest = (total: number) => `version: 1
exporters:
  - key: numbers
    name: Numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    settings: { total: ${total} }
`;

test('without --email, a run that found nothing warns that 0 items were checked and names the demo person', () => {
  const { code, out } = check(manifest(0));
  assert.equal(code, 0, out);
  assert.match(out, /warning: 0 items were checked: plugins-check@example\.invalid matches nobody\. Pass --email .*--email alex\.doe@example\.com/);
});

test('with a person, the table counts what each exporter finds and there is no warning', () => {
  const { code, out } = check(manifest(3), '--email', 'someone@example.com');
  assert.equal(code, 0, out);
  assert.match(out, /exporter\s+numbers\s+Numbers\s+1\s+3\s/);
  assert.doesNotMatch(out, /warning/);
});

test('processing not declared: no controller, an exporter without processing:, a group its categories leave out', () => {
  const declared = `version: 1
controller: { name: Shop, contact: privacy@shop.example }
exporters:
  - key: numbers
    name: Numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    settings: { total: 3, group: tallies, label: Tallies }
    processing:
      purposes: [counting]
      legalBasis: contract
      categories: [numbers]
      retention: 1 year
  - key: more
    name: More numbers
    module: ${join(FIXTURE_PLUGINS, 'numbers.ts')}
    settings: { total: 1 }
`;
  const { code, out } = check(declared, '--email', 'someone@example.com');
  assert.equal(code, 0, `drift is reported, not a failure: ${out}`);
  assert.match(out, /processing \(GDPR Art\. 15\(1\)\) not declared:/);
  assert.match(out, /exporter "numbers" returned group "tallies" \(Tallies\) that its processing\.categories do not declare/);
  assert.match(out, /exporter "more" declares no processing:/);
  assert.doesNotMatch(out, /no controller/);
  const none = check(manifest(1), '--email', 'someone@example.com');
  assert.match(none.out, /no controller: block/);
});
