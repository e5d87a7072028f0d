/**
 * `--concurrency K`: K people with a few comments each, K export requests
 * created at once over HTTP with `skipConfirmation: true`; per request, the
 * time from just before its POST to the SMTP sink accepting its download
 * mail. One warm-up request first, so worker start-up is not measured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CaughtMail } from '../dev/mail-catcher.ts';
import { openDemoDb } from '../plugins/demo/schema.ts';
import { DEMO_PERSON, seedDemoData, seedManyComments } from '../plugins/demo/seed.ts';
import { cpuCell, cpuSplit, requestHistory, type Shared, startStack, writeCommentsManifest } from './stack.ts';
import { percentile, secondsSince } from './table.ts';

const COMMENTS_EACH = 5;
const MAIL_TIMEOUT_MS = 15 * 60_000;

export interface ConcurrencyResult {
  row: string[];
  failures: string[];
}

export async function runConcurrency(shared: Shared, count: number, workerCount: number): Promise<ConcurrencyResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-bench-conc-'));
  const dbPath = join(dir, 'demo.sqlite');
  const db = openDemoDb(dbPath);
  seedDemoData(db);
  const emails = Array.from({ length: count }, (_, i) => `bench.person.${i}@example.com`);
  for (const email of emails) seedManyComments(db, email, COMMENTS_EACH);
  db.close();
  const stack = await startStack(shared, { dir, manifest: await writeCommentsManifest(dir, dbPath), workers: workerCount });
  const failures: string[] = [];
  const downloadMailTo = (email: string) => (m: CaughtMail) => m.subject.endsWith('Personal Data Export') && m.to.some((to) => to.toLowerCase() === email);
  try {
    const warm = await stack.api('POST', '/api/requests', { email: DEMO_PERSON, action: 'export', skipConfirmation: true });
    if (warm.status !== 201) throw new Error(`warm-up request refused: ${JSON.stringify(warm.body)}`);
    await shared.mail.waitFor(downloadMailTo(DEMO_PERSON), 300_000);

    const cpuBefore = await cpuSplit(shared, stack);
    const results = await Promise.all(
      emails.map(async (email) => {
        const arrived = shared.mail.waitFor(downloadMailTo(email), MAIL_TIMEOUT_MS).then(() => performance.now());
        arrived.catch(() => {});
        const start = performance.now();
        const created = await stack.api('POST', '/api/requests', { email, action: 'export', skipConfirmation: true });
        if (created.status !== 201) return { email, start, error: `POST ${created.status} ${JSON.stringify(created.body)}` };
        try {
          return { email, start, end: await arrived, id: created.body.id as string, workflow: created.body.workflow as { id: string; runId: string } };
        } catch (error) {
          return { email, start, error: `no download mail: ${(error as Error).message}` };
        }
      }),
    );
    const cpu = cpuCell(cpuBefore, await cpuSplit(shared, stack));
    const done = results.filter((r) => r.end !== undefined);
    for (const r of results) if (r.error) failures.push(`${r.email}: ${r.error}`);
    const latencies = done.map((r) => secondsSince(r.start, r.end)).sort((a, b) => a - b);
    const wall = secondsSince(Math.min(...results.map((r) => r.start)), Math.max(...done.map((r) => r.end as number)));

    // After the clock: every request must read `completed` (the workflow publishes it just after the mail
    // it waits for, so allow it a few seconds); count activities per worker from the histories.
    const identities = new Map(stack.workers.map((w, i) => [String(w.pid), `w${i + 1}`]));
    const perWorker = new Map<string, number>();
    let maxEvents = 0;
    for (const r of done) {
      let view = await stack.api('GET', `/api/requests/${r.id}`);
      for (const until = Date.now() + 10_000; view.body.status === 'processing' && Date.now() < until; ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        view = await stack.api('GET', `/api/requests/${r.id}`);
      }
      if (view.body.status !== 'completed') failures.push(`${r.email}: status ${view.body.status} ${view.body.reason ?? ''}`);
      const history = await requestHistory(shared.client, r.workflow!.id, r.workflow!.runId);
      maxEvents = Math.max(maxEvents, history.maxEvents);
      for (const [identity, n] of history.activitiesBy) {
        const label = identities.get(identity.split('@')[0] ?? '') ?? identity;
        perWorker.set(label, (perWorker.get(label) ?? 0) + n);
      }
    }
    const split = [...perWorker]
      .sort()
      .map(([w, n]) => `${w}: ${n}`)
      .join(', ');
    return {
      failures,
      row: [
        String(count),
        String(workerCount),
        wall.toFixed(2),
        (done.length / wall).toFixed(1),
        percentile(latencies, 50).toFixed(2),
        percentile(latencies, 99).toFixed(2),
        (latencies.at(-1) ?? Number.NaN).toFixed(2),
        String(maxEvents),
        split,
        cpu,
        String(failures.length),
      ],
    };
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const CONCURRENCY_HEADER = [
  'requests',
  'workers',
  'wall s',
  'requests/s',
  'p50 s',
  'p99 s',
  'max s',
  'max history events',
  'activities per worker',
  'CPU s workers / temporal / bench',
  'failures',
];
