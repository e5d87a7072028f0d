/**
 * A small export in one go: the exporters that run in this process (module
 * and sql kinds) side by side into a staging store held in memory, and the
 * ZIP built from it at once if they all finish within a short budget and a
 * few thousand items. Most people have a few dozen
 * items, and for them each activity's round trip through Temporal costs more
 * than its work: one activity instead of one per exporter plus the build.
 *
 * Opportunistic by design: whatever it does not finish is left as it stands
 * for the regular path (workflows/export-request.ts), which runs per-exporter
 * batches and the build with each plugin's own timeout, retry policy and error
 * report: an `http` exporter (it may answer later, by callback), a page that
 * fails, an exporter still paging when the budget is spent, a build that meets
 * a storage outage. Pages staged here count: they are keyed by exporter and
 * page, so the regular path adds to them and the report merges the same.
 */
import { Context, heartbeat } from '@temporalio/activity';
import { NON_RETRYABLE_ERROR_TYPES } from '../lib/errors.ts';
import type { ManifestSnapshot, PluginSnapshot } from '../manifest/snapshot.ts';
import type { ExporterPosition } from '../model/request.ts';
import { loadPlugin } from '../plugins/host/call-page.ts';
import { openMemoryStaging, type StagingStore } from '../report/staging.ts';
import type { Store } from '../storage/store.ts';
import { type BatchProgress, type Position, stagePages } from './export-batch.ts';
import type { BuiltExport, BuildExportInput } from './export-files.ts';

export interface ExportAtOnceInput {
  requestId: string;
  email: string;
  manifest: Pick<ManifestSnapshot, 'dir' | 'exporters' | 'concurrency'>;
  /** Time the exporters may take together before the rest is left to the regular path. */
  budgetMs: number;
  /** What the ZIP's build needs besides the staged pages (as buildExport takes it). */
  build: Omit<BuildExportInput, 'requestId' | 'email' | 'draft' | 'expectStaged'>;
}

export interface ExportAtOnceResult {
  /** Where each exporter stands now. */
  positions: ExporterPosition[];
  /** Items staged. */
  items: number;
  /** The ZIP, when every exporter finished and it was built. */
  built?: BuiltExport;
  /**
   * An exporter failed in a way no retry mends (it broke the contract, asked for what it may not
   * touch, answered a page over its limits): the request fails as the regular path would fail it,
   * without calling that page a second time.
   */
  failed?: AttemptFailure;
  /**
   * Exporters whose page failed here in a way a retry may mend: this was the first of the plugin's
   * `retry.maxAttempts` attempts at that page, so the regular path makes the rest, no more.
   */
  firstAttemptFailed?: AttemptFailure[];
  /**
   * The task queue of the worker host whose staging file holds the pages left to the regular path
   * (null: one disk shared by every worker). Run as a local activity, that is the worker that ran
   * the workflow task, whichever host the request asked before.
   */
  host: string | null;
}

/** A page that failed, and with what (the error's name and message, as an activity's failure carries them). */
export interface AttemptFailure {
  exporterIndex: number;
  type: string;
  message: string;
}

const NEVER_RETRIED: ReadonlySet<string> = new Set(NON_RETRYABLE_ERROR_TYPES);

/** Exporters the worker runs in its own process: their pages come back at once, never "later". */
const runsHere = (exporter: PluginSnapshot) => exporter.source.kind !== 'http';

/**
 * Items held in memory at most: past them the rest goes batch by batch, through the staging file
 * (about a kilobyte each: a few MB of the worker's memory, whatever the export's size).
 */
const MAX_ITEMS_IN_MEMORY = 5_000;

