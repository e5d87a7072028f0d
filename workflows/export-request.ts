/**
 * The life of one export request, as WordPress's Tools → Export Personal Data
 * runs it, made durable: mail a confirmation link and wait for the click (or
 * an admin's force) until the key expires; run every exporter of the manifest
 * snapshot page by page; build the ZIP; hand a durable 3-day deletion timer
 * to a child that outlives this workflow; mail the download link. The request
 * is `completed` at delivery, so a new request for the same person is
 * accepted at once, as in WordPress.
 *
 * Personal data never passes through here beyond the email address: pages go
 * to a staging store on disk and activities return counts and file names.
 */
import * as wf from '@temporalio/workflow';
import type { createActivities } from '../activities/index.ts';
import { NON_RETRYABLE_ERROR_TYPES } from '../lib/errors.ts';
import type { ExporterSnapshot, ManifestSnapshot } from '../manifest/snapshot.ts';
import {
  cleanupWorkflowId,
  confirmSignal,
  DsrStatus,
  type ExportRequestInput,
  type Progress,
  progressQuery,
  type RequestMemo,
  type RequestStatus,
  resendSignal,
} from './definitions.ts';
import { deleteExportLater } from './delete-export.ts';

type Activities = ReturnType<typeof createActivities>;

const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

/** Mail waits out an SMTP outage with backoff; a permanent refusal fails at once. */
const mail = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '2d',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes },
});

const local = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes },
});

/** Building a ZIP of a million items takes minutes; a dead worker is noticed by its heartbeat. */
const report = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes },
});

/** Time one exporter activity may spend draining pages before reporting progress. */
const DEFAULT_BATCH_BUDGET_MS = 10_000;

