/**
 * Sends mail at most once per idempotency key. Temporal retries an activity
 * whose result was lost, so every send first checks a ledger on disk and
 * records the accepted message after the SMTP server takes it. A message-id
 * derived from the key lets receiving servers drop the rare duplicate left
 * by a crash between the two.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import { PermanentMailError } from './errors.ts';
import { hashKey } from './secrets.ts';
import type { StoragePaths } from './storage.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Same key, same message: sent once. */
  idempotencyKey: string;
}

export interface Mailer {
  /** @returns the message-id, and whether this call sent it (false: already sent before). */
  send(mail: OutgoingMail): Promise<{ messageId: string; sent: boolean }>;
  close(): void;
}

export function createMailer(options: { smtpUrl: string; from: string; paths: StoragePaths }): Mailer {
  const transport = nodemailer.createTransport(options.smtpUrl);
  return {
    async send(mail) {
      const hash = hashKey(mail.idempotencyKey);
      const ledger = options.paths.mailLedger(hash);
      const previous = await readFile(ledger, 'utf8').catch(() => undefined);
      if (previous !== undefined) return { messageId: JSON.parse(previous).messageId as string, sent: false };
      const messageId = `<${hash.slice(0, 40)}@dsr-engine>`;
      try {
        await transport.sendMail({ from: options.from, to: mail.to, subject: mail.subject, text: mail.text, messageId });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        // Messages of SMTP errors can quote the recipient: keep only codes, so no address reaches logs.
        if (code !== undefined && code >= 500) {
          throw new PermanentMailError(`Cannot deliver mail: the mail server refused it permanently (SMTP ${code})`);
        }
        const kind = (error as { code?: string }).code ?? 'unknown error';
        throw new Error(`Cannot deliver mail yet: ${kind}${code === undefined ? '' : ` (SMTP ${code})`}`);
      }
      const temp = `${ledger}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ messageId, at: new Date().toISOString() }), { mode: 0o600 });
      await rename(temp, ledger);
      return { messageId, sent: true };
    },
    close() {
      transport.close();
    },
  };
}
