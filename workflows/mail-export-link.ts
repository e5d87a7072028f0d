/**
 * Mails the download link of a finished export again, when an admin asks:
 * e.g. an export the admin downloaded first, or a person who lost the mail.
 * Its own small workflow, since the request's has already completed.
 */
import type { Actor } from '../model/audit.ts';
import type { Locale } from '../model/locale.ts';
import { mail } from './activity-proxies.ts';

export async function mailExportLink(input: {
  requestId: string;
  email: string;
  file: string;
  expiresAt: string;
  tag: string;
  locale?: Locale | undefined;
  /** Who asked (kept in this workflow's input: the history is the record). */
  by?: Actor | undefined;
}): Promise<void> {
  const { by: _by, ...mailInput } = input;
  await mail.sendDownloadMail(mailInput);
}
