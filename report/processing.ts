/**
 * The half of an access answer that is not the data: what is done with it
 * (GDPR Art. 15(1)(a)–(h) and 15(2)), from what plugins.yaml declares.
 * `processing.json` is the machine-readable form (per source and per
 * category of data); the report's section "How we use your data and your
 * rights" the readable one. What is not declared is said to be missing,
 * never made up; a group an exporter returned that its declaration does not
 * name is flagged as undeclared, so the declared picture cannot silently rot.
 */
import { isLocale, type Locale } from '../lib/locale.ts';
import { type MessageKey, message } from '../lib/messages/index.ts';
import { escapeHtml } from './html.ts';
import type { StagedGroup } from './staging.ts';

/** A text for the person: one string, or one per language. */
export type Text = string | Readonly<Record<string, string>>;

export interface DeclaredProcessing {
  purposes: readonly Text[];
  legalBasis: Text;
  categories: readonly (string | { group: string; label?: Text | undefined; description?: Text | undefined })[];
  recipients: readonly Text[];
  retention: Text;
  source?: Text | undefined;
  transfers: readonly { to: Text; safeguard: Text }[];
  automatedDecisions?: { logic: Text; consequences: Text } | undefined;
}

export interface DeclaredController {
  name: Text;
  contact: Text;
  dpo?: Text | undefined;
  supervisoryAuthority?: Text | undefined;
  rights?: Text | undefined;
}

/** What the manifest declares, exporter by exporter in manifest order. */
export interface ProcessingInput {
  controller?: DeclaredController | undefined;
  exporters: readonly { key: string; name: string; processing?: DeclaredProcessing | undefined }[];
}

export interface CategoryReport {
  group: string;
  label: string;
  description?: string;
  /** Items of this group in this export, from this source. */
  items: number;
}

export interface SourceReport {
  plugin: { key: string; name: string };
  declared: boolean;
  purposes: string[];
  legalBasis?: string;
  categories: CategoryReport[];
  recipients: string[];
  retention?: string;
  source?: string;
  transfers: { to: string; safeguard: string }[];
  automatedDecisions?: { logic: string; consequences: string };
}

export interface ProcessingReport {
  language: string;
  controller: { name: string; contact: string; dpo?: string; supervisoryAuthority?: string; rights?: string } | null;
  /** Per source of data (each exporter). */
  sources: SourceReport[];
  /** Per category of data: which sources hold it, for which purposes, on which bases, kept how long, given to whom. */
  categories: { group: string; label: string; sources: string[]; purposes: string[]; legalBases: string[]; retention: string[]; recipients: string[] }[];
  /** Groups the export holds that their source's declared categories leave out (drift); a source that declares nothing is in `missing`. */
  undeclared: { plugin: string; group: string; label: string; items: number }[];
  /** What the declarations leave out, in words the person can read. */
  missing: string[];
  /** The person's rights, and where to complain. */
  rights: string[];
  /** What a reviewer held back from this copy (Art. 15(4)): how many items of which group, and why; never the values. */
  withheld: { group: string; label: string; items: number; wholeGroup: boolean; ground: string; reason: string }[];
}

/** The text in `language`, else English, else the first one given. */
export function textIn(text: Text, language: string): string {
  if (typeof text === 'string') return text;
  return text[language] ?? text[language.split('-')[0] ?? ''] ?? text.en ?? Object.values(text)[0] ?? '';
}

const RIGHTS = ['access', 'rectify', 'erase', 'restrict', 'portable', 'complain'] as const;

/** Our own words in the report's language: one of ours, else English. */
function wordsFor(language: string): Locale {
  const base = language.split('-')[0] ?? '';
  return isLocale(base) ? base : 'en';
}

