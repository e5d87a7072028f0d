/**
 * Turns a filled staging store into the export ZIP the data subject
 * downloads: `index.html`, `export.json` and, for very large groups,
 * `groups/<anchor>-<n>.html` (docs/WORDPRESS.md#export-file).
 *
 * Everything is streamed from SQLite into the archive, so peak memory does not
 * grow with the number of items. Running it again rebuilds the same ZIP.
 */
import type { Locale } from '../lib/locale.ts';
import { message } from '../lib/messages/index.ts';
import type { ExportItem } from '../plugins/contract.ts';
import { groupPageHtml, groupPagePath, indexHtml, planSections } from './html-report.ts';
import { jsonReport } from './json.ts';
import { type ProcessingInput, type ProcessingReport, processingReport, processingSectionHtml } from './processing.ts';
import { openStaging, type StagingStore } from './staging.ts';
import type { WriteSink } from '../lib/write-sink.ts';
import { type ZipEntry, writeZip, writeZipAtomically } from './zip.ts';

/** Options of {@link buildExportZip}. */
export interface BuildExportZipOptions {
  /** The request's staging file; it must exist. */
  readonly stagingPath: string;
  /** An open staging store to build from instead of the file (a small export's, in memory); the caller closes it. */
  readonly staging?: StagingStore;
  /** Where the ZIP goes; `<zipPath>.partial` is used while writing. With `openSink`, only its name in messages. */
  readonly zipPath: string;
  /** Where the ZIP's bytes go instead of `zipPath` (an object storage upload): opened when writing starts. */
  readonly openSink?: () => Promise<WriteSink>;
  /** The data subject's email, shown in the title and the About group. */
  readonly email: string;
  readonly siteName: string;
  readonly siteUrl: string;
  /** Shown in the About group, in UTC, and stored as every entry's date. */
  readonly generatedAt: Date;
  /** Most items of one group shown in one HTML page. @default 10_000 */
  readonly groupPageSize?: number;
  /**
   * What the manifest declares is done with the data: adds `processing.json` and the section "How we
   * use your data and your rights" after About. Without it the ZIP is WordPress's two files.
   */
  readonly processing?: ProcessingInput;
  /**
   * The person's language: the report's own words (English is WordPress's) and the processing
   * texts (each may give one per language). @default 'en'
   */
  readonly language?: Locale;
  /**
   * What a reviewer held back (GDPR Art. 15(4)): left out of every file; `processing.json` and the
   * processing section say how many items of which group, and why, never the values.
   */
  readonly withheld?: readonly WithheldInput[];
  /** A reviewer's draft: every item's table captioned with its id, the handle to withhold it by. @default false */
  readonly itemIds?: boolean;
  /** Told as export.json is written (the bulk of the work): items written so far, of how many. */
  readonly onProgress?: (written: number, total: number) => void;
}

/** One thing held back: a group, or an item of it, with the ground's words and the reviewer's reason. */
export interface WithheldInput {
  readonly group: string;
  readonly item?: string | undefined;
  /** Why, in the person's words: the ground ("it would adversely affect the rights of others…"). */
  readonly ground: string;
  readonly reason: string;
}

/** What {@link buildExportZip} produced. */
export interface ExportZipResult {
  readonly zipPath: string;
  readonly bytes: number;
  /** Hex SHA-256 of the ZIP file. */
  readonly sha256: string;
  /** Groups in the report, About included. */
  readonly groups: number;
  /** Items after merging, About included. */
  readonly items: number;
  /** Groups returned that their exporter's `processing` does not declare (with `processing` only). */
  readonly undeclared?: ProcessingReport['undeclared'];
  /** The groups of the report (About included) with their item counts, in report order. */
  readonly inventory: readonly { group: string; label: string; items: number }[];
  /** Per withholding asked for, in order: the items it left out. */
  readonly withheld: readonly { group: string; label: string; items: number }[];
}

/** The section on what is done with the data: its anchor (its heading is `processing.heading`). */
export const PROCESSING_ANCHOR = 'how-we-use-your-data';

/** The About group is staged under this exporter index, before every exporter. */
export const ABOUT_EXPORTER_INDEX = -1;

