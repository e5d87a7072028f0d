/**
 * Building, discarding and deleting export files. Each activity is safe to
 * run twice: a retried build returns the finished file's facts, a retried
 * delete finds nothing left to delete.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { heartbeat } from '@temporalio/activity';
import type { Secret } from '../lib/config.ts';
import { keyedToken } from '../lib/secrets.ts';
import type { StoragePaths } from '../lib/storage.ts';
import { buildExportZip } from '../report/build.ts';
import { openStaging } from '../report/staging.ts';
import type { Site } from './mail-templates.ts';

export interface BuiltExport {
  file: string;
  bytes: number;
  sha256: string;
  items: number;
  groups: number;
}

export function createExportFileActivities(deps: { paths: StoragePaths; secret: Secret; site: Site; clock?: () => Date }) {
  const { paths } = deps;
  const clock = deps.clock ?? (() => new Date());

  const discardStaging = async ({ requestId }: { requestId: string }): Promise<void> => {
    const base = paths.staging(requestId);
    await Promise.all(['', '-wal', '-shm', '-journal'].map((suffix) => rm(`${base}${suffix}`, { force: true })));
  };

  return {
    /** Turns the staged pages into the ZIP (index.html + export.json), then removes the staging store. */
    async buildExport({ requestId, email }: { requestId: string; email: string }): Promise<BuiltExport> {
      const file = `dsr-export-${keyedToken(deps.secret, 'export-file', requestId)}.zip`;
      const done = await readFile(paths.exportMeta(file), 'utf8').catch(() => undefined);
      if (done !== undefined) return JSON.parse(done) as BuiltExport;
      // A request whose exporters found nothing (or a manifest with none) still gets its About page.
      openStaging(paths.staging(requestId)).close();
      const beat = setInterval(() => heartbeat(), 2_000);
      const result = await buildExportZip({
        stagingPath: paths.staging(requestId),
        zipPath: paths.exportFile(file),
        email,
        siteName: deps.site.name,
        siteUrl: deps.site.url,
        generatedAt: clock(),
      }).finally(() => clearInterval(beat));
      const built: BuiltExport = { file, bytes: result.bytes, sha256: result.sha256, items: result.items, groups: result.groups };
      await writeFile(paths.exportMeta(file), JSON.stringify(built), { mode: 0o600 });
      await discardStaging({ requestId });
      return built;
    },

    discardStaging,

    /** Deletes an export file and leaves a tombstone, so its link answers 410 Gone. */
    async deleteExport({ file }: { file: string }): Promise<void> {
      await writeFile(paths.tombstone(file), JSON.stringify({ deletedAt: clock().toISOString() }), { mode: 0o600 });
      await rm(paths.exportFile(file), { force: true });
      await rm(paths.exportMeta(file), { force: true });
    },
  };
}
