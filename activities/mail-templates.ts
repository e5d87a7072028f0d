import { formatDate } from '../lib/format.ts';
import type { EraserOutcome, ErasureReport } from '../model/request.ts';

/**
 * The texts of the mails a person receives, after WordPress's own
 * (docs/WORDPRESS.md#mails), with the expiry stated plainly.
 */

export interface Site {
  name: string;
  url: string;
}

const ACTION_DESCRIPTION = { export: 'Export Personal Data', erase: 'Erase Personal Data' } as const;

/** "Howdy, …" ends as WordPress's mails do: regards from the site, and its address. */
function signature(site: Site): string[] {
  return ['Regards,', `All at ${site.name}`, site.url, ''];
}

export function confirmationMail(site: Site, action: keyof typeof ACTION_DESCRIPTION, link: string, expiresAt: string) {
  return {
    subject: `[${site.name}] Confirm Action: ${ACTION_DESCRIPTION[action]}`,
    text: [
      'Howdy,',
      '',
      'A request has been made to perform the following action on your account:',
      '',
      `     ${ACTION_DESCRIPTION[action]}`,
      '',
      'To confirm this, please click on the following link:',
      link,
      '',
      `The link works until ${formatDate(expiresAt)}.`,
      '',
      'You can safely ignore and delete this email if you do not want to',
      'take this action.',
      '',
      ...signature(site),
    ].join('\n'),
  };
}

export function downloadMail(site: Site, link: string, expiresAt: string) {
  return {
    subject: `[${site.name}] Personal Data Export`,
    text: [
      'Howdy,',
      '',
      'Your request for an export of personal data has been completed. You may',
      'download your personal data by clicking on the link below. For privacy',
      `and security, we will automatically delete the file on ${formatDate(expiresAt)},`,
      'so please download it before then.',
      '',
      link,
      '',
      ...signature(site),
    ].join('\n'),
  };
}

/** The erasure-fulfilment mail: what was erased, what was kept and why, in the erasers' own words. */
export function erasureMail(site: Site, report: ErasureReport) {
  const lines = (outcomes: EraserOutcome[]) => outcomes.flatMap((o) => o.messages.map((message) => `  - ${o.name}: ${message}`));
  const erased = lines(report.erasers.filter((o) => o.itemsRemoved && !o.itemsRetained));
  const kept = lines(report.erasers.filter((o) => o.itemsRetained));
  const body: string[] = [];
  if (erased.length === 0 && kept.length === 0) body.push('We found no personal data about you to erase.', '');
  if (erased.length > 0) body.push('What we erased:', ...erased, '');
  if (kept.length > 0) body.push('What we kept, and why:', ...kept, '');
  return {
    subject: `[${site.name}] Erasure Request Fulfilled`,
    text: [
      'Howdy,',
      '',
      `Your request to erase your personal data on ${site.name} has been completed.`,
      '',
      ...body,
      'If you have any follow-up questions or concerns, please contact the site administrator.',
      '',
      ...signature(site),
    ].join('\n'),
  };
}
