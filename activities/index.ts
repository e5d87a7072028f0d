/**
 * All activities, built from injected dependencies so tests can hand the
 * same factory a real mail server on loopback and a temporary directory.
 * Workflows type their proxies with `ReturnType<typeof createActivities>`.
 */
import type { Secret } from '../lib/config.ts';
import type { Mailer } from '../lib/mailer.ts';
import type { RegimeTable } from '../lib/regimes.ts';
import type { Store } from '../storage/store.ts';
import { loadManifest } from '../manifest/load.ts';
import { createEraseActivities } from './erase-batch.ts';
import { createClockActivities } from './clock.ts';
import { createExportRetentionActivities } from './export-retention.ts';
import { createExportAtOnceActivities } from './export-at-once.ts';
import { createExportActivities } from './export-batch.ts';
import { createExportBuilder, createExportFileActivities } from './export-files.ts';
import { createMailActivities } from './mail.ts';
import { createNoticeActivities } from './notify-recipients.ts';
import { createReceiptActivities } from './receipts.ts';
import type { Site } from './mail-templates.ts';

export interface ActivityDeps {
  store: Store;
  mailer: Mailer;
  secret: Secret;
  site: Site;
  publicUrl: string;
  /** plugins.yaml; read when a request starts processing, then frozen in its workflow. */
  manifestFile: string;
  /** The regimes the legal clock counts by (lib/regimes.ts). */
  regimes: RegimeTable;
  /** Who hears of due dates near or missed (ADMIN_EMAIL). */
  teamEmails: readonly string[];
  clock?: () => Date;
  /** This worker host's own task queue, where requests' staged pages stay (worker/main.ts); absent: one shared disk. */
  stagingQueue?: string | undefined;
}

export function createActivities(deps: ActivityDeps) {
  const { build } = createExportBuilder(deps);
  return {
    ...createMailActivities(deps),
    ...createExportActivities(deps),
    ...createExportFileActivities(deps),
    ...createExportAtOnceActivities({ store: deps.store, build, stagingQueue: deps.stagingQueue }),
    ...createExportRetentionActivities(),
    ...createEraseActivities(deps),
    ...createNoticeActivities(deps),
    ...createReceiptActivities(deps),
    ...createClockActivities(deps),
    /** The manifest snapshot a request keeps for its whole life. */
    loadManifest: () => loadManifest(deps.manifestFile),
  };
}
