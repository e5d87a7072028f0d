/**
 * docs/DEPLOY.md's recipe, run as written: `npm run topology` starts two
 * worker processes and two servers as separate processes around one bucket,
 * each with only the environment its kind needs. A request made on one
 * server is followed on the other, its ZIP served by either from the bucket,
 * one download mail; Ctrl-C stops every process it started.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mailpitMessages } from '../dev/mailpit.ts';
import { isPortFree } from '../dev/temporal-server.ts';
import { DEMO_PERSON } from '../plugins/demo/seed.ts';
import { ROOT } from './helpers/stack.ts';
import { unzip } from './helpers/unzip.ts';

test('npm run topology: two workers and two servers as separate processes share one bucket; Ctrl-C stops them all', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-topology-'));
  const { TEMPORAL_ADDRESS: _a, TEMPORAL_TASK_QUEUE: _q, STORAGE_URL: _s, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'topology.ts')], {
    cwd: ROOT,
    env: { ...inherited, TOPOLOGY_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 180_000;
    while (!output.includes('Ctrl-C stops everything')) {
      assert.equal(child.exitCode, null, `npm run topology did not come up:\n${output}`);
      assert.ok(Date.now() < deadline, `npm run topology did not come up:\n${output}`);
      await sleep(200);
    }
    const servers = /Servers\s+(.+?)\s+\(PUBLIC_URL/.exec(output)?.[1]?.split(/\s+/) ?? [];
    assert.equal(servers.length, 2, output);
    const token = /Admin token\s+(\S+)/.exec(output)?.[1] as string;
    const mailUi = /Caught mail\s+(\S+)/.exec(output)?.[1] as string;
    const [one, two] = servers as [string, string];

    // What each process was given: workers reach SMTP, servers do not; each worker has its own staging directory.
    const env = (name: string) =>
      Object.fromEntries(
        readFileSync(join(dir, 'env', `${name}.env`), 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s).slice(0, 2)),
      );
    assert.deepEqual(readdirSync(join(dir, 'env')).sort(), ['server-1.env', 'server-2.env', 'worker-1.env', 'worker-2.env']);
    assert.ok(env('worker-1').SMTP_URL && env('worker-2').SMTP_URL);
    assert.equal(env('server-1').SMTP_URL, undefined, 'a server sends no mail');
    assert.notEqual(env('worker-1').STAGING_DIR, env('worker-2').STAGING_DIR);
    assert.match(env('server-2').STORAGE_URL as string, /^s3:\/\//);

    const api = (base: string, method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const created = await api(two, 'POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    let done: any;
    const until = Date.now() + 120_000;
    while (done?.status !== 'completed') {
      assert.ok(Date.now() < until, `not completed: ${JSON.stringify(done)}`);
      assert.notEqual(done?.status, 'failed', JSON.stringify(done));
      await sleep(300);
      done = (await api(one, 'GET', `/api/requests/${created.body.id}`)).body;
    }
    const link = new URL(done.download.url);
    for (const server of servers) {
      const zip = await unzip(new Uint8Array(await (await fetch(`${server}${link.pathname}`)).arrayBuffer()));
      const data = JSON.parse(zip.get('export.json') as string);
      assert.ok(Object.keys(data[`Personal Data Export for ${DEMO_PERSON}`]).length > 1, `${server} serves the whole ZIP`);
    }
    const mailed = async () => (await mailpitMessages(mailUi)).filter((m) => /Personal Data Export$/.test(m.Subject)).length;
    while ((await mailed()) === 0) {
      assert.ok(Date.now() < until, 'no download mail');
      await sleep(200);
    }
    await sleep(1000);
    assert.equal(await mailed(), 1, 'one download mail');

    child.kill('SIGINT');
    assert.equal(await exited, 0);
    for (const server of servers) assert.ok(await isPortFree(Number(new URL(server).port)), `${server} is stopped`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
