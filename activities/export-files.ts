/**
 * Building, discarding and deleting export files. Each activity is safe to
 * run twice: a retried build returns the finished file's facts, a retried
 * delete finds nothing left to delete.
 */
import { StagingLostError } from '../lib/errors.ts';
import { access, rename, rm } from 'node:fs/promises';
import { heartbeat } from '@temporalio/activity';
import type { Secret } from '../lib/config.ts';
import { keyedToken } from '../lib/secrets.ts';
import type { Store, StoredExport } from '../storage/store.ts';
import type { Locale } from '../lib/locale.ts';
import { message } from '../lib/messages/index.ts';
import type { Actor } from '../model/audit.ts';
import type { Withholding } from '../model/review.ts';
import { DRAFT_FILE_PREFIX } from '../storage/file-layout.ts';
import { buildExportZip } from '../report/build.ts';
import type { ProcessingInput } from '../report/processing.ts';
import { openStaging, type StagingStore } from '../report/staging.ts';
import { loggingFailure } from './log-failure.ts';
import type { Site } from './mail-templates.ts';

/** How far the ZIP is: items written to export.json, of how many. */
export interface ZipProgress {
  written: number;
  total: number;
}

export type BuiltExport = StoredExport;

/** What a retry took over from the failed request's staging store. */
export interface AdoptedStaging {
  /** False when there was nothing to take over (deleted at the end of its retention): start over. */
  adopted: boolean;
  /** The failing exporter's first page not staged yet. */
  page: number;
  /** Items staged so far. */
  items: number;
}

/** What the ZIP's build is told besides the staged pages. */
export interface BuildExportInput {
  requestId: string;
  email: string;
  processing?: ProcessingInput;
  /** The person's language (the report's own words and the processing texts). */
  locale?: Locale;
  /**
   * A reviewer's draft (model/review.ts): a file of its own that the person's link never serves, item
   * ids shown, and the staged pages kept for the copy released after the review.
   */
  draft?: boolean;
  /** What the reviewer held back: left out, and said so. */
  withheld?: readonly Pick<Withholding, 'group' | 'item' | 'ground' | 'reason'>[];
  /** Pages were staged: a missing staging file means they were lost with another host's disk. */
  expectStaged?: boolean;
}

/** A staging store is one SQLite file plus, after a crash, its journal files. */
const STAGING_SUFFIXES = ['-wal', '-shm', '-journal'] as const;

export interface ExportFileDeps {
  store: Store;
  secret: Secret;
  site: Site;
  clock?: () => Date;
  /** This host's own task queue, where a request's staged pages stay (absent: one disk shared by every worker). */
  stagingQueue?: string | undefined;
}

