/**
 * The life of one export request, as WordPress's Tools → Export Personal Data
 * runs it, made durable: confirm (request-lifecycle.ts); run every exporter
 * of the manifest snapshot page by page; build the ZIP; hand a durable 3-day
 * deletion timer to a workflow that outlives this one (delete-export.ts);
 * mail the download link. A small export does all of it from the
 * confirmation on in one workflow task, as local activities. The request is
 * `completed` at delivery, so a new request for the same person is accepted
 * at once, as in WordPress.
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
import type { BuiltExport } from '../activities/export-files.ts';
import {
  type Activities,
  cleanup,
  DEFAULT_BATCH_BUDGET_MS,
  failureReason,
  isStagingLost,
  local,
  localAtOnce,
  localMail,
  localMailShown,
  mail,
  pluginActivities,
  quick,
  type StagingPin,
  stagingActivities,
} from './activity-proxies.ts';
import { cleanupWorkflowId, type ExporterPosition, type Progress, type RequestMemo, stagingCleanupWorkflowId } from '../model/request.ts';
import { type ExportRequestInput, progressQuery } from './definitions.ts';
import { deleteExportLater } from './delete-export.ts';
import { discardStagingLater } from './discard-staging.ts';
import { requestLifecycle } from './request-lifecycle.ts';
import { sideBySide } from './side-by-side.ts';
import { processorWait } from './processor-wait.ts';
import { exportReview } from './review-export.ts';
import { untilStorageAnswers } from './storage-wait.ts';

/** How long a staging activity waits for the host of the staged pages before they count as lost. */
const STAGING_HOST_TIMEOUT_MS = 120_000;
/** Starting over after lost staged pages more often than this fails the request (hosts dying one after another). */
const MAX_STARTS_OVER = 3;

/** Time a small export's exporters get in one activity before the rest goes batch by batch (activities/export-at-once.ts). */
const AT_ONCE_BUDGET_MS = 2_000;
/**
 * The same, run within the workflow task: what the request shows (its status, a confirmation's
 * effect) waits for the task's end, so the task is kept short. Most people's data takes far less.
 */
