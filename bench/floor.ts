/**
 * The in-process floor: the same exporter → staging → ZIP pipeline as a
 * request, with no Temporal, no worker process and no HTTP. The exporter is
 * loaded and called page by page exactly as the exportBatch activity does
 * (`loadPlugin`, `callPage`, `validateExportPage`), each page goes to
 * `openStaging(...).writePage`, then `buildExportZip` writes the ZIP. Each
 * stage is timed on its own.
 */
import { join } from 'node:path';
import { callPage, loadPlugin } from '../activities/plugin-call.ts';
import { validateExportPage } from '../activities/plugin-response.ts';
import { loadManifest } from '../manifest/load.ts';
import { closeDemoConnections } from '../plugins/demo/db.ts';
import { buildExportZip } from '../report/build.ts';
import { openStaging } from '../report/staging.ts';
import { secondsSince } from './table.ts';

export interface FloorResult {
  /** Items the exporter returned (the ZIP holds these plus About). */
  items: number;
  zipItems: number;
  pages: number;
  /** Sum over pages of the exporter call, validation included. */
  exporterS: number;
  /** Sum over pages of `writePage`. */
  stagingS: number;
  /** `buildExportZip`: merge, render of index.html/export.json, deflate, write. */
  buildS: number;
  /** Wall time of the whole floor, loading the plugin included. */
  totalS: number;
}

export async function runFloor(manifestFile: string, email: string, dir: string): Promise<FloorResult> {
  const started = performance.now();
  const manifest = await loadManifest(manifestFile);
  const exporter = manifest.exporters[0];
  if (!exporter) throw new Error(`the floor needs an exporter in ${manifestFile}`);
  const fn = await loadPlugin(exporter, 'exporter');
  const stagingPath = join(dir, 'floor-staging.sqlite');
  const store = openStaging(stagingPath);
  const never = new AbortController().signal;
  let exporterS = 0;
  let stagingS = 0;
  let items = 0;
  let pages = 0;
  let cursor: string | undefined;
  try {
    for (let page = 1; ; page++) {
      let t = performance.now();
      const answer = await callPage(fn, {
        plugin: exporter, kind: 'exporter', requestId: 'floor', email, manifestDir: manifest.dir,
        page, cursor, dryRun: false, cancellation: never, heartbeat: () => {},
      });
      const data = validateExportPage(answer, exporter, page);
      exporterS += secondsSince(t);
      t = performance.now();
      store.writePage(exporter.index, page, data.data, data.next_cursor);
      cursor = data.next_cursor;
      stagingS += secondsSince(t);
      items += data.data.length;
      pages += 1;
      if (data.done) break;
    }
  } finally {
    store.close();
    closeDemoConnections();
  }
  const t = performance.now();
  const zip = await buildExportZip({
    stagingPath, zipPath: join(dir, 'floor.zip'), email, siteName: 'Bench', siteUrl: 'https://bench.example', generatedAt: new Date(),
  });
  const buildS = secondsSince(t);
  return { items, zipItems: zip.items, pages, exporterS, stagingS, buildS, totalS: secondsSince(started) };
}
