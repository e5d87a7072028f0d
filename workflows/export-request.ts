/**
 * The life of one export request, as WordPress's Tools → Export Personal Data
 * runs it, made durable: confirm (request-lifecycle.ts); run every exporter
 * of the manifest snapshot page by page; build the ZIP; hand a durable 3-day
 * deletion timer to a child that outlives this workflow; mail the download
 * link. The request is `completed` at delivery, so a new request for the
 * same person is accepted at once, as in WordPress.
 *
 * Personal data never passes through here beyond the email address: pages go
 * to a staging store on disk and activities return counts and file names.
 *
 * A failed export keeps its staged pages for a retry (`memo.resumeFrom`) and
 * hands their deletion to a child (`failedStagingRetentionMs`, 24 h). A retry
 * takes them over and carries on at the failing exporter's first unstaged
 * page, if the manifest is still the one they were staged with: the request
 * re-reads the manifest (so a fixed plugins.yaml takes effect) and compares
 * digests; a changed manifest, or pages already deleted, means starting over.
 */
import * as wf from '@temporalio/workflow';
import type { PluginSnapshot, ManifestSnapshot } from '../manifest/snapshot.ts';
import {
  type Activities,
  cleanup,
  DEFAULT_BATCH_BUDGET_MS,
  failureReason,
  isStagingLost,
  mail,
  pluginActivities,
  quick,
  type StagingPin,
  stagingActivities,
} from './activity-proxies.ts';
import { cleanupWorkflowId, type Progress, type RequestMemo, stagingCleanupWorkflowId } from '../model/request.ts';
import { type ExportRequestInput, progressQuery } from './definitions.ts';
import { deleteExportLater } from './delete-export.ts';
import { discardStagingLater } from './discard-staging.ts';
import { requestLifecycle } from './request-lifecycle.ts';
import { processorWait } from './processor-wait.ts';
import { exportReview } from './review-export.ts';
import { untilStorageAnswers } from './storage-wait.ts';

/** How long a staging activity waits for the host of the staged pages before they count as lost. */
const STAGING_HOST_TIMEOUT_MS = 120_000;
/** Starting over after lost staged pages more often than this fails the request (hosts dying one after another). */
const MAX_STARTS_OVER = 3;

/** How long a failed export's staged pages wait for a retry by default. */
const FAILED_STAGING_RETENTION_MS = 24 * 60 * 60 * 1000;

/** A reviewer's draft, once the review is over (its staged pages go with the released copy's build, or with the request). */
async function discardDraft(file: string): Promise<void> {
  await cleanup.deleteExport({ file, early: true });
}

