/**
 * Sends mail at most once per idempotency key, whatever fails. Temporal
 * retries an activity whose result was lost, so before it sends, `send`
 * claims the key in a ledger on disk (a file created exclusively): a claim
 * that cannot be written (a full disk) stops the send, and a claim found by a
 * retry means the mail went out, or may have. The claim is dropped again only
 * when the SMTP server is known not to have taken the message.
 *
 * The price of "at most once": a worker killed between its claim and the
 * server's answer leaves a claim without a mail; the admin's "Resend" mails
 * a fresh link. The message-id is derived from the key, so receiving servers
 * can drop any duplicate another path might produce.
 */
import nodemailer from 'nodemailer';
import { PermanentMailError, StorageUnavailableError } from './errors.ts';
import { hashKey } from './secrets.ts';
import type { MailLedger } from '../storage/store.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Same key, same message: sent once. */
  idempotencyKey: string;
}

export interface Mailer {
  /** @returns the message-id, and whether this call sent it (false: already sent, or claimed, before). */
  send(mail: OutgoingMail): Promise<{ messageId: string; sent: boolean }>;
  close(): void;
}

export function createMailer(options: { smtpUrl: string; from: string; ledger: MailLedger }): Mailer {
  // Bounded, so one attempt ends well within the mail activity's 45 s (workflows/activity-proxies.ts).
  const transport = nodemailer.createTransport({ url: options.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
  return {
    async send(mail) {
      const hash = hashKey(mail.idempotencyKey);
      const messageId = `<${hash.slice(0, 40)}@dsr-engine>`;
      const claimed = await options.ledger.claim(hash, JSON.stringify({ messageId, claimedAt: new Date().toISOString() })).catch((error: unknown) => {
        throw ledgerError(error);
      });
      if (!claimed) return { messageId, sent: false };
      try {
        await transport.sendMail({ from: options.from, to: mail.to, subject: mail.subject, text: mail.text, messageId });
      } catch (error) {
        // Refused or unreachable: the server did not take it, so a retry may send it.
        await options.ledger.release(hash);
        const code = (error as { responseCode?: number }).responseCode;
        // Messages of SMTP errors can quote the recipient: keep only codes, so no address reaches logs.
        if (code !== undefined && code >= 500) {
          throw new PermanentMailError(`Cannot deliver mail: the mail server refused it permanently (SMTP ${code})`);
        }
        const kind = (error as { code?: string }).code ?? 'unknown error';
        throw Object.assign(new Error(`Cannot deliver mail yet: ${kind}${code === undefined ? '' : ` (SMTP ${code})`}`), {
          code: kind === 'unknown error' ? undefined : kind,
        });
      }
      return { messageId, sent: true };
    },
    close() {
      transport.close();
    },
  };
}

/** The file system's reason with its code (ENOSPC, EACCES…), which says what to fix; no path, no address. */
function ledgerError(error: unknown): Error {
  if (error instanceof StorageUnavailableError) return error; // an outage: waited out, nothing to fix
  const code = (error as { code?: string }).code ?? (error as Error).name;
  return new Error(`Cannot send mail yet: the mail ledger cannot be written (${code}); free space or fix the storage (STORAGE_DIR, STORAGE_URL)`, {
    cause: error,
  });
}
