/**
 * `index.html` and the per-group pages, written as streams of text.
 *
 * Structure follows WordPress (docs/WORDPRESS.md#export-file); the CSS is our own so the
 * report reads on a phone and prints cleanly. A group with more items than
 * the page size is moved out to `groups/<anchor>-<n>.html` so that no single
 * HTML file grows without bound (a browser cannot open a 1 GB page).
 */
import type { Locale } from '../lib/locale.ts';
import { message } from '../lib/messages/index.ts';
import type { ExportPair } from '../plugins/contract.ts';
import { escapeText, renderValue, toAnchor } from './html.ts';
import type { MergedExport, MergedGroup, MergedRow } from './merge.ts';

/** How one group appears in the report. */
export interface ReportSection {
  readonly group: MergedGroup;
  /** Unique id of the group's heading, also the stem of its page files. */
  readonly anchor: string;
  /** Number of separate pages; 0 when the items are shown in index.html. */
  readonly pages: number;
  /** Most items per separate page. */
  readonly pageSize: number;
}

// No network and no scripts, even if escaping had a hole: the CSP is the backstop.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = [
  'body{color:#1a1a1a;background:#fff;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:60rem;margin:0 auto;padding:1rem}',
  'h1{font-size:1.75rem}h2{font-size:1.35rem;margin-top:2rem;border-bottom:1px solid #ddd}.count{color:#555;font-weight:normal}',
  'table{width:100%;border:1px solid #ddd;border-collapse:collapse;background:#f4f4f4;margin-bottom:1.25rem;table-layout:fixed}',
  'th,td{padding:.4rem .6rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}th{width:30%}tr:nth-child(odd){background:#fafafa}',
  'a{color:#0645ad}.return-to-top{text-align:right}caption.item-id{text-align:left;font:600 .85rem/1.4 ui-monospace,monospace;color:#8a2424;padding:.2rem 0}',
  '@media (max-width:36rem){th,td{display:block;width:auto}th{padding-bottom:0}}',
  '@media print{body{max-width:none;padding:0;font-size:10pt}.return-to-top,nav{display:none}table,tr{break-inside:avoid}h2{break-after:avoid}a{color:inherit}}',
].join('');

const toTop = (locale: Locale) =>
  `<div class="return-to-top"><a href="#top"><span aria-hidden="true">&uarr; </span> ${escapeText(message(locale, 'report.toTop'))}</a></div>`;

/**
 * About what one HTML page may weigh: a phone opens 2 MB of tables readily, 13 MB (10,000 items of
 * 1 KB, the old page size) slowly or not at all. The markup around each value is ~120 characters.
 */
export const MAX_PAGE_CHARS = 2_000_000;
const MARKUP_PER_ITEM = 160;

/**
 * Gives every group a unique anchor and decides which groups get pages: a group with more than
 * `pageSize` items, or whose items weigh more than `maxPageChars`, is split into pages of at
 * most `pageSize` items and about `maxPageChars` each (never fewer than 100 items a page).
 * @param pageSize most items shown per page
 */
export function planSections(groups: readonly MergedGroup[], pageSize: number, maxPageChars = MAX_PAGE_CHARS): ReportSection[] {
  const used = new Set(['top', 'table_of_contents', 'how-we-use-your-data']);
  return groups.map((group) => {
    const base = toAnchor(group.label, group.id);
    let anchor = base;
    for (let n = 2; used.has(anchor); n++) anchor = `${base}-${n}`;
    used.add(anchor);
    const perItem = (group.dataChars ?? 0) / Math.max(group.itemCount, 1) + MARKUP_PER_ITEM;
    const fits = Math.min(pageSize, Math.max(100, Math.floor(maxPageChars / perItem)));
    const split = group.itemCount > pageSize || group.itemCount * perItem > maxPageChars;
    const size = split ? fits : pageSize;
    return { group, anchor, pages: split ? Math.ceil(group.itemCount / size) : 0, pageSize: size };
  });
}

/** @returns the ZIP path of page `n` (1-based) of a split group */
export function groupPagePath(section: ReportSection, n: number): string {
  return `groups/${section.anchor}-${n}.html`;
}

/** A section of our own after the first group (About): its anchor, its heading and its markup. */
export interface ExtraSection {
  readonly anchor: string;
  readonly label: string;
  readonly html: string;
}

/**
 * Yields `index.html`: headings, table of contents, and every group (and `extra` right after About);
 * our own words in `locale` (English is WordPress's).
 */
