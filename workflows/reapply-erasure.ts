/**
 * A completed erasure run again, for example after a backup was restored:
 * the erasers of today's manifest, page by page as in the request itself
 * (run-erasers.ts), their processors waited for the same way. Erasers are
 * idempotent, so what is still gone counts nothing; what came back is erased
 * and counted. The outcome is kept as a re-application record beside the
 * request's receipt, chained to it by digest; the request itself stays as it
 * closed. Recipients are not told again: a restored backup of ours put
 * nothing back at theirs.
 */
import * as wf from '@temporalio/workflow';
import { recordAudit } from '../model/audit.ts';
import { type EraserOutcome, type Progress, type RequestMemo, reapplyRunId } from '../model/request.ts';
import { DEFAULT_BATCH_BUDGET_MS, quick } from './activity-proxies.ts';
import { progressQuery, type ReapplyErasureInput } from './definitions.ts';
import { processorWait } from './processor-wait.ts';
import { runErasers, summarise } from './run-erasers.ts';

export async function reapplyErasure(input: ReapplyErasureInput): Promise<{ n: number; sha256: string }> {
  const runId = reapplyRunId(input.requestId, input.n);
  // Its memo is what the callback endpoint reads: who may call back, what it waits for.
  const memo: RequestMemo = {
    requestId: runId,
    email: input.email,
    action: 'erase',
    status: 'processing',
    createdAt: new Date().toISOString(),
    sendAsEmail: false,
  };
  recordAudit(memo, input.by, 'reapply', input.reason);
  const save = () => wf.upsertMemo({ record: memo });
  const processors = processorWait(memo, save);
  const outcomes: EraserOutcome[] = [];
  const position = { eraserIndex: 0, page: 1 };
  wf.setHandler(
    progressQuery,
    (): Progress => ({
      status: memo.status,
      pluginsTotal: outcomes.length,
      page: position.page,
      items: outcomes.reduce((sum, outcome) => sum + outcome.removed, 0),
    }),
  );

  const manifest = await quick.loadManifest();
  memo.manifestDigest = manifest.digest;
  processors.expect(manifest.erasers.flatMap((e) => (e.source.kind === 'http' ? [{ key: e.key, secret: e.source.secret }] : [])));
  await runErasers({
    requestId: runId,
    email: input.email,
    dryRun: false,
    manifest,
    heartbeatTimeoutMs: input.heartbeatTimeoutMs,
    batchBudgetMs: input.batchBudgetMs ?? DEFAULT_BATCH_BUDGET_MS,
    processors,
    outcomes,
    position,
    // A re-application is one pass over the erasers: its history stays small enough to need no new run.
    checkpoint: async () => {},
  });
  memo.erasure = summarise(outcomes);
  memo.completedAt = new Date().toISOString();
  memo.status = 'completed';
  save();
  const kept = await quick.writeReapplication({ requestId: input.requestId, n: input.n, previousSha256: input.previousSha256, memo });
  return { n: input.n, sha256: kept.sha256 };
}
