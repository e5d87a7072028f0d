/**
 * Mail activities. Each is idempotent: a retried activity sends nothing twice
 * (see lib/mailer.ts). The confirmation key is derived from the request id
 * and the link generation, so a retry mails the same key; only its hash ever
 * reaches the workflow.
 */
import type { Secret } from '../lib/config.ts';
import { DEFAULT_LOCALE, type Locale } from '../lib/locale.ts';
import type { Mailer } from '../lib/mailer.ts';
import { hashKey, keyedToken } from '../lib/secrets.ts';
import type { ErasureReport, RequestAction } from '../model/request.ts';
import { loggingFailure } from './log-failure.ts';
import { confirmationMail, downloadMail, erasureMail, type Site } from './mail-templates.ts';

export interface MailDeps {
  mailer: Mailer;
  secret: Secret;
  site: Site;
  /** Base of every link in a mail, e.g. https://privacy.example.com */
  publicUrl: string;
}

export function createMailActivities({ mailer, secret, site, publicUrl }: MailDeps) {
  const confirmationKey = (requestId: string, generation: number) => keyedToken(secret, 'confirmation', `${requestId}:${generation}`);

  return {
    /**
     * The hash of the key that link generation `generation` will carry. The workflow records it
     * before the mail goes out, so a click, however quick, finds it.
     */
    async confirmationKeyHash(input: { requestId: string; generation: number }) {
      return hashKey(confirmationKey(input.requestId, input.generation));
    },

    /** Mails the confirmation link for link generation `generation`; returns the key's hash only. */
    async sendConfirmationMail(input: {
      requestId: string;
      email: string;
      action: RequestAction;
      generation: number;
      expiresAt: string;
      locale?: Locale | undefined;
    }) {
      const key = confirmationKey(input.requestId, input.generation);
      const link = `${publicUrl}/confirm?id=${encodeURIComponent(input.requestId)}&key=${key}`;
      const { subject, text } = confirmationMail(site, input.action, link, input.expiresAt, input.locale ?? DEFAULT_LOCALE);
      await loggingFailure('confirmation mail', { requestId: input.requestId }, () =>
        mailer.send({ to: input.email, subject, text, idempotencyKey: `confirm:${input.requestId}:${input.generation}` }),
      );
    },

    /** Mails the download link of a finished export; a `tag` makes an admin's later re-send a new mail. */
    async sendDownloadMail(input: { requestId: string; email: string; file: string; expiresAt: string; tag?: string; locale?: Locale | undefined }) {
      const link = `${publicUrl}/exports/${input.file}`;
      const { subject, text } = downloadMail(site, link, input.expiresAt, input.locale ?? DEFAULT_LOCALE);
      const { messageId } = await loggingFailure('download mail', { requestId: input.requestId }, () =>
        mailer.send({ to: input.email, subject, text, idempotencyKey: `download:${input.requestId}${input.tag ? `:${input.tag}` : ''}` }),
      );
      return { messageId };
    },

    /** Tells the person their erasure is done: what was erased, what was kept and why. */
    async sendErasureMail(input: { requestId: string; email: string; report: ErasureReport; locale?: Locale | undefined }) {
      const { subject, text } = erasureMail(site, input.report, input.locale ?? DEFAULT_LOCALE);
      const { messageId } = await loggingFailure('erasure mail', { requestId: input.requestId }, () =>
        mailer.send({ to: input.email, subject, text, idempotencyKey: `erased:${input.requestId}` }),
      );
      return { messageId };
    },
  };
}