const IN_TASK_BUDGET_MS = 500;

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
  /** Where each exporter stands; filled once the manifest is known. */
  let positions: ExporterPosition[] = manifest && input.resume ? positionsOf(input.resume, manifest.exporters.length) : [];
  let items = input.resume?.items ?? 0;
  let batchesThisRun = 0;
  /** The history is due to continue as new: exporters stop at their next batch's end. */
  let pausing = false;
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

  /** The exporters at work now (their manifest positions). */
  const atWork = new Set<number>();
  wf.setHandler(progressQuery, (): Progress => {
    const { page } = firstOpen(positions);
    const running = [...atWork]
      .sort((a, b) => a - b)
      .flatMap((index) => {
        const exporter = manifest?.exporters[index];
        return exporter ? [{ index, key: exporter.key, name: exporter.name, page: (positions[index] as ExporterPosition).page }] : [];
      });
    return {
      status: memo.status,
      pluginsTotal: manifest?.exporters.length ?? 0,
      pluginsDone: positions.filter((position) => position.done).length,
      ...(memo.status === 'processing' && running.length ? { running } : {}),
      page,
      items,
    };
  });

  try {
    if (!(await lifecycle.confirmed())) return memo;

    /** Quick steps as local activities, a small export in one activity, exporters side by side (histories recorded before replay as they ran). */
    const fast = wf.patched('small-export-fast');
    /** A fresh manifest snapshot: every exporter from its first page, or from where the failed request this retries stopped. */
    const takeOver = async (loaded: ManifestSnapshot) => {
      manifest = loaded;
      positions = freshPositions(loaded.exporters.length);
      const failed = input.resumeFromRequest;
      if (failed !== undefined && failed.manifestDigest === manifest.digest) {
        const staged = await stagingActivities(pin()).quick.adoptStaging({ from: failed.requestId, to: requestId, exporterIndex: failed.exporterIndex });
        if (staged.adopted) {
          // Points recorded before exporters ran side by side: the failing exporter resumes after its last staged page.
          positions = failed.exporters ?? positionsOf({ ...failed, page: staged.page }, manifest.exporters.length);
          ({ items } = staged);
          memo.resumedFrom = failed.requestId;
        }
      } else if (failed !== undefined) {
        // Pages staged under another manifest may not line up with this one's exporters.
        await stagingActivities(pin()).quick.discardStaging({ requestId: failed.requestId });
      }
    };
    if (fast) {
      // The manifest and the staging host (this worker's) read side by side, within this workflow task.
      const [loaded, queue] = await Promise.all([manifest ?? local.loadManifest(), stagingQueue === undefined ? local.stagingQueue() : stagingQueue]);
      stagingQueue = queue;
      if (manifest === undefined) await takeOver(loaded);
    } else {
      // The manifest and the staging host scheduled together: their waits overlap instead of adding up.
      const loadingManifest = manifest === undefined && wf.patched('manifest-beside-host') ? quick.loadManifest() : undefined;
      loadingManifest?.catch(() => {}); // its failure is met where it is awaited, not as an unhandled rejection meanwhile
      if (stagingQueue === undefined && wf.patched('staging-host')) await claimStagingHost();
      if (manifest === undefined) await takeOver(await (loadingManifest ?? quick.loadManifest()));
    }
    if (manifest === undefined) throw new Error('unreachable: the manifest is loaded above'); // narrows for the type checker
    memo.manifestDigest = manifest.digest;
    // Exporters that may deliver a page later (HTTP 202): the callback endpoint checks their callbacks.
    if (fast || wf.patched('async-exporters')) {
      processors.expect(manifest.exporters.flatMap((e) => (e.source.kind === 'http' ? [{ key: e.key, secret: e.source.secret }] : [])));
    }
    if (memo.status !== 'processing') publish('processing');

    const snapshot = manifest;
    /** Exporters whose first attempt at their page failed in the small export's one activity. */
    const firstAttemptSpent = new Set<number>();
    /** Runs one exporter from where it stands until it is done, or the history is due to continue as new. */
    const runExporter = async (exporter: PluginSnapshot): Promise<void> => {
      const position = positions[exporter.index] as ExporterPosition;
      const { exportBatch, acceptExportPage, pollExportPage } = pluginActivities(exporter, input.heartbeatTimeoutMs, batchBudgetMs, pin());
      let attemptsBefore = 0;
      if (firstAttemptSpent.delete(exporter.index)) {
        // Its first attempt failed in the one activity: the rest of its attempts, after the plugin's first interval.
        attemptsBefore = 1;
        await wf.sleep(exporter.retry.initialIntervalMs);
      }
      const failing = (error: unknown): never => {
        atWork.delete(exporter.index);
        if (!wf.isCancellation(error)) failedExporter ??= exporter; // not one cancelled because another failed
        throw error;
      };
      atWork.add(exporter.index);
      while (!position.done && !pausing) {
        const retried = attemptsBefore ? pluginActivities(exporter, input.heartbeatTimeoutMs, batchBudgetMs, pin(), attemptsBefore) : undefined;
        let batch = await (retried?.exportBatch ?? exportBatch)({
          requestId,
          email,
          exporter,
          manifestDir: snapshot.dir,
          page: position.page,
          budgetMs: batchBudgetMs,
          pluginsTotal: snapshot.exporters.length,
          itemsBefore: items,
          pluginsDone: positions.filter((p) => p.done).length,
          ...(attemptsBefore ? { attemptsBefore } : {}),
          expectStaged: positions.some((p) => p.done || p.page > 1),
        }).catch(failing);
        attemptsBefore = 0;
        items += batch.items;
        position.page = batch.nextPage;
        batchesThisRun++;
        if (batch.pending) {
          // The exporter took the page for later: wait for it (by callback or by asking again), holding no worker.
          const later = { requestId, email, exporter, manifestDir: snapshot.dir, page: position.page };
          const answered = await processors
            .answer({
              key: exporter.key,
              name: exporter.name,
              rules: exporter.source.kind === 'http' ? exporter.source.async : undefined,
              page: position.page,
              pending: batch.pending,
              awaited: { since: new Date().toISOString() },
              poll: (ticket) => pollExportPage({ ...later, ...(ticket ? { ticket } : {}) }),
              accept: (body) => acceptExportPage({ ...later, body }),
            })
            .catch(failing);
          if (answered === undefined) {
            // A copy without its pages would be incomplete: the export fails, its staged pages kept for a retry.
            failing(
              wf.ApplicationFailure.nonRetryable(`${exporter.name} did not deliver page ${position.page} within its asyncTimeout`, 'PluginUnavailableError'),
            );
            return;
          }
          batch = answered.result;
          items += batch.items;
          position.page = batch.nextPage;
        }
        position.done = batch.done;
        // Histories recorded one exporter at a time continued at exactly batchesPerRun; side by side, from it on.
        if (!batch.done && lifecycle.continueAsNewDue(batchesThisRun, fast)) pausing = true;
      }
      atWork.delete(exporter.index);
    };
    /**
     * Runs every exporter from where the request stands, into the staged pages, `concurrency` side by
     * side (staging keys pages by exporter and page, so the report merges as a sequential run's would).
     */
    const exportAll = async () => {
      // Histories recorded before exporters ran side by side replay one exporter after the other.
      const limit = fast ? (snapshot.concurrency ?? 1) : 1;
      const open = snapshot.exporters.filter((exporter) => !(positions[exporter.index] as ExporterPosition).done);
      await sideBySide(open, limit, runExporter, () => !pausing);
      if (pausing) {
        await lifecycle.continueAsNew<ExportRequestInput>(() => ({
          ...input,
          resume: {
            memo,
            exporters: positions,
            ...firstOpen(positions),
            items,
            manifest: snapshot,
            ...(stagingQueue !== undefined ? { stagingQueue } : {}),
          },
        }));
      }
    };
    /** The staged pages went with their host (a dead worker, a wiped disk): every exporter again, on a host that answers. */
    const afterLoss = async (error: unknown) => {
      if (!isStagingLost(error) || startedOver >= MAX_STARTS_OVER) throw error;
      startedOver++;
      failedExporter = undefined;
      positions = freshPositions(snapshot.exporters.length);
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
    /**
     * A request with nothing staged yet and no review: its exporters and build in one activity
     * (activities/export-at-once.ts). What that leaves undone, the regular path does.
     */
    const atOnce = async (inTask: boolean): Promise<BuiltExport | undefined> => {
      const first = await (inTask ? localAtOnce : stagingActivities(pin(), input.heartbeatTimeoutMs).atOnce)
        .exportAtOnce({
          requestId,
          email,
          manifest: { dir: snapshot.dir, exporters: snapshot.exporters, ...(snapshot.concurrency ? { concurrency: snapshot.concurrency } : {}) },
          // Never more than a batch's budget: a plugin activity reports progress at least that often.
          budgetMs: Math.min(inTask ? IN_TASK_BUDGET_MS : AT_ONCE_BUDGET_MS, batchBudgetMs),
          build: { processing: build.processing, ...(build.locale ? { locale: build.locale } : {}) },
        })
        .catch((error: unknown) => {
          if (wf.isCancellation(error)) throw error;
          return undefined; // a lost worker or host: the regular path goes on from where the request stood
        });
      if (first === undefined) return undefined;
      // Run within the workflow task, by whichever worker ran it: what it left staged is on that host.
      if (inTask) stagingQueue = first.host;
      positions = first.positions;
      items = first.items;
      // What the exporter's batch would have failed with: no retry mends it, so its page is not called again.
      const final =
        first.failed ?? first.firstAttemptFailed?.find(({ exporterIndex }) => (snapshot.exporters[exporterIndex] as PluginSnapshot).retry.maxAttempts <= 1);
      if (final) {
        failedExporter = snapshot.exporters[final.exporterIndex];
        throw wf.ApplicationFailure.nonRetryable(final.message, final.type);
      }
      for (const { exporterIndex } of first.firstAttemptFailed ?? []) firstAttemptSpent.add(exporterIndex);
      return first.built;
    };
    /** The regular path: every exporter batch by batch, then the build (a draft and the review first, if asked). */
    const exportAndBuild = async (): Promise<BuiltExport | undefined> => {
      await exportEverything();
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
          return undefined;
        }
        publish('processing');
      }
      const copy = await buildOnHost({ ...build, withheld: memo.review?.withheld ?? [] });
      if (draftFile !== undefined) {
        await discardDraft(draftFile);
        draftFile = undefined;
      }
      return copy;
    };
    const fresh = memo.resumedFrom === undefined && positions.every((position) => !position.done && position.page === 1);
    // Only http exporters (whose pages may come later, by callback): the one activity would have nothing to do.
    const onlyRemote = snapshot.exporters.length > 0 && snapshot.exporters.every((exporter) => exporter.source.kind === 'http');
    const small = fast && fresh && !memo.review && !onlyRemote;
    /**
     * The one activity within this workflow task, so a small export goes from the confirmation to the
     * mail in one task. What it changes shows when the task ends: `confirmed` and `processing` are not
     * seen for the half second at most its exporters get, plus the ZIP's build (WordPress's requests
     * go from confirmed to completed, with no state between).
     */
    const inTask = small && wf.patched('small-export-in-task');
    const built = (small ? await atOnce(inTask) : undefined) ?? (await exportAndBuild());
    if (built === undefined) return memo; // the reviewer rejected it
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
    const recordRelease = () =>
      untilStorageAnswers(() => (fast ? local : quick).writeReleaseRecord({ memo: { ...memo }, withheldItems: built.withheld ?? [] }));
    memo.download = download;
    memo.items = built.items;
    if (fast && wf.patched('deletion-by-activity')) {
      // The deletion's workflow started by a local activity, not as a child: no wait for the server to say it started,
      // so the record, the deletion's start and the mail take one workflow task.
      [, memo.receipt] = await Promise.all([local.scheduleExportDeletion({ requestId, file: built.file, delayMs: input.retentionMs }), recordRelease()]);
    } else if (fast || wf.patched('release-beside-cleanup')) {
      // The record and the cleanup's start scheduled together: their waits overlap instead of adding up.
      [, memo.receipt] = await Promise.all([startCleanup(), recordRelease()]);
    } else {
      await startCleanup();
      if (wf.patched('release-record')) memo.receipt = await recordRelease();
    }
    if (built.undeclared?.length) memo.undeclared = built.undeclared;
    if (input.sendAsEmail)
      await (inTask ? localMailShown : fast ? localMail : mail).sendDownloadMail({ requestId, email, file: built.file, expiresAt, locale: memo.locale });
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
      memo.resumeFrom = { exporters: positions, ...firstOpen(positions), items, manifestDigest: (manifest as ManifestSnapshot).digest };
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

/** Every exporter at its first page. */
function freshPositions(exporters: number): ExporterPosition[] {
  return Array.from({ length: exporters }, () => ({ page: 1, done: false }));
}

/** Where each exporter stands, from a state that says it (or, recorded before, only the first exporter not done and its page). */
function positionsOf(state: { exporters?: ExporterPosition[]; exporterIndex: number; page: number }, exporters: number): ExporterPosition[] {
  if (state.exporters) return state.exporters.map((position) => ({ ...position }));
  return Array.from({ length: exporters }, (_, index) =>
    index < state.exporterIndex ? { page: 1, done: true } : { page: index === state.exporterIndex ? state.page : 1, done: false },
  );
}

/** The first exporter not done and its page (past the last exporter when all are): what progress and older readers show. */
function firstOpen(positions: readonly ExporterPosition[]): { exporterIndex: number; page: number } {
  const exporterIndex = positions.findIndex((position) => !position.done);
  return exporterIndex === -1 ? { exporterIndex: positions.length, page: 1 } : { exporterIndex, page: (positions[exporterIndex] as ExporterPosition).page };
}
