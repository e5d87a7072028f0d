/**
 * The life of one erasure request: confirm (request-lifecycle.ts); run every
 * eraser of the manifest snapshot page by page, summing what each removed
 * and kept, with its reasons; keep a receipt that proves what was done; tell
 * the person, in plain words, what was erased and what was kept and why.
 * Recipients of the data named in plugins.yaml are told of it (GDPR Art. 19)
 * before the receipt is written, so it lists who acknowledged.
 *
 * Erasers are idempotent (plugins/contract.ts), so a retried page or a
 * re-run request erases nothing twice. A dry run asks the erasers that have a
 * plan mode what they would do, and changes nothing.
 */
import * as wf from '@temporalio/workflow';
import type { ManifestSnapshot } from '../manifest/snapshot.ts';
import { DEFAULT_BATCH_BUDGET_MS, failureReason, quick, mail } from './activity-proxies.ts';
import type { EraserOutcome, Progress, RecipientNotice, RequestMemo } from '../model/request.ts';
import { type EraseRequestInput, progressQuery } from './definitions.ts';
import { processorWait } from './processor-wait.ts';
import { requestLifecycle } from './request-lifecycle.ts';
import { runErasers, summarise } from './run-erasers.ts';
import { untilStorageAnswers } from './storage-wait.ts';
import { tellRecipients } from './tell-recipients.ts';

export async function eraseRequest(input: EraseRequestInput): Promise<RequestMemo> {
  const { requestId, email, dryRun } = input;
  const lifecycle = requestLifecycle(input, 'erase', input.resume?.memo);
  const { memo, publish } = lifecycle;
  memo.dryRun = dryRun;
  let manifest: ManifestSnapshot | undefined = input.resume?.manifest;
  const position = { eraserIndex: input.resume?.eraserIndex ?? 0, page: input.resume?.page ?? 1 };
  const outcomes: EraserOutcome[] = input.resume?.outcomes ?? [];
  let batchesThisRun = 0;
  const batchBudgetMs = input.batchBudgetMs ?? DEFAULT_BATCH_BUDGET_MS;
  const save = () => wf.upsertMemo({ record: memo });
  const processors = processorWait(memo, save);

  wf.setHandler(progressQuery, (): Progress => {
    const eraser = manifest?.erasers[position.eraserIndex];
    return {
      status: memo.status,
      pluginsTotal: manifest?.erasers.length ?? 0,
      ...(eraser && memo.status === 'processing' ? { plugin: { index: eraser.index, key: eraser.key, name: eraser.name } } : {}),
      page: position.page,
      items: outcomes.reduce((sum, outcome) => sum + outcome.removed, 0),
    };
  });

  try {
    if (!(await lifecycle.confirmed())) return memo;

    manifest ??= await quick.loadManifest();
    const snapshot = manifest;
    memo.manifestDigest = snapshot.digest;
    const recipients = dryRun ? [] : (snapshot.notify ?? []);
    if (wf.patched('processor-callbacks')) {
      processors.expect([...snapshot.erasers.flatMap((e) => (e.source.kind === 'http' ? [{ key: e.key, secret: e.source.secret }] : [])), ...recipients]);
    }
    if (memo.status !== 'processing') publish('processing');

    await runErasers({
      requestId,
      email,
      dryRun,
      manifest: snapshot,
      heartbeatTimeoutMs: input.heartbeatTimeoutMs,
      batchBudgetMs,
      processors,
      outcomes,
      position,
      checkpoint: () =>
        lifecycle.continueAsNewIfDue<EraseRequestInput>(++batchesThisRun, () => ({
          ...input,
          resume: { memo, manifest: snapshot, eraserIndex: position.eraserIndex, page: position.page, outcomes },
        })),
    });

    memo.erasure = summarise(outcomes);
    // Art. 19: the recipients of the data hear of the erasure; the receipt lists who acknowledged.
    if (recipients.length > 0) {
      const notices: RecipientNotice[] = [];
      memo.erasure.notified = notices;
      await tellRecipients({ requestId, email, recipients, erasedAt: new Date().toISOString(), processors, notices, save });
    }
    memo.completedAt = new Date().toISOString();
    const receipt = await untilStorageAnswers(() => quick.writeErasureReceipt({ memo }));
    memo.receipt = { sha256: receipt.sha256 };
    // A dry run is the admin's plan: the person is told only about a real erasure.
    if (!dryRun) await mail.sendErasureMail({ requestId, email, report: memo.erasure, locale: memo.locale });
    publish('completed');
    return memo;
  } catch (error) {
    if (error instanceof wf.ContinueAsNew) throw error;
    // What already ran is reported as it happened, so nothing erased is ever called kept.
    memo.erasure = { ...summarise(outcomes), ...(memo.erasure?.notified ? { notified: memo.erasure.notified } : {}) };
    publish('failed', wf.isCancellation(error) ? 'cancelled' : failureReason(error));
    throw error;
  }
}