/** Builds a request's ZIP from its staged pages, and discards staged pages: what the activities below and the small export's one activity share. */
export function createExportBuilder(deps: ExportFileDeps) {
  const kept = deps.store;
  const clock = deps.clock ?? (() => new Date());

  const discardStaging = async ({ requestId }: { requestId: string }): Promise<void> => {
    const base = kept.stagingPath(requestId);
    await Promise.all(['', ...STAGING_SUFFIXES].map((suffix) => rm(`${base}${suffix}`, { force: true })));
  };

  /**
   * Turns the staged pages into the ZIP (index.html + export.json), then removes the staging store.
   * @param staging an open store to build from instead of the request's staging file (the caller closes it)
   */
  const build = async (
    { requestId, email, processing, locale, draft = false, withheld = [], expectStaged = false }: BuildExportInput,
    staging?: StagingStore,
  ): Promise<BuiltExport> => {
    const file = draft
      ? `${DRAFT_FILE_PREFIX}${keyedToken(deps.secret, 'export-draft', requestId)}.zip`
      : `dsr-export-${keyedToken(deps.secret, 'export-file', requestId)}.zip`;
    const done = await kept.exports.meta(file);
    if (done !== undefined) return done;
    if (staging === undefined && expectStaged && !(await _exists(kept.stagingPath(requestId)))) {
      throw new StagingLostError(`Cannot build the export of request "${requestId}": its staged pages are not on this worker host; the export starts over`);
    }
    // A request whose exporters found nothing (or a manifest with none) still gets its About page.
    if (staging === undefined) openStaging(kept.stagingPath(requestId)).close();
    // What the admin's progress bar shows while the ZIP is written (read from the heartbeat).
    let zip: ZipProgress = { written: 0, total: 0 };
    const beat = setInterval(() => heartbeat({ zip }), 2_000);
    const result = await loggingFailure('export ZIP', { requestId }, () =>
      buildExportZip({
        onProgress: (written, total) => {
          zip = { written, total };
        },
        stagingPath: kept.stagingPath(requestId),
        ...(staging ? { staging } : {}),
        zipPath: file,
        openSink: () => kept.exports.zipSink(file),
        email,
        siteName: deps.site.name,
        siteUrl: deps.site.url,
        generatedAt: clock(),
        ...(processing ? { processing } : {}),
        ...(locale ? { language: locale } : {}),
        ...(draft ? { itemIds: true } : {}),
        withheld: withheld.map(({ group, item, ground, reason }) => ({
          group,
          item,
          ground: message(locale ?? 'en', `withhold.${ground}`),
          reason,
        })),
      }),
    ).finally(() => clearInterval(beat));
    const built: BuiltExport = {
      file,
      bytes: result.bytes,
      sha256: result.sha256,
      items: result.items,
      groups: result.groups,
      requestId,
      builtAt: clock().toISOString(),
      ...(result.undeclared?.length ? { undeclared: result.undeclared } : {}),
      ...(processing ? { processing: true } : {}),
      inventory: result.inventory.map((group) => ({ ...group })),
      ...(withheld.length ? { withheld: result.withheld.map((held) => ({ ...held })) } : {}),
    };
    await kept.exports.saveMeta(built);
    // A draft's pages build the released copy; the released copy's are not needed any more.
    if (!draft) await discardStaging({ requestId });
    return built;
  };

  return { build, discardStaging };
}

export function createExportFileActivities(deps: ExportFileDeps) {
  const kept = deps.store;
  const clock = deps.clock ?? (() => new Date());
  const { build, discardStaging } = createExportBuilder(deps);

  return {
    buildExport: (input: BuildExportInput) => build(input),

    discardStaging,

    /**
     * The task queue of the worker host that runs this, where a request's staged pages will stay
     * (workflows/export-request.ts sends every staging activity there); null: every worker shares one disk.
     */
    async stagingQueue(): Promise<string | null> {
      return deps.stagingQueue ?? null;
    },

    /**
     * Moves a failed export's staging store to the request that retries it, and says where its
     * failing exporter stopped: the store knows exactly which pages it holds, a failed batch's
     * start page (all the workflow knows) may be a few pages earlier. Safe to run twice: a store
     * already moved is found at its new place. Journal files move first and the database last,
     * so a crash half-way leaves the database where the next attempt looks for it.
     */
    async adoptStaging({ from, to, exporterIndex }: { from: string; to: string; exporterIndex: number }): Promise<AdoptedStaging> {
      const source = kept.stagingPath(from);
      const target = kept.stagingPath(to);
      if (await _exists(source)) {
        for (const suffix of STAGING_SUFFIXES) await rename(`${source}${suffix}`, `${target}${suffix}`).catch(_ignoreMissing);
        await rename(source, target);
      } else if (!(await _exists(target))) {
        return { adopted: false, page: 1, items: 0 };
      }
      const store = openStaging(target, { fileMustExist: true });
      try {
        return { adopted: true, page: store.pageCount(exporterIndex) + 1, items: store.itemCount() };
      } finally {
        store.close();
      }
    },

    /**
     * Deletes an export file and leaves a tombstone, so its link answers 410 Gone, saying whether
     * it went at the end of its retention (as the mail promised) or earlier, by an admin.
     */
    async deleteExport({ file, early = false, by }: { file: string; early?: boolean; by?: Actor | undefined }): Promise<void> {
      await kept.exports.remove(file, { deletedAt: clock().toISOString(), early, ...(by ? { by } : {}) });
    },
  };
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function _exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function _ignoreMissing(error: unknown): void {
  if ((error as { code?: string }).code !== 'ENOENT') throw error;
}
