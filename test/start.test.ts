/**
 * `npm start` as a newcomer runs it: the whole stack comes up on embedded
 * defaults with one host in every URL it prints, serves a request end to
 * end, lets a signed-in admin read that request decoded in the Temporal UI,
 * never joins what it did not start, and stops everything it started — on
 * Ctrl-C and when any of its processes is killed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mailpitMessages, mailpitText } from '../dev/mailpit.ts';
import { isPortFree } from '../dev/temporal-server.ts';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { launchBrowser, screenshot } from './helpers/browser.ts';
import { demoManifest, ROOT } from './helpers/stack.ts';

interface Started {
  child: ChildProcess;
  varDir: string;
  output: () => string;
  exited: Promise<number | null>;
  /** A printed line's URL, e.g. `url('Admin page')`. */
  url(label: string): string;
  token: string;
}

/** Runs scripts/start.ts as `npm start` does, in its own var/ folder, until it says it is running. */
async function startStack(env: Record<string, string> = {}, options: { expectFailure?: boolean; manifest?: string } = {}): Promise<Started> {
  const varDir = await mkdtemp(join(tmpdir(), 'dsr-start-'));
  const manifest = join(varDir, 'plugins.yaml');
  await writeFile(manifest, (options.manifest ?? demoManifest(join(varDir, 'demo', 'demo.sqlite'))).replaceAll('{VAR}', varDir));
  const { TEMPORAL_ADDRESS: _shared, TEMPORAL_TASK_QUEUE: _queue, PORT: _port, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env: { ...inherited, VAR_DIR: varDir, PLUGINS_FILE: manifest, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 180_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null) {
      if (options.expectFailure) break;
      assert.fail(`npm start did not come up:\n${output}`);
    }
    assert.ok(Date.now() < deadline, `npm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const url = (label: string) => {
    const found = new RegExp(`${label}\\s+(http://\\S+)`).exec(output)?.[1];
    assert.ok(found, `"${label}" is printed:\n${output}`);
    return found;
  };
  const token = /Admin token\s+([A-Za-z0-9_-]+)/.exec(output)?.[1] ?? '';
  return { child, varDir, output: () => output, exited, url, token };
}

async function createExport(stack: Started, email = DEMO_PERSON): Promise<string> {
  const response = await fetch(`${stack.url('Admin API')}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, action: 'export', skipConfirmation: true }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { id: string }).id;
}

async function waitForDownloadMail(stack: Started, email: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  const mailbox = stack.url('Caught mail');
  for (;;) {
    const messages = await mailpitMessages(mailbox).catch(() => []);
    if (messages.some((m) => /Personal Data Export$/.test(m.Subject) && m.To.some((t) => t.Address === email))) return;
    assert.ok(Date.now() < deadline, `no download mail for ${email} in Mailpit:\n${stack.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The ports a printed URL list names, to check they are all free once the stack is gone. */
function ports(stack: Started): number[] {
  return ['Admin page', 'Caught mail'].map((label) => Number(new URL(stack.url(label)).port));
}

/** Waits until every port is free; resolves the ones still taken when `withinMs` has passed (none: all free). */
async function stillTaken(list: number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const taken = (await Promise.all(list.map(async (port) => ((await isPortFree(port)) ? undefined : port)))).filter((port) => port !== undefined);
    if (taken.length === 0 || Date.now() > deadline) return taken;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('npm start', { concurrency: false }, () => {
  test('one host in every URL; a request end to end; the Temporal UI shows it decoded to a signed-in admin; Ctrl-C stops all', async () => {
    const stack = await startStack();
    try {
      const admin = stack.url('Admin page');
      const host = new URL(admin).hostname;
      for (const label of ['Admin API', 'Request form', 'Temporal UI', 'Caught mail']) {
        assert.equal(new URL(stack.url(label)).hostname, host, `${label} is on the same host as the admin page`);
      }
      assert.doesNotMatch(stack.output(), /asset workflow-bundle|webpack compiled|modules by path/i, 'no webpack statistics on the console');
      assert.ok(stack.token, 'the admin token is printed');

      // The README's curl, as written: the token from var/dev-secrets.json.
      const secrets = JSON.parse(await readFile(join(stack.varDir, 'dev-secrets.json'), 'utf8')) as { ADMIN_TOKEN: string };
      assert.equal(secrets.ADMIN_TOKEN, stack.token);
      const id = await createExport(stack);
      await waitForDownloadMail(stack, DEMO_PERSON);
      const mailbox = stack.url('Caught mail');
      const [first] = await mailpitMessages(mailbox);
      assert.match(
        await mailpitText(mailbox, first?.ID ?? ''),
        new RegExp(`${admin.replace('/admin', '')}/exports/`),
        'the link in the mail is on the printed host',
      );

      // The operator's first hour: sign in, open the printed Temporal UI URL, read the request decoded.
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(`${admin}/login`);
        await page.getByLabel(/token/i).fill(stack.token);
        await page.getByRole('button', { name: /log in|sign in/i }).click();
        await page.waitForURL(/\/admin(\?|$)/);
        const workflowId = (
          (await (await fetch(`${stack.url('Admin API')}/${id}`, { headers: { Authorization: `Bearer ${stack.token}` } })).json()) as {
            workflow: { id: string };
          }
        ).workflow.id;
        const ui = stack.url('Temporal UI');
        await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
        // The input is encrypted in Temporal: the UI shows its fields only once our codec decoded it.
        await page.getByText(id, { exact: false }).first().waitFor({ timeout: 60_000 });
        await page
          .getByText('"action"', { exact: false })
          .first()
          .waitFor({ timeout: 30_000 })
          .catch(() => {});
        const text = (await page.locator('body').textContent()) ?? '';
        assert.doesNotMatch(text, /Codec Server could not connect|could not (decode|connect)/i, 'no codec error banner');
        assert.match(text, /"action":\s*"export"|action.{0,20}export/, 'the decoded input shows the action');
        await screenshot(page, 'temporal-ui-decoded-input');
      } finally {
        await browser.close();
      }
    } finally {
      stack.child.kill('SIGINT');
    }
    assert.equal(await stack.exited, 0);
    assert.deepEqual(await stillTaken(ports(stack), 5_000), [], 'every port is free after Ctrl-C');
    await rm(stack.varDir, { recursive: true, force: true });
  });

  test('the demo processor: an erasure waits for the mailing list, which calls back with a signed receipt', async () => {
    const varDb = '{VAR}/demo/demo.sqlite';
    const shipped = await readFile(join(ROOT, 'plugins.yaml'), 'utf8');
    // The shipped entry as it is, after the stack's own demo erasers.
    const entry = /\n( {2}- key: demo-mailing-list\n(?: {4}.*\n)+)/.exec(shipped)?.[1];
    assert.ok(entry, 'plugins.yaml ships the demo-mailing-list entry');
    const stack = await startStack({}, { manifest: `${demoManifest(varDb)}${entry}` });
    try {
      const api = stack.url('Admin API');
      const headers = { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' };
      const created = await fetch(api, { method: 'POST', headers, body: JSON.stringify({ email: DEMO_PERSON, action: 'erase', skipConfirmation: true }) });
      assert.equal(created.status, 201, await created.clone().text());
      const { id } = (await created.json()) as { id: string };
      const deadline = Date.now() + 120_000;
      let sawWaiting = false;
      let view: any;
      for (;;) {
        view = await (await fetch(`${api}/${id}`, { headers })).json();
        sawWaiting ||= view.waiting?.plugin === 'demo-mailing-list';
        if (view.status === 'completed' || view.status === 'failed') break;
        assert.ok(Date.now() < deadline, `the erasure did not finish: ${JSON.stringify(view)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(view.status, 'completed', view.reason);
      assert.ok(sawWaiting, 'the request said it waits for the mailing list');
      const list = view.erasure.erasers.find((e: { key: string }) => e.key === 'demo-mailing-list');
      assert.equal(list.removed, 4);
      assert.equal(list.awaited[0].via, 'callback');
      assert.equal(list.receipts[0].verified, true, 'its receipt is signed with the key npm start gave it');
    } finally {
      stack.child.kill('SIGINT');
    }
    assert.equal(await stack.exited, 0);
    await rm(stack.varDir, { recursive: true, force: true });
  });

  test('two checkouts started at once on default settings both complete an export, each on its own ports, queue and key', async () => {
    const [one, two] = await Promise.all([startStack(), startStack()]);
    try {
      assert.notEqual(one.url('Admin page'), two.url('Admin page'));
      assert.notEqual(one.url('Caught mail'), two.url('Caught mail'));
      assert.notEqual(one.url('Temporal UI'), two.url('Temporal UI'));
      assert.match(
        one.output() + two.output(),
        /port \d+ is in use by another program: using \d+ instead \(set \w+ to choose\)/,
        'the second says which ports it moved',
      );
      const secrets = await Promise.all(
        [one, two].map(async (s) => JSON.parse(await readFile(join(s.varDir, 'dev-secrets.json'), 'utf8')) as { STACK_ID: string; PAYLOAD_KEYS: string }),
      );
      assert.notEqual(secrets[0]?.STACK_ID, secrets[1]?.STACK_ID);
      assert.notEqual(secrets[0]?.PAYLOAD_KEYS.split(':')[0], secrets[1]?.PAYLOAD_KEYS.split(':')[0], 'each stack has its own key id');
      await Promise.all([createExport(one, 'one@example.com'), createExport(two, 'two@example.com')]);
      await Promise.all([waitForDownloadMail(one, 'one@example.com'), waitForDownloadMail(two, 'two@example.com')]);
    } finally {
      one.child.kill('SIGINT');
      two.child.kill('SIGINT');
    }
    assert.equal(await one.exited, 0);
    assert.equal(await two.exited, 0);
    await Promise.all([one, two].map((s) => rm(s.varDir, { recursive: true, force: true })));
  });

  for (const [name, command, said] of [
    ['the worker', 'worker/main.ts', 'the worker'],
    ['the Temporal dev server', 'server start-dev', 'the Temporal dev server'],
    ['Mailpit', 'mailpit', 'Mailpit'],
  ] as const) {
    test(`kill -9 of ${name} stops everything, and every port is free within 5 s`, async () => {
      const stack = await startStack();
      const victim = descendants(stack.child.pid ?? 0).find((p) => p.args.includes(command));
      assert.ok(victim, `${name} is found among ${JSON.stringify(descendants(stack.child.pid ?? 0))}`);
      // Checked one listener per port: two checks of one port at once would take it from each other.
      const all = [...new Set([...ports(stack), Number(new URL(stack.url('Temporal UI')).port)])];
      const killedAt = Date.now();
      process.kill(victim.pid, 'SIGKILL');
      const code = await stack.exited;
      assert.notEqual(code, 0, 'npm start exits with an error when a process it started dies');
      const taken = await stillTaken(all, 5_000 - (Date.now() - killedAt));
      const listening = taken.length ? spawnSync('ss', ['-ltnp'], { encoding: 'utf8' }).stdout : '';
      assert.deepEqual(taken, [], `every port free within 5 s:\n${listening}\n${stack.output()}`);
      assert.ok(Date.now() - killedAt < 5_000, 'npm start itself is gone within 5 s');
      assert.match(stack.output(), new RegExp(`${said} stopped; stopping everything`));
      await rm(stack.varDir, { recursive: true, force: true });
    });
  }

  test('a port set by environment that is taken stops the start and names the variable; a bad plugins.yaml says file:line:col, no stack trace', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const taken = await startStack({ MAIL_UI_PORT: String(port) }, { expectFailure: true });
      assert.equal(await taken.exited, 1);
      assert.match(taken.output(), new RegExp(`MAIL_UI_PORT=${port}: that port is in use by another program; set MAIL_UI_PORT to a free port`));
      await rm(taken.varDir, { recursive: true, force: true });
    } finally {
      squatter.close();
    }
    const bad = await startStack({}, { expectFailure: true, manifest: 'version: 1\nexporters:\n  - key: a\n    name: A\n    module: ./nowhere.ts\n' });
    assert.equal(await bad.exited, 1);
    assert.match(bad.output(), /plugins\.yaml:5:13 exporters\[0\]\.module: no file at/);
    assert.doesNotMatch(bad.output(), /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
    await rm(bad.varDir, { recursive: true, force: true });
  });
});

/** The descendants of `pid` with their command lines (from /proc). */
function descendants(pid: number): { pid: number; args: string }[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return { pid: Number(name), ppid, args: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ') };
      } catch {
        return undefined;
      }
    })
    .filter((p): p is { pid: number; ppid: number; args: string } => p !== undefined);
  const found: { pid: number; args: string }[] = [];
  const walk = (parent: number) => {
    for (const p of all.filter((q) => q.ppid === parent)) {
      found.push({ pid: p.pid, args: p.args });
      walk(p.pid);
    }
  };
  walk(pid);
  return found;
}
