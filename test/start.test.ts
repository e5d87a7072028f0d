/**
 * `npm start` as a newcomer runs it: the whole stack comes up on embedded
 * defaults, prints its URLs, serves a request end to end, and Ctrl-C stops
 * everything it started.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEMO_PERSON } from '../plugins/demo/db.ts';
import { demoManifest, ROOT } from './helpers/stack.ts';
import { freePort } from '../dev/free-port.ts';


test('npm start brings up the stack, prints its URLs, serves a request and stops on Ctrl-C', async () => {
  const varDir = await mkdtemp(join(tmpdir(), 'dsr-start-'));
  const [port, temporalPort, uiPort, mailPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const manifest = join(varDir, 'plugins.yaml');
  await writeFile(manifest, demoManifest(join(varDir, 'demo', 'demo.sqlite')));
  const { TEMPORAL_ADDRESS: _shared, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env: {
      ...env,
      VAR_DIR: varDir,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      MAIL_UI_PORT: String(mailPort),
      PLUGINS_FILE: manifest,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 120_000;
    while (!output.includes('Ctrl-C stops everything')) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `npm start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(output, new RegExp(`Admin API\\s+http://localhost:${port}/api/requests`));
    assert.match(output, new RegExp(`Admin page\\s+http://localhost:${port}/admin`));
    assert.match(output, new RegExp(`Temporal UI\\s+http://127.0.0.1:${uiPort}`));
    assert.match(output, new RegExp(`Caught mail\\s+http://127.0.0.1:${mailPort}`));
    const token = /Bearer ([A-Za-z0-9_-]+)\)/.exec(output)?.[1] as string;
    assert.ok(token, 'the admin token is printed');

    assert.equal((await fetch(`http://127.0.0.1:${uiPort}/`)).status, 200, 'the Temporal Web UI answers');
    assert.equal((await fetch(`http://127.0.0.1:${port}/admin/login`)).status, 200, 'the admin page answers');
    assert.equal((await fetch(`http://127.0.0.1:${port}/request`)).status, 200, 'the request form answers');
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const created = await fetch(`http://127.0.0.1:${port}/api/requests`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: DEMO_PERSON, action: 'export', skipConfirmation: true }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    let mails: { subject: string }[] = [];
    while (!mails.some((m) => /Personal Data Export$/.test(m.subject))) {
      assert.ok(Date.now() < deadline, 'no download mail in the catcher');
      await new Promise((resolve) => setTimeout(resolve, 250));
      mails = await fetch(`http://127.0.0.1:${mailPort}/api/messages`).then((r) => r.json() as Promise<{ subject: string }[]>);
    }
    const view = await fetch(`http://127.0.0.1:${port}/api/requests/${created.id}`, { headers }).then((r) => r.json() as Promise<any>);
    assert.equal(view.status, 'completed');
    assert.match(view.workflow.url, new RegExp(`^http://127.0.0.1:${uiPort}/namespaces/default/workflows/`));
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0);
  const gone = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => false, () => true);
  assert.ok(gone, 'the server stopped');
  const temporalGone = await fetch(`http://127.0.0.1:${uiPort}/`).then(() => false, () => true);
  assert.ok(temporalGone, 'the Temporal dev server stopped');
  await rm(varDir, { recursive: true, force: true });
});
