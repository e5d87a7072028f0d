/**
 * `--erase N`: one person with N comments in a fresh demo database, an
 * erasure request through the real stack with the demo comments eraser
 * alone, timed from the click on the confirmation link to `completed`.
 * Then checked against the database itself, not only against what the
 * request reports: no row may still carry the person's email, and the
 * reported count (request view and receipt) must be N.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDemoDb } from '../plugins/demo/schema.ts';
import { seedDemoData, seedManyComments } from '../plugins/demo/seed.ts';
import { confirmAndFollow, requestHistory, type Shared, startStack, writeCommentsEraserManifest } from './stack.ts';

export interface EraseResult {
  row: string[];
  /** What did not add up, one sentence each; empty when the erasure is exact. */
  problems: string[];
}

export const ERASE_HEADER = [
  'items',
  'wall s',
  'items/s',
  'worker RSS during erasure MB',
  'worker peak RSS MB',
  'items removed (reported)',
  'rows left with the email',
  'max history events (runs)',
  'CPU s worker / temporal / bench',
];

/**
 * Erases `size` comments of `email` through the real stack and checks the result.
 *
 * @throws {Error} If the request cannot be created or the worker dies.
 */
export async function runErase(shared: Shared, email: string, size: number): Promise<EraseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-bench-erase-'));
  const dbPath = join(dir, 'demo.sqlite');
  const db = openDemoDb(dbPath);
  seedDemoData(db);
  seedManyComments(db, email, size);
  const before = { carrying: _rowsWithEmail(db, email), comments: _commentCount(db) };
  db.close();
  const stack = await startStack(shared, { dir, manifest: await writeCommentsEraserManifest(dir, dbPath), workers: 1 });
  const problems: string[] = [];
  try {
    const created = await stack.api('POST', '/api/requests', { email, action: 'erase' });
    if (created.status !== 201) throw new Error(`erase request refused: ${created.status} ${JSON.stringify(created.body)}`);
    const { view, seconds, rssDuringMb, peakRssMb, cpu } = await confirmAndFollow(shared, stack, created.body.id);
    const receipt = view.status === 'completed' ? (await stack.api('GET', `/api/requests/${created.body.id}/receipt`)).body : undefined;
    await stack.close(); // the worker lets go of the database before it is read
    const history = await requestHistory(shared.client, created.body.workflow.id, created.body.workflow.runId);

    const after = openDemoDb(dbPath);
    const left = _rowsWithEmail(after, email);
    const comments = _commentCount(after);
    after.close();

    const reported: number | undefined = view.erasure?.totals?.removed;
    if (view.status !== 'completed') problems.push(`erasure of ${size} ended ${view.status}: ${view.reason}`);
    if (before.carrying !== size) problems.push(`${size} comments seeded, but ${before.carrying} rows carried the email before the erasure`);
    if (left !== 0) problems.push(`${left} of ${size} rows still carry the email after the erasure`);
    if (reported !== size) problems.push(`${size} comments seeded, the request reports ${reported} removed`);
    if (receipt && receipt.receipt?.totals?.removed !== size)
      problems.push(`${size} comments seeded, the receipt says ${receipt.receipt?.totals?.removed} removed`);
    if (comments !== before.comments) problems.push(`${before.comments - comments} comments deleted, but the eraser should only anonymise them`);
    return {
      problems,
      row: [
        String(size),
        seconds.toFixed(2),
        Math.round(size / seconds).toString(),
        rssDuringMb.toFixed(0),
        peakRssMb.toFixed(0),
        String(reported ?? '-'),
        String(left),
        `${history.maxEvents} (${history.runs})`,
        cpu,
      ],
    };
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Rows of any table with the email anywhere in any column, in any case: what an erasure must leave none of. */
function _rowsWithEmail(db: Database, email: string): number {
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const tables = db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all();
  let rows = 0;
  for (const table of tables) {
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${quote(table.name)})`).all();
    const where = columns.map((c) => `instr(lower(CAST(${quote(c.name)} AS TEXT)), ?) > 0`).join(' OR ');
    const count = db.prepare<string[], { n: number }>(`SELECT count(*) AS n FROM ${quote(table.name)} WHERE ${where}`);
    rows += count.get(...columns.map(() => email.toLowerCase()))?.n ?? 0;
  }
  return rows;
}

function _commentCount(db: Database): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM comments').get()?.n ?? 0;
}
