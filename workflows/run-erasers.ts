/**
 * Every eraser of a manifest snapshot, page by page: what each removed and
 * kept, with its reasons, summed in `outcomes`; a page a processor takes for
 * later is waited for (processor-wait.ts). Shared by an erasure request and
 * its re-applications. `position` says where it is, so a continue-as-new
 * (the `checkpoint`) resumes at the same eraser and page.
 */
import * as wf from '@temporalio/workflow';
import type { EraserSnapshot, ManifestSnapshot } from '../manifest/snapshot.ts';
import type { AwaitedPage, EraseCounts, EraserOutcome, ErasureReport } from '../model/request.ts';
import { keepMessages, type KeptMessages } from '../model/erase-messages.ts';
import { pluginActivities } from './activity-proxies.ts';
import type { ProcessorWait } from './processor-wait.ts';

/** What one erase batch reports, or attaches to its failure: counts, and the messages it kept and omitted. */
type EraseBatchCounts = EraseCounts & KeptMessages;

export interface EraserRun {
  /** The id processors call back with (the request's, or a re-application's) and logs name. */
  requestId: string;
  email: string;
  dryRun: boolean;
  manifest: ManifestSnapshot;
  heartbeatTimeoutMs: number;
  batchBudgetMs: number;
  processors: ProcessorWait;
  /** One per eraser, in order, filled in as they run (kept across continue-as-new). */
  outcomes: EraserOutcome[];
  position: { eraserIndex: number; page: number };
  /** Called after each batch that left pages to do: the caller may continue as new there. */
  checkpoint: () => Promise<void>;
}

export async function runErasers(run: EraserRun): Promise<void> {
  const { requestId, email, dryRun, manifest, outcomes, position } = run;
  for (; position.eraserIndex < manifest.erasers.length; position.eraserIndex++, position.page = 1) {
    const eraser = manifest.erasers[position.eraserIndex] as EraserSnapshot;
    outcomes[position.eraserIndex] ??= newOutcome(eraser);
    const outcome = outcomes[position.eraserIndex] as EraserOutcome;
    if (dryRun && !eraser.supportsDryRun) {
      outcome.skipped = 'it has no plan mode, so a dry run cannot ask it';
      outcome.finishedAt = outcome.startedAt;
      continue;
    }
    const { eraseBatch, pollErasePage, acceptErasePage } = pluginActivities(eraser, run.heartbeatTimeoutMs, run.batchBudgetMs);
    const manifestDir = manifest.dir;
    for (;;) {
      const page = position.page;
      let batch = await eraseBatch({ requestId, email, eraser, manifestDir, page, budgetMs: run.batchBudgetMs, dryRun }).catch((error: unknown) => {
        const partial = partialBatch(error);
        if (partial) addBatch(outcome, partial);
        throw error;
      });
      addBatch(outcome, batch);
      position.page = batch.nextPage;
      if (batch.pending) {
        // The processor took the page for later: wait for its answer, holding no worker.
        const awaited: AwaitedPage = { page: position.page, since: new Date().toISOString() };
        outcome.awaited ??= [];
        outcome.awaited.push(awaited);
        const later = { requestId, email, eraser, manifestDir, page: position.page, dryRun };
        const answered = await run.processors.answer({
          key: eraser.key,
          name: eraser.name,
          rules: eraser.source.kind === 'http' ? eraser.source.async : undefined,
          page: position.page,
          pending: batch.pending,
          awaited,
          poll: (ticket) => pollErasePage({ ...later, ...(ticket ? { ticket } : {}) }),
          accept: (body) => acceptErasePage({ ...later, body }),
        });
        if (answered === undefined) {
          // Never silently done: its time ran out, so the erasure says this processor did not confirm.
          awaited.notConfirmed = true;
          outcome.messages.push(`${eraser.name} did not confirm the erasure (no answer by ${awaited.until ?? 'its deadline'}).`);
          break;
        }
        awaited.answeredAt = new Date().toISOString();
        awaited.via = answered.via;
        batch = answered.result;
        addBatch(outcome, batch);
        if (batch.receipt) {
          outcome.receipts ??= [];
          outcome.receipts.push(batch.receipt);
        }
        position.page = batch.nextPage;
      }
      if (batch.done) break;
      await run.checkpoint();
    }
    outcome.finishedAt = new Date().toISOString();
  }
}

export function summarise(outcomes: EraserOutcome[]): ErasureReport {
  return {
    erasers: outcomes,
    totals: {
      itemsRemoved: outcomes.some((o) => o.itemsRemoved),
      itemsRetained: outcomes.some((o) => o.itemsRetained),
      removed: outcomes.reduce((sum, o) => sum + o.removed, 0),
      retained: outcomes.reduce((sum, o) => sum + o.retained, 0),
    },
  };
}

function newOutcome(eraser: EraserSnapshot): EraserOutcome {
  return {
    key: eraser.key,
    name: eraser.name,
    pages: 0,
    itemsRemoved: false,
    itemsRetained: false,
    removed: 0,
    retained: 0,
    messages: [],
    startedAt: new Date().toISOString(),
  };
}

function addBatch(outcome: EraserOutcome, batch: EraseBatchCounts): void {
  outcome.pages += batch.pages;
  outcome.itemsRemoved ||= batch.itemsRemoved;
  outcome.itemsRetained ||= batch.itemsRetained;
  outcome.removed += batch.removed;
  outcome.retained += batch.retained;
  keepMessages(outcome, batch.messages);
  if (batch.messagesOmitted) outcome.messagesOmitted = (outcome.messagesOmitted ?? 0) + batch.messagesOmitted;
}

/** The counts a failed erase batch attached to its failure: the pages it did before failing. */
function partialBatch(error: unknown): EraseBatchCounts | undefined {
  if (!(error instanceof wf.ActivityFailure) || !(error.cause instanceof wf.ApplicationFailure)) return undefined;
  const [details] = error.cause.details ?? [];
  return details && typeof details === 'object' && 'removed' in details ? (details as EraseBatchCounts) : undefined;
}