/** The report of what is done with the data, for the groups this export holds. */
export function processingReport(
  input: ProcessingInput,
  staged: readonly StagedGroup[],
  language = 'en',
  withheld: readonly { group: string; label: string; items: number; whole: boolean; ground: string; reason: string }[] = [],
): ProcessingReport {
  const t = (text: Text | undefined) => (text === undefined ? undefined : textIn(text, language));
  const words = wordsFor(language);
  const missing: string[] = [];
  const controller = input.controller;
  if (controller === undefined) missing.push(message(words, 'processing.missingController'));
  const undeclared: ProcessingReport['undeclared'] = [];
  const sources = input.exporters.map((exporter, index): SourceReport => {
    const groups = staged.filter((group) => group.exporter === index);
    const processing = exporter.processing;
    if (processing === undefined) {
      missing.push(message(words, 'processing.missingSource', { source: exporter.name }));
      return {
        plugin: { key: exporter.key, name: exporter.name },
        declared: false,
        purposes: [],
        categories: groups.map((group) => ({ group: group.groupId, label: group.groupLabel, items: group.items })),
        recipients: [],
        transfers: [],
      };
    }
    const declared = processing.categories.map((category) => (typeof category === 'string' ? { group: category } : category));
    const categories: CategoryReport[] = declared.map((category) => {
      const found = groups.find((group) => group.groupId === category.group);
      const description = t('description' in category ? category.description : undefined);
      return {
        group: category.group,
        label: t('label' in category ? category.label : undefined) ?? found?.groupLabel ?? category.group,
        ...(description ? { description } : {}),
        items: found?.items ?? 0,
      };
    });
    for (const group of groups) {
      if (declared.some((category) => category.group === group.groupId)) continue;
      undeclared.push({ plugin: exporter.key, group: group.groupId, label: group.groupLabel, items: group.items });
      categories.push({ group: group.groupId, label: group.groupLabel, items: group.items });
    }
    const source = t(processing.source);
    const decisions = processing.automatedDecisions;
    return {
      plugin: { key: exporter.key, name: exporter.name },
      declared: true,
      purposes: processing.purposes.map((purpose) => textIn(purpose, language)),
      legalBasis: textIn(processing.legalBasis, language),
      categories,
      recipients: processing.recipients.map((recipient) => textIn(recipient, language)),
      retention: textIn(processing.retention, language),
      ...(source ? { source } : {}),
      transfers: processing.transfers.map((transfer) => ({ to: textIn(transfer.to, language), safeguard: textIn(transfer.safeguard, language) })),
      ...(decisions ? { automatedDecisions: { logic: textIn(decisions.logic, language), consequences: textIn(decisions.consequences, language) } } : {}),
    };
  });
  const byGroup = new Map<string, ProcessingReport['categories'][number]>();
  for (const source of sources) {
    for (const category of source.categories) {
      let entry = byGroup.get(category.group);
      if (entry === undefined) {
        entry = { group: category.group, label: category.label, sources: [], purposes: [], legalBases: [], retention: [], recipients: [] };
        byGroup.set(category.group, entry);
      }
      const add = (list: string[], values: readonly (string | undefined)[]) => {
        for (const value of values) if (value !== undefined && !list.includes(value)) list.push(value);
      };
      add(entry.sources, [source.plugin.name]);
      add(entry.purposes, source.purposes);
      add(entry.legalBases, [source.legalBasis]);
      add(entry.retention, [source.retention]);
      add(entry.recipients, source.recipients);
    }
  }
  const dpo = t(controller?.dpo);
  const authority = t(controller?.supervisoryAuthority);
  const where = t(controller?.rights);
  return {
    language,
    controller:
      controller === undefined
        ? null
        : {
            name: textIn(controller.name, language),
            contact: textIn(controller.contact, language),
            ...(dpo ? { dpo } : {}),
            ...(authority ? { supervisoryAuthority: authority } : {}),
            ...(where ? { rights: where } : {}),
          },
    sources,
    categories: [...byGroup.values()],
    undeclared,
    missing,
    withheld: withheld.map(({ group, label, items, whole, ground, reason }) => ({ group, label, items, wholeGroup: whole, ground, reason })),
    rights: [
      ...RIGHTS.map((right) => message(words, `processing.right.${right}`)),
      ...(where ? [message(words, 'processing.right.where', { where })] : []),
      ...(authority ? [message(words, 'processing.right.authority', { authority })] : []),
    ],
  };
}

