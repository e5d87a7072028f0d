import { formatDateIn, type Locale } from '../lib/locale.ts';
import { message } from '../lib/messages/index.ts';
import type { EraserOutcome, ErasureReport, RequestAction } from '../model/request.ts';

/**
 * The texts of the mails a person receives, in their language
 * (lib/messages/); in English WordPress's own (docs/WORDPRESS.md#mails),
 * with the expiry stated plainly.
 */

export interface Site {
  name: string;
  url: string;
}

/** "Howdy," … "Regards, All at <site>" in the person's language, around the lines of a mail. */
export function letter(site: Site, locale: Locale, lines: readonly string[]): string {
  return [
    message(locale, 'mail.greeting'),
    '',
    ...lines,
    message(locale, 'mail.regards'),
    message(locale, 'mail.allAt', { site: site.name }),
    site.url,
    '',
  ].join('\n');
}

export function confirmationMail(site: Site, action: RequestAction, link: string, expiresAt: string, locale: Locale = 'en') {
  const described = message(locale, `action.${action}`);
  return {
    subject: message(locale, 'confirm.subject', { site: site.name, action: described }),
    text: letter(site, locale, [
      message(locale, 'confirm.intro'),
      '',
      `     ${described}`,
      '',
      message(locale, 'confirm.click'),
      link,
      '',
      message(locale, 'confirm.until', { date: formatDateIn(expiresAt, locale) }),
      '',
      message(locale, 'confirm.ignore'),
      '',
    ]),
  };
}

export function downloadMail(site: Site, link: string, expiresAt: string, locale: Locale = 'en') {
  return {
    subject: message(locale, 'download.subject', { site: site.name }),
    text: letter(site, locale, [message(locale, 'download.body', { date: formatDateIn(expiresAt, locale) }), '', link, '']),
  };
}

/** The erasure-fulfilment mail: what was erased, what was kept and why, in the erasers' own words. */
export function erasureMail(site: Site, report: ErasureReport, locale: Locale = 'en') {
  const lines = (outcomes: EraserOutcome[]) => outcomes.flatMap((o) => o.messages.map((text) => `  - ${o.name}: ${text}`));
  const erased = lines(report.erasers.filter((o) => o.itemsRemoved && !o.itemsRetained));
  const kept = lines(report.erasers.filter((o) => o.itemsRetained));
  const body: string[] = [];
  if (erased.length === 0 && kept.length === 0) body.push(message(locale, 'erased.nothing'), '');
  if (erased.length > 0) body.push(message(locale, 'erased.erased'), ...erased, '');
  if (kept.length > 0) body.push(message(locale, 'erased.kept'), ...kept, '');
  // Art. 19, second sentence: the person may learn who was told; a recipient that could not be reached was not.
  const told = (report.notified ?? []).filter((notice) => notice.notifiedAt !== undefined);
  if (told.length > 0) body.push(message(locale, 'erased.recipients'), ...told.map((notice) => `  - ${notice.name}`), '');
  return {
    subject: message(locale, 'erased.subject', { site: site.name }),
    text: letter(site, locale, [message(locale, 'erased.done', { site: site.name }), '', ...body, message(locale, 'erased.questions'), '']),
  };
}