export async function exportRequest(input: ExportRequestInput): Promise<RequestMemo> {
  const { requestId, email } = input;
  const lifecycle = requestLifecycle(input, 'export', input.resume?.memo);
  const { memo, publish } = lifecycle;
  let manifest: ManifestSnapshot | undefined = input.resume?.manifest;
  let exporterIndex = input.resume?.exporterIndex ?? 0;
  let page = input.resume?.page ?? 1;
  let items = input.resume?.items ?? 0;
  let batchesThisRun = 0;
  /**
   * The worker host whose disk holds the staged pages (its task queue); null: any worker, one shared disk;
   * undefined: not asked yet. Asked once per request, not once per run: a run's history stays short.
   */
  let stagingQueue: string | null | undefined = input.resume?.stagingQueue;
  const pin = (): StagingPin | undefined =>
    typeof stagingQueue === 'string' ? { taskQueue: stagingQueue, scheduleToStartTimeoutMs: input.stagingHostTimeoutMs ?? STAGING_HOST_TIMEOUT_MS } : undefined;
  /** The staged pages go to whichever worker host takes this first. */
  const claimStagingHost = async () => {
    stagingQueue = await quick.stagingQueue();
  };
  let startedOver = 0;
  const batchBudgetMs = input.batchBudgetMs ?? DEFAULT_BATCH_BUDGET_MS;
  /** Until the ZIP is built, a failure leaves staged pages worth keeping for a retry (a failed build resumes at the build). */
  let stage: 'exporting' | 'built' = 'exporting';
  /** The exporter whose activity gave up, so the reason can name it. */
  let failedExporter: PluginSnapshot | undefined;
  const review = exportReview(memo, publish);
  const processors = processorWait(memo, () => wf.upsertMemo({ record: memo }));
  /** A reviewer's draft while there is one: deleted when the review ends, however it ends. */
  let draftFile: string | undefined = memo.review?.draft?.file;

  wf.setHandler(progressQuery, (): Progress => {
    const exporter = manifest?.exporters[exporterIndex];
    return {
      status: memo.status,
      pluginsTotal: manifest?.exporters.length ?? 0,
      ...(exporter && memo.status === 'processing' ? { plugin: { index: exporter.index, key: exporter.key, name: exporter.name } } : {}),
      page,
      items,
    };
  });

  try {
    if (!(await lifecycle.confirmed())) return memo;

    // The manifest and the staging host scheduled together: their waits overlap instead of adding up.
    const loadingManifest = manifest === undefined && wf.patched('manifest-beside-host') ? quick.loadManifest() : undefined;
    loadingManifest?.catch(() => {}); // its failure is met where it is awaited, not as an unhandled rejection meanwhile
    if (stagingQueue === undefined && wf.patched('staging-host')) await claimStagingHost();
    if (manifest === undefined) {
      manifest = await (loadingManifest ?? quick.loadManifest());
      const failed = input.resumeFromRequest;
      if (failed !== undefined && failed.manifestDigest === manifest.digest) {
        const staged = await stagingActivities(pin()).quick.adoptStaging({ from: failed.requestId, to: requestId, exporterIndex: failed.exporterIndex });
        if (staged.adopted) {
          ({ exporterIndex } = failed);
          ({ page, items } = staged);
          memo.resumedFrom = failed.requestId;
        }
      } else if (failed !== undefined) {
        // Pages staged under another manifest may not line up with this one's exporters.
        await stagingActivities(pin()).quick.discardStaging({ requestId: failed.requestId });
      }
    }
    memo.manifestDigest = manifest.digest;
    // Exporters that may deliver a page later (HTTP 202): the callback endpoint checks their callbacks.
    if (wf.patched('async-exporters')) {
      processors.expect(manifest.exporters.flatMap((e) => (e.source.kind === 'http' ? [{ key: e.key, secret: e.source.secret }] : [])));
    }
    if (memo.status !== 'processing') publish('processing');

    const snapshot = manifest;
    /** Runs every exporter from where the request stands, into the staged pages. */
    const exportAll = async () => {
      for (; exporterIndex < snapshot.exporters.length; exporterIndex++, page = 1) {
        const exporter = snapshot.exporters[exporterIndex] as PluginSnapshot;
        const { exportBatch, acceptExportPage, pollExportPage } = pluginActivities(exporter, input.heartbeatTimeoutMs, batchBudgetMs, pin());
        for (;;) {
          let batch = await exportBatch({
            requestId,
            email,
            exporter,
            manifestDir: snapshot.dir,
            page,
            budgetMs: batchBudgetMs,
            pluginsTotal: snapshot.exporters.length,
            itemsBefore: items,
            expectStaged: exporterIndex > 0 || page > 1,
          }).catch((error: unknown) => {
            failedExporter = exporter;
            throw error;
          });
          items += batch.items;
          page = batch.nextPage;
          batchesThisRun++;
          if (batch.pending) {
            // The exporter took the page for later: wait for it (by callback or by asking again), holding no worker.
            const later = { requestId, email, exporter, manifestDir: snapshot.dir, page };
            const answered = await processors.answer({
              key: exporter.key,
              name: exporter.name,
              rules: exporter.source.kind === 'http' ? exporter.source.async : undefined,
              page,
              pending: batch.pending,
              awaited: { since: new Date().toISOString() },
              poll: (ticket) => pollExportPage({ ...later, ...(ticket ? { ticket } : {}) }),
              accept: (body) => acceptExportPage({ ...later, body }),
            });
            if (answered === undefined) {
              // A copy without its pages would be incomplete: the export fails, its staged pages kept for a retry.
              failedExporter = exporter;
              throw wf.ApplicationFailure.nonRetryable(`${exporter.name} did not deliver page ${page} within its asyncTimeout`, 'PluginUnavailableError');
            }
            batch = answered.result;
            items += batch.items;
            page = batch.nextPage;
          }
          if (batch.done) break;
          await lifecycle.continueAsNewIfDue<ExportRequestInput>(batchesThisRun, () => ({
            ...input,
            resume: { memo, exporterIndex, page, items, manifest: manifest as ManifestSnapshot, ...(stagingQueue !== undefined ? { stagingQueue } : {}) },
          }));
        }
      }
    };
    /** The staged pages went with their host (a dead worker, a wiped disk): every exporter again, on a host that answers. */
    const afterLoss = async (error: unknown) => {
      if (!isStagingLost(error) || startedOver >= MAX_STARTS_OVER) throw error;
      startedOver++;
      failedExporter = undefined;
      exporterIndex = 0;
      page = 1;
      items = 0;
      await claimStagingHost();
      // The host taking over may be the old one, only slow to answer: its pages are dropped, not mixed in.
      await stagingActivities(pin()).quick.discardStaging({ requestId });
    };
    const exportEverything = async () => {
      for (;;) {
        try {
          return await exportAll();
        } catch (error) {
          await afterLoss(error);
        }
      }
    };
    await exportEverything();
    /** Builds on the staging host; if its pages are lost, exports again and builds there. */
    const buildOnHost = async (args: Parameters<Activities['buildExport']>[0]) => {
      const expectStaged = snapshot.exporters.length > 0;
      for (;;) {
        try {
          return await untilStorageAnswers(() => stagingActivities(pin()).heavy.buildExport({ ...args, expectStaged }));
        } catch (error) {
          await afterLoss(error);
          await exportEverything();
        }
      }
    };

    const build = {
      requestId,
      email,
      // What the manifest says is done with the data: the report's section and processing.json.
      processing: {
        ...(manifest.controller ? { controller: manifest.controller } : {}),
        exporters: manifest.exporters.map(({ key, name, processing }) => ({ key, name, ...(processing ? { processing } : {}) })),
      },
      ...(memo.locale ? { locale: memo.locale } : {}),
    };
    if (memo.review) {
      // Reviewed before release: the draft first; the person's copy only once approved, less what was withheld.
      const draft = await buildOnHost({ ...build, draft: true });
      draftFile = draft.file;
      const groups = (draft.inventory ?? []).map(({ group, label, items }) => ({ group, label, items }));
      if (!(await review.decided({ file: draft.file, groups }))) {
        await wf.CancellationScope.nonCancellable(async () => {
          await discardDraft(draft.file);
          await stagingActivities(pin()).quick.discardStaging({ requestId });
        });
        draftFile = undefined;
        return memo;
      }
      publish('processing');
    }
    const built = await buildOnHost({ ...build, withheld: memo.review?.withheld ?? [] });
    if (draftFile !== undefined) {
      await discardDraft(draftFile);
      draftFile = undefined;
    }
    stage = 'built';
    const expiresAt = new Date(Date.now() + input.retentionMs).toISOString();
    // The deletion timer starts before the mail, so the file goes even if delivery fails.
    const startCleanup = () =>
      wf.startChild(deleteExportLater, {
        workflowId: cleanupWorkflowId(requestId),
        args: [{ file: built.file, delayMs: input.retentionMs }],
        parentClosePolicy: 'ABANDON',
        staticSummary: 'Deletes an export file at the end of its retention',
      });
    const download = { file: built.file, bytes: built.bytes, sha256: built.sha256, expiresAt };
    // What was released, to whom, what was held back and who decided: kept after the ZIP is gone, written before the mail.
    const recordRelease = () => untilStorageAnswers(() => quick.writeReleaseRecord({ memo: { ...memo }, withheldItems: built.withheld ?? [] }));
    memo.download = download;
    memo.items = built.items;
    if (wf.patched('release-beside-cleanup')) {
      // The record and the cleanup's start scheduled together: their waits overlap instead of adding up.
      [, memo.receipt] = await Promise.all([startCleanup(), recordRelease()]);
    } else {
      await startCleanup();
      if (wf.patched('release-record')) memo.receipt = await recordRelease();
    }
    if (built.undeclared?.length) memo.undeclared = built.undeclared;
    if (input.sendAsEmail) await mail.sendDownloadMail({ requestId, email, file: built.file, expiresAt, locale: memo.locale });
    memo.completedAt = new Date().toISOString();
    publish('completed');
    return memo;
  } catch (error) {
    if (error instanceof wf.ContinueAsNew) throw error; // not a failure: the next run needs the staged pages
    const cancelled = wf.isCancellation(error);
    const keep = !cancelled && manifest !== undefined && memo.status === 'processing' && stage === 'exporting';
    await wf.CancellationScope.nonCancellable(async () => {
      if (draftFile !== undefined) await discardDraft(draftFile);
      if (!keep)
        return stagingActivities(pin())
          .quick.discardStaging({ requestId })
          .catch(() => {});
      memo.resumeFrom = { exporterIndex, page, items, manifestDigest: (manifest as ManifestSnapshot).digest };
      await wf.startChild(discardStagingLater, {
        workflowId: stagingCleanupWorkflowId(requestId),
        args: [
          { requestId, delayMs: input.failedStagingRetentionMs ?? FAILED_STAGING_RETENTION_MS, ...(typeof stagingQueue === 'string' ? { stagingQueue } : {}) },
        ],
        parentClosePolicy: 'ABANDON',
        staticSummary: 'Deletes the staged pages of a failed export nobody retried',
      });
    });
    publish('failed', cancelled ? 'cancelled' : exporterReason(failedExporter, failureReason(error)));
    throw error;
  }
}

/** What an admin reads: the exporter's message, prefixed with its key and name unless it names it already. */
function exporterReason(exporter: PluginSnapshot | undefined, message: string): string {
  if (exporter === undefined || message.includes(`"${exporter.key}"`)) return message;
  return `exporter "${exporter.key}" (${exporter.name}) failed: ${message}`;
}