/** The report's section: who answers for the data, what each source does with it, and the person's rights. */
export function processingSectionHtml(report: ProcessingReport): string {
  const words = wordsFor(report.language);
  const w = (key: MessageKey, values?: Record<string, string | number>) => message(words, key, values);
  const e = escapeHtml;
  const row = (term: MessageKey, value: string | undefined) =>
    value === undefined || value === '' ? '' : `<tr><th>${e(w(term))}</th><td>${e(value)}</td></tr>`;
  const list = (values: readonly string[]) => values.join('; ');
  const none = w('processing.none');
  const parts: string[] = [];
  if (report.withheld.length > 0) {
    parts.push(`<h3>${e(w('processing.withheldHeading'))}</h3><p>${e(w('processing.withheldIntro'))}</p><ul>`);
    for (const held of report.withheld) {
      const what = w(held.wholeGroup ? 'processing.withheldGroup' : 'processing.withheldItems', { count: held.items, label: held.label });
      parts.push(`<li>${e(what)}: ${e(held.ground)}. ${e(held.reason)}</li>`);
    }
    parts.push('</ul>');
  }
  const c = report.controller;
  parts.push(`<h3>${e(w('processing.who'))}</h3>`);
  parts.push(
    c === null
      ? `<p>${e(w('processing.noController'))}</p>`
      : `<table><tbody>${row('processing.controller', c.name)}${row('processing.contact', c.contact)}${row('processing.dpo', c.dpo)}${row('processing.authority', c.supervisoryAuthority)}${row('processing.where', c.rights)}</tbody></table>`,
  );
  parts.push(`<h3>${e(w('processing.bySource'))}</h3>`);
  for (const source of report.sources) {
    parts.push(`<h4>${e(source.plugin.name)}</h4>`);
    if (!source.declared) {
      parts.push(`<p>${e(w('processing.noSource'))}</p>`);
      continue;
    }
    const categories = source.categories.map((category) => `${category.label}${category.description ? ` (${category.description})` : ''}`);
    const transfers = source.transfers.map((transfer) => w('processing.safeguarded', { to: transfer.to, safeguard: transfer.safeguard }));
    const decisions = source.automatedDecisions;
    parts.push(
      `<table><tbody>${row('processing.purposes', list(source.purposes))}${row('processing.legalBasis', source.legalBasis)}${row(
        'processing.categories',
        list(categories),
      )}${row('processing.recipients', source.recipients.length ? list(source.recipients) : none)}${row('processing.retention', source.retention)}${row(
        'processing.source',
        source.source ?? w('processing.fromYou'),
      )}${row('processing.transfers', transfers.length ? list(transfers) : none)}${row(
        'processing.decisions',
        decisions ? w('processing.consequences', { logic: decisions.logic, consequences: decisions.consequences }) : none,
      )}</tbody></table>`,
    );
  }
  if (report.undeclared.length > 0) {
    parts.push(`<h3>${e(w('processing.undeclaredHeading'))}</h3><ul>`);
    for (const group of report.undeclared) parts.push(`<li>${e(group.label)} (${e(w('processing.itemCount', { count: group.items }))})</li>`);
    parts.push('</ul>');
  }
  if (report.missing.length > 0) {
    parts.push(`<h3>${e(w('processing.missingHeading'))}</h3><p>${e(w('processing.missingIntro'))}</p><ul>`);
    for (const gap of report.missing) parts.push(`<li>${e(gap)}</li>`);
    parts.push('</ul>');
  }
  parts.push(`<h3>${e(w('processing.rightsHeading'))}</h3><ul>`);
  for (const right of report.rights) parts.push(`<li>${e(right)}</li>`);
  parts.push('</ul>');
  return parts.join('');
}