export async function exportRequest(input: ExportRequestInput): Promise<RequestMemo> {
  const { requestId, email } = input;
  const memo: RequestMemo = input.resume?.memo ?? {
    requestId,
    email,
    action: 'export',
    status: 'pending',
    createdAt: input.createdAt,
    sendAsEmail: input.sendAsEmail,
  };
  let manifest: ManifestSnapshot | undefined = input.resume?.manifest;
  let exporterIndex = input.resume?.exporterIndex ?? 0;
  let page = input.resume?.page ?? 1;
  let items = input.resume?.items ?? 0;
  let linkGeneration = 0;
  let batchesThisRun = 0;
  const batchBudgetMs = input.batchBudgetMs ?? DEFAULT_BATCH_BUDGET_MS;

  const publish = (status: RequestStatus, reason?: string): void => {
    memo.status = status;
    if (reason !== undefined) memo.reason = reason;
    wf.upsertMemo({ record: memo });
    wf.upsertSearchAttributes([{ key: DsrStatus, value: status }]);
  };

  wf.setHandler(confirmSignal, ({ keyHash, force }) => {
    if (memo.status !== 'pending') return; // repeat clicks and late links change nothing
    const keyValid = keyHash !== undefined && keyHash === memo.keyHash && Date.now() < Date.parse(memo.keyExpiresAt ?? '');
    if (force !== true && !keyValid) return;
    memo.confirmedAt = new Date().toISOString();
    publish('confirmed');
  });
  wf.setHandler(resendSignal, () => {
    if (memo.status === 'pending') linkGeneration++;
  });
  wf.setHandler(progressQuery, (): Progress => {
    const exporter = manifest?.exporters[exporterIndex];
    return {
      status: memo.status,
      exportersTotal: manifest?.exporters.length ?? 0,
      ...(exporter && memo.status === 'processing' ? { exporter: { index: exporter.index, key: exporter.key, name: exporter.name } } : {}),
      page,
      items,
    };
  });

  try {
    if (input.resume) {
      publish(memo.status); // continue-as-new starts with a fresh memo
    } else if (input.skipConfirmation) {
      memo.confirmedAt = new Date().toISOString();
      publish('confirmed');
    } else {
      while (memo.status === 'pending') {
        const generation = linkGeneration;
        const expiresAt = new Date(Date.now() + input.confirmTtlMs).toISOString();
        memo.keyHash = await local.confirmationKeyHash({ requestId, generation });
        memo.keyExpiresAt = expiresAt;
        publish(memo.status);
        await mail.sendConfirmationMail({ requestId, email, action: 'export', generation, expiresAt });
        const settled = await wf.condition(
          () => memo.status !== 'pending' || linkGeneration !== generation,
          Date.parse(expiresAt) - Date.now(),
        );
        if (!settled) {
          delete memo.keyHash; // an expired key can never confirm, as WordPress clears it
          publish('failed', 'expired');
          return memo;
        }
      }
    }

    manifest ??= await local.loadManifest();
    memo.manifestDigest = manifest.digest;
    if (memo.status !== 'processing') publish('processing');

    for (; exporterIndex < manifest.exporters.length; exporterIndex++, page = 1) {
      const exporter = manifest.exporters[exporterIndex] as ExporterSnapshot;
      const { exportBatch } = exporterActivities(exporter, input.heartbeatTimeoutMs, batchBudgetMs);
      for (;;) {
        const batch = await exportBatch({ requestId, email, exporter, manifestDir: manifest.dir, page, budgetMs: batchBudgetMs });
        items += batch.items;
        page = batch.nextPage;
        batchesThisRun++;
        if (batch.done) break;
        // A history stays small however many pages: a fresh run carries on where this one stopped.
        if (wf.workflowInfo().continueAsNewSuggested || batchesThisRun === input.batchesPerRun) {
          await wf.condition(wf.allHandlersFinished);
          const continueAsNew = wf.makeContinueAsNewFunc<typeof exportRequest>({
            memo: { record: memo },
            typedSearchAttributes: wf.workflowInfo().typedSearchAttributes,
          });
          await continueAsNew({ ...input, resume: { memo, exporterIndex, page, items, manifest } });
        }
      }
    }

    const built = await report.buildExport({ requestId, email });
    const expiresAt = new Date(Date.now() + input.retentionMs).toISOString();
    // The deletion timer starts before the mail, so the file goes even if delivery fails.
    await wf.startChild(deleteExportLater, {
      workflowId: cleanupWorkflowId(requestId),
      args: [{ file: built.file, delayMs: input.retentionMs }],
      parentClosePolicy: 'ABANDON',
      staticSummary: 'Deletes an export file at the end of its retention',
    });
    memo.download = { file: built.file, bytes: built.bytes, sha256: built.sha256, expiresAt };
    memo.items = built.items;
    if (input.sendAsEmail) await mail.sendDownloadMail({ requestId, email, file: built.file, expiresAt });
    memo.completedAt = new Date().toISOString();
    publish('completed');
    return memo;
  } catch (error) {
    if (error instanceof wf.ContinueAsNew) throw error; // not a failure: the next run needs the staged pages
    const cancelled = wf.isCancellation(error);
    await wf.CancellationScope.nonCancellable(() => local.discardStaging({ requestId }));
    publish('failed', cancelled ? 'cancelled' : failureReason(error));
    throw error;
  }
}

/** Activity options from the exporter's manifest entry: its own timeout and retry policy. */
function exporterActivities(exporter: ExporterSnapshot, heartbeatTimeoutMs: number, batchBudgetMs: number) {
  return wf.proxyActivities<Activities>({
    startToCloseTimeout: batchBudgetMs + 2 * exporter.timeoutMs,
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: {
      maximumAttempts: exporter.retry.maxAttempts,
      initialInterval: exporter.retry.initialIntervalMs,
      maximumInterval: exporter.retry.maxIntervalMs,
      backoffCoefficient: 2,
      nonRetryableErrorTypes,
    },
    summary: `exporter ${exporter.key}`,
  });
}

/** The innermost message of a failure chain: what the plugin or mail server said. */
function failureReason(error: unknown): string {
  let current: unknown = error;
  while (current instanceof wf.TemporalFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}
