/**
 * The life of one erasure request: confirm (request-lifecycle.ts); run every
 * eraser of the manifest snapshot page by page, summing what each removed
 * and kept, with its reasons; keep a receipt that proves what was done; tell
 * the person, in plain words, what was erased and what was kept and why.
 *
 * Erasers are idempotent (plugins/contract.ts), so a retried page or a
 * re-run request erases nothing twice. A dry run asks the erasers that have a
 * plan mode what they would do, and changes nothing.
 */
import * as wf from '@temporalio/workflow';
import type { EraserSnapshot, ManifestSnapshot } from '../manifest/snapshot.ts';
import { DEFAULT_BATCH_BUDGET_MS, failureReason, quick, mail, pluginActivities } from './activity-proxies.ts';
import type { AwaitedPage, EraseCounts, EraserOutcome, ErasureReport, Progress, RequestMemo } from '../model/request.ts';
import { type EraseRequestInput, progressQuery } from './definitions.ts';
import { keepMessages, type KeptMessages } from '../model/erase-messages.ts';
import { processorWait } from './processor-wait.ts';
import { requestLifecycle } from './request-lifecycle.ts';

/** What one erase batch reports, or attaches to its failure: counts, and the messages it kept and omitted. */
type EraseBatchCounts = EraseCounts & KeptMessages;

export async function eraseRequest(input: EraseRequestInput): Promise<RequestMemo> {
  const { requestId, email, dryRun } = input;
  const lifecycle = requestLifecycle(input, 'erase', input.resume?.memo);
  const { memo, publish } = lifecycle;
  memo.dryRun = dryRun;
  let manifest: ManifestSnapshot | undefined = input.resume?.manifest;
  let eraserIndex = input.resume?.eraserIndex ?? 0;
  let page = input.resume?.page ?? 1;
  const outcomes: EraserOutcome[] = input.resume?.outcomes ?? [];
  let batchesThisRun = 0;
  const batchBudgetMs = input.batchBudgetMs ?? DEFAULT_BATCH_BUDGET_MS;
  const processors = processorWait(memo, () => wf.upsertMemo({ record: memo }));

  wf.setHandler(progressQuery, (): Progress => {
    const eraser = manifest?.erasers[eraserIndex];
    return {
      status: memo.status,
      pluginsTotal: manifest?.erasers.length ?? 0,
      ...(eraser && memo.status === 'processing' ? { plugin: { index: eraser.index, key: eraser.key, name: eraser.name } } : {}),
      page,
      items: outcomes.reduce((sum, outcome) => sum + outcome.removed, 0),
    };
  });

  try {
    if (!(await lifecycle.confirmed())) return memo;

    manifest ??= await quick.loadManifest();
    memo.manifestDigest = manifest.digest;
    if (wf.patched('processor-callbacks')) processors.expect(manifest.erasers);
    if (memo.status !== 'processing') publish('processing');

    for (; eraserIndex < manifest.erasers.length; eraserIndex++, page = 1) {
      const eraser = manifest.erasers[eraserIndex] as EraserSnapshot;
      outcomes[eraserIndex] ??= newOutcome(eraser);
      const outcome = outcomes[eraserIndex] as EraserOutcome;
      if (dryRun && !eraser.supportsDryRun) {
        outcome.skipped = 'it has no plan mode, so a dry run cannot ask it';
        outcome.finishedAt = outcome.startedAt;
        continue;
      }
      const { eraseBatch, pollErasePage, acceptErasePage } = pluginActivities(eraser, input.heartbeatTimeoutMs, batchBudgetMs);
      const manifestDir = manifest.dir;
      for (;;) {
        let batch = await eraseBatch({ requestId, email, eraser, manifestDir, page, budgetMs: batchBudgetMs, dryRun }).catch((error: unknown) => {
          const partial = partialBatch(error);
          if (partial) addBatch(outcome, partial);
          throw error;
        });
        addBatch(outcome, batch);
        page = batch.nextPage;
        batchesThisRun++;
        if (batch.pending) {
          // The processor took the page for later: wait for its answer, holding no worker.
          const awaited: AwaitedPage = { page, since: new Date().toISOString() };
          outcome.awaited ??= [];
          outcome.awaited.push(awaited);
          const later = { requestId, email, eraser, manifestDir, page, dryRun };
          const answered = await processors.answer({
            eraser,
            page,
            pending: batch.pending,
            awaited,
            poll: (ticket) => pollErasePage({ ...later, ...(ticket ? { ticket } : {}) }),
            accept: (body) => acceptErasePage({ ...later, body }),
          });
          if (answered === undefined) {
            // Never silently done: its time ran out, so the erasure says this processor did not confirm.
            outcome.messages.push(`${eraser.name} did not confirm the erasure (no answer by ${awaited.until ?? 'its deadline'}).`);
            break;
          }
          batch = answered;
          addBatch(outcome, batch);
          if (batch.receipt) {
            outcome.receipts ??= [];
            outcome.receipts.push(batch.receipt);
          }
          page = batch.nextPage;
        }
        if (batch.done) break;
        await lifecycle.continueAsNewIfDue<EraseRequestInput>(batchesThisRun, () => ({
          ...input,
          resume: { memo, manifest: manifest as ManifestSnapshot, eraserIndex, page, outcomes },
        }));
      }
      outcome.finishedAt = new Date().toISOString();
    }

    memo.erasure = summarise(outcomes);
    memo.completedAt = new Date().toISOString();
    const receipt = await quick.writeErasureReceipt({ memo });
    memo.receipt = { sha256: receipt.sha256 };
    // A dry run is the admin's plan: the person is told only about a real erasure.
    if (!dryRun) await mail.sendErasureMail({ requestId, email, report: memo.erasure, locale: memo.locale });
    publish('completed');
    return memo;
  } catch (error) {
    if (error instanceof wf.ContinueAsNew) throw error;
    // What already ran is reported as it happened, so nothing erased is ever called kept.
    memo.erasure = summarise(outcomes);
    publish('failed', wf.isCancellation(error) ? 'cancelled' : failureReason(error));
    throw error;
  }
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

function summarise(outcomes: EraserOutcome[]): ErasureReport {
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
