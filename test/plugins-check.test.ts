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