/**
 * Builds the export ZIP from a staging store.
 *
 * The About group is staged first (replacing any earlier one), so a plugin
 * group with id `about` merges into it instead of replacing it.
 *
 * @throws {RangeError} when `groupPageSize` is not a positive integer
 * @throws {Error} when the staging file is missing or unreadable, or the ZIP cannot be written; no file is left at `zipPath` or `zipPath.partial`
 * @example
 * const result = await buildExportZip({
 *   stagingPath: '/var/lib/dsr/req-42.sqlite', zipPath: '/var/lib/dsr/exports/x.zip',
 *   email: 'a@b.example', siteName: 'Shop', siteUrl: 'https://shop.example', generatedAt: new Date(),
 * });
 */
export async function buildExportZip(options: BuildExportZipOptions): Promise<ExportZipResult> {
  const pageSize = options.groupPageSize ?? 10_000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`Cannot build export: groupPageSize must be a positive integer, got '${pageSize}'`);
  }
  const given = options.staging;
  const store = given ?? openStaging(options.stagingPath, { fileMustExist: true });
  const close = () => {
    if (given === undefined) store.close();
  };
  try {
    const locale = options.language ?? 'en';
    store.writePage(ABOUT_EXPORTER_INDEX, 1, [aboutItem(options, locale)]);
    const withholdings = options.withheld ?? [];
    const merged = store.merge(withholdings);
    const withheld = withholdings.map((held, n) => ({
      group: held.group,
      label: merged.excluded[n]?.label ?? held.group,
      items: merged.excluded[n]?.items ?? 0,
      ground: held.ground,
      reason: held.reason,
      whole: held.item === undefined,
    }));
    const title = message(locale, 'report.title', { email: options.email });
    const processing =
      options.processing === undefined ? undefined : processingReport(options.processing, store.groupsByExporter(), options.language, withheld);
    const sections = planSections(merged.groups, pageSize);
    const total = merged.itemCount;
    // Rows, not items (an item merged from several exporters has several): a fair measure of the work.
    function* counted<T>(rows: Iterable<T>): Generator<T> {
      let written = 0;
      for (const row of rows) {
        yield row;
        if (++written % 1000 === 0) options.onProgress?.(Math.min(written, total), total);
      }
      options.onProgress?.(total, total);
    }

    function* entries(): Generator<ZipEntry> {
      const label = message(locale, 'processing.heading');
      const extra = processing === undefined ? undefined : { anchor: PROCESSING_ANCHOR, label, html: processingSectionHtml(processing) };
      yield { name: 'index.html', content: () => indexHtml(title, sections, merged, extra, locale, options.itemIds) };
      yield { name: 'export.json', content: () => jsonReport(title, merged.groups, counted(merged.rows())) };
      if (processing !== undefined) yield { name: 'processing.json', content: () => [`${JSON.stringify(processing, null, 2)}\n`] };
      for (const section of sections) {
        for (let n = 1; n <= section.pages; n++) {
          yield { name: groupPagePath(section, n), content: () => groupPageHtml(title, section, n, merged, locale, options.itemIds) };
        }
      }
    }

    const zipOptions = { level: 6, date: options.generatedAt };
    const { bytes, sha256 } = options.openSink
      ? await writeZip(await options.openSink(), entries(), zipOptions)
      : await writeZipAtomically(options.zipPath, entries(), zipOptions);
    close();
    return {
      zipPath: options.zipPath,
      bytes,
      sha256,
      groups: merged.groups.length,
      items: merged.itemCount,
      ...(processing ? { undeclared: processing.undeclared } : {}),
      inventory: merged.groups.map((group) => ({ group: group.id, label: group.label, items: group.itemCount })),
      withheld: withheld.map(({ group, label, items }) => ({ group, label, items })),
    };
  } catch (error) {
    // The build's own error (e.g. ENOSPC) is what the operator must see, never the close's.
    try {
      close();
    } catch {}
    throw error;
  }
}

/**
 * The built-in About group (docs/WORDPRESS.md#export-file), with the time in UTC.
 * @example formatUtc(new Date(0)) // '1970-01-01 00:00:00 UTC'
 */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** In the person's language, as WordPress words it in a site of that language. */
function aboutItem(options: BuildExportZipOptions, locale: Locale): ExportItem {
  return {
    group_id: 'about',
    group_label: message(locale, 'report.about'),
    group_description: message(locale, 'report.aboutDescription'),
    item_id: 'about-1',
    data: [
      { name: message(locale, 'report.aboutFor'), value: options.email },
      { name: message(locale, 'report.aboutSite'), value: options.siteName },
      { name: message(locale, 'report.aboutUrl'), value: options.siteUrl },
      { name: message(locale, 'report.aboutOn'), value: formatUtc(options.generatedAt) },
    ],
  };
}
