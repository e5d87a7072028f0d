/**
 * Mail activities. Each is idempotent: a retried activity sends nothing twice
 * (see lib/mailer.ts). The confirmation key is derived from the request id
 * and the link generation, so a retry mails the same key, and only its hash
 * goes back to the workflow.
 */
import type { Secret } from '../lib/config.ts';
import type { Mailer } from '../lib/mailer.ts';
import { hashKey, keyedToken } from '../lib/secrets.ts';
import { confirmationMail, downloadMail, type Site } from './mail-templates.ts';

export interface MailDeps {
  mailer: Mailer;
  secret: Secret;
  site: Site;
  /** Base of every link in a mail, e.g. https://privacy.example.com */
  publicUrl: string;
}

export function createMailActivities({ mailer, secret, site, publicUrl }: MailDeps) {
  return {
    /** Mails the confirmation link for link generation `generation`; returns the key's hash only. */
    async sendConfirmationMail(input: { requestId: string; email: string; action: 'export'; generation: number; expiresAt: string }) {
      const key = keyedToken(secret, 'confirmation', `${input.requestId}:${input.generation}`);
      const link = `${publicUrl}/confirm?id=${encodeURIComponent(input.requestId)}&key=${key}`;
      const { subject, text } = confirmationMail(site, input.action, link, input.expiresAt);
      await mailer.send({ to: input.email, subject, text, idempotencyKey: `confirm:${input.requestId}:${input.generation}` });
      return { keyHash: hashKey(key) };
    },

    /** Mails the download link of a finished export. */
    async sendDownloadMail(input: { requestId: string; email: string; file: string; expiresAt: string }) {
      const link = `${publicUrl}/exports/${input.file}`;
      const { subject, text } = downloadMail(site, link, input.expiresAt);
      const { messageId } = await mailer.send({ to: input.email, subject, text, idempotencyKey: `download:${input.requestId}` });
      return { messageId };
    },
  };
}