export function* indexHtml(
  title: string,
  sections: readonly ReportSection[],
  merged: MergedExport,
  extra?: ExtraSection,
  locale: Locale = 'en',
  itemIds = false,
): Generator<string> {
  const many = sections.length + (extra ? 1 : 0) > 1;
  const t = (key: Parameters<typeof message>[1], values?: Record<string, string | number>) => escapeText(message(locale, key, values));
  yield `${head(title, locale)}<h1 id="top">${t('report.heading')}</h1>`;
  if (many) {
    yield `<div id="table_of_contents"><h2>${t('report.toc')}</h2><ul>`;
    for (const [n, { group, anchor }] of sections.entries()) {
      yield `<li><a href="#${anchor}">${label(group)}</a></li>`;
      if (n === 0 && extra) yield `<li><a href="#${extra.anchor}">${escapeText(extra.label)}</a></li>`;
    }
    yield '</ul></div>';
  }
  for (const [n, section] of sections.entries()) {
    if (n === 1 && extra) yield extraSection(extra, many, locale);
    const { group, anchor, pages } = section;
    yield `<h2 id="${anchor}">${label(group)}</h2>${description(group)}<div>`;
    if (pages === 0) {
      yield* itemTables(merged.groupRows(group.seq, 1, group.itemCount), itemIds);
    } else {
      yield `<p>${t('report.pagesIntro', { items: group.itemCount, pages })}</p><ul>`;
      for (let n = 1; n <= pages; n++) {
        const [first, last] = pageRange(section, n);
        yield `<li><a href="${groupPagePath(section, n)}">${itemRange(first, last, locale)}</a></li>`;
      }
      yield '</ul>';
    }
    yield many ? `${toTop(locale)}</div>` : '</div>';
  }
  if (sections.length < 2 && extra) yield extraSection(extra, many, locale);
  yield '</body>\n</html>\n';
}

function extraSection(extra: ExtraSection, many: boolean, locale: Locale): string {
  return `<h2 id="${extra.anchor}">${escapeText(extra.label)}</h2><div class="processing">${extra.html}${many ? toTop(locale) : ''}</div>`;
}

/** Yields page `n` (1-based) of a split group, with a way back to index.html. */
export function* groupPageHtml(
  title: string,
  section: ReportSection,
  n: number,
  merged: MergedExport,
  locale: Locale = 'en',
  itemIds = false,
): Generator<string> {
  const { group, pages } = section;
  const [first, last] = pageRange(section, n);
  const t = (key: Parameters<typeof message>[1], values?: Record<string, string | number>) => escapeText(message(locale, key, values));
  const nav = [
    n > 1 ? `<a href="${section.anchor}-${n - 1}.html">&larr; ${t('report.previous')}</a>` : '',
    `<a href="../index.html">${t('report.back')}</a>`,
    n < pages ? `<a href="${section.anchor}-${n + 1}.html">${t('report.next')} &rarr;</a>` : '',
  ]
    .filter(Boolean)
    .join(' &middot; ');
  yield `${head(`${group.label} (${n}/${pages}) – ${title}`, locale)}<nav>${nav}</nav>`;
  yield `<h1 id="top">${escapeText(group.label)} <span class="count">${t('report.pageOf', { n, pages })}</span></h1>${description(group)}`;
  yield `<p>${t('report.itemsOf', { range: itemRange(first, last, locale), total: group.itemCount })}</p><div>`;
  yield* itemTables(merged.groupRows(group.seq, first, last), itemIds);
  yield `</div><nav>${nav}</nav></body>\n</html>\n`;
}

// ─── helpers ────────────────────────────────────────────────────────────────

/** @returns the 1-based ranks of the first and last item on page `n` */
function pageRange(section: ReportSection, n: number): [number, number] {
  return [(n - 1) * section.pageSize + 1, Math.min(n * section.pageSize, section.group.itemCount)];
}

function itemRange(first: number, last: number, locale: Locale): string {
  return escapeText(first === last ? message(locale, 'report.item', { n: first }) : message(locale, 'report.items', { first, last }));
}

function head(title: string, locale: Locale): string {
  return `<!DOCTYPE html>\n<html lang="${locale}">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta http-equiv="Content-Security-Policy" content="${CSP}">\n<meta name="referrer" content="no-referrer">\n<style>${CSS}</style>\n<title>${escapeText(title)}</title>\n</head>\n<body>\n`;
}

function label(group: MergedGroup): string {
  const count = group.itemCount > 1 ? ` <span class="count">(${group.itemCount})</span>` : '';
  return `${escapeText(group.label)}${count}`;
}

function description(group: MergedGroup): string {
  return group.description === '' ? '' : `<p>${escapeText(group.description)}</p>`;
}

/**
 * One `<table>` per merged item; consecutive rows of the same item share it. With `itemIds` (a
 * reviewer's draft) each table is captioned with its item's id, the handle to withhold it by.
 */
function* itemTables(rows: Iterable<MergedRow>, itemIds = false): Generator<string> {
  let current: string | undefined;
  for (const row of rows) {
    const key = `${row.groupSeq}:${row.rank}`;
    if (key !== current) {
      const open = itemIds ? `<table><caption class="item-id">${escapeText(row.itemId)}</caption><tbody>` : '<table><tbody>';
      yield current === undefined ? open : `</tbody></table>${open}`;
      current = key;
    }
    for (const { name, value } of JSON.parse(row.pairs) as ExportPair[]) {
      yield `<tr><th>${escapeText(name)}</th><td>${renderValue(value)}</td></tr>`;
    }
  }
  if (current !== undefined) yield '</tbody></table>';
}