export function createExportAtOnceActivities(deps: {
  store: Store;
  build: (input: BuildExportInput, staging?: StagingStore) => Promise<BuiltExport>;
  /** This worker host's own task queue (activities/index.ts). */
  stagingQueue?: string | undefined;
}) {
  const host = deps.stagingQueue ?? null;
  return {
    async exportAtOnce(input: ExportAtOnceInput): Promise<ExportAtOnceResult> {
      const { requestId, email, manifest } = input;
      const positions: ExporterPosition[] = manifest.exporters.map(() => ({ page: 1, done: false }));
      const local = manifest.exporters.filter(runsHere);
      const started = Date.now();
      // A local activity has no heartbeat (the workflow task it runs in is its lease); its budget is short anyway.
      const heartbeats = !Context.current().info.isLocal;
      let items = 0;
      let failed: AttemptFailure | undefined;
      const firstAttemptFailed: AttemptFailure[] = [];
      /** The exporters at work, with where each stands: what the heartbeat shows an admin. */
      const running = new Map<PluginSnapshot, Position>();
      const beat = () => {
        if (!heartbeats) return;
        const at = [...running].sort(([a], [b]) => a.index - b.index);
        const [first] = at;
        if (first === undefined) return;
        const live: BatchProgress = {
          plugin: { index: first[0].index, key: first[0].key, name: first[0].name },
          pluginsTotal: manifest.exporters.length,
          page: first[1].page,
          items: items + at.reduce((sum, [, position]) => sum + position.items, 0),
          pluginsDone: positions.filter((position) => position.done).length,
          running: at.map(([exporter, position]) => ({ index: exporter.index, key: exporter.key, name: exporter.name, page: position.page })),
        };
        heartbeat({ live });
      };
      // In memory: a small export never touches the disk before its ZIP. What is left undone moves to the file.
      const store = openMemoryStaging();
      const enough = () => items + [...running.values()].reduce((sum, position) => sum + position.items, 0) >= MAX_ITEMS_IN_MEMORY;
      const runOne = async (exporter: PluginSnapshot) => {
        const position: Position = { page: 1, items: 0, pages: 0 };
        running.set(exporter, position);
        try {
          const exporterFn = await loadPlugin(exporter, 'exporter');
          const budgetMs = Math.max(0, input.budgetMs - (Date.now() - started));
          const result = await stagePages({
            requestId,
            email,
            exporter,
            exporterFn,
            manifestDir: manifest.dir,
            store,
            position,
            budgetMs,
            beat,
            enough,
            callbackFor: () => undefined,
          });
          positions[exporter.index] = { page: result.nextPage, done: result.done };
        } catch (error) {
          // Logged by stagePages. Anything a retry may mend is left to the regular batch and the plugin's retry policy.
          positions[exporter.index] = { page: position.page, done: false };
          const failure = {
            exporterIndex: exporter.index,
            type: error instanceof Error ? error.name : 'Error',
            message: error instanceof Error ? error.message : String(error),
          };
          if (NEVER_RETRIED.has(failure.type)) failed ??= failure;
          else firstAttemptFailed.push(failure);
        }
        running.delete(exporter);
        items += position.items;
      };
      try {
        let next = 0;
        const lanes = Math.max(1, Math.min(manifest.concurrency ?? 1, local.length));
        await Promise.all(
          Array.from({ length: lanes }, async () => {
            while (next < local.length && !enough()) await runOne(local[next++] as PluginSnapshot);
          }),
        );
        Context.current().cancellationSignal.throwIfAborted();
        /** What the regular path goes on from: these pages, moved to the request's staging file. */
        const leftToTheRegularPath = (more: Partial<ExportAtOnceResult> = {}): ExportAtOnceResult => {
          store.saveTo(deps.store.stagingPath(requestId));
          return { positions, items, host, ...more };
        };
        if (failed) return leftToTheRegularPath({ failed });
        if (positions.some((position) => !position.done)) return leftToTheRegularPath(firstAttemptFailed.length ? { firstAttemptFailed } : {});
        try {
          return { positions, items, host, built: await deps.build({ ...input.build, requestId, email }, store) };
        } catch {
          // Logged by the build; the regular build waits out a storage outage and reports anything else.
          return leftToTheRegularPath();
        }
      } finally {
        store.close();
      }
    },
  };
}
