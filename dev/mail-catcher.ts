/**
 * An in-process mail catcher for tests: a real SMTP server on loopback (no
 * auth, no TLS) that keeps every message it accepts in memory, parsed with
 * mailparser, and can refuse for a while or for good on cue. The engine
 * sends through it exactly as through a production relay, so tests exercise
 * the real SMTP path, including permanent (5xx) recipient refusals.
 * `npm start` catches mail with Mailpit instead (dev/mailpit.ts).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the catcher accepted. `to` is the SMTP envelope (so Bcc recipients appear). */
export interface CaughtMail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  messageId?: string;
  date: Date;
  raw: string;
}

/** A running catcher. */
export interface MailCatcher {
  /** Where to send: `smtp://127.0.0.1:PORT`. */
  smtpUrl: string;
  /** Caught messages, oldest first. */
  messages(): CaughtMail[];
  /** Resolves with the first caught message (already caught or future) that matches. */
  waitFor(predicate: (m: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  /** Forgets every caught message. */
  clear(): void;
  /** Stops the server (once: later calls return the same promise); pending `waitFor` calls reject. */
  close(): Promise<void>;
}

/** Options of {@link startMailCatcher}. */
export interface MailCatcherOptions {
  /** SMTP port; 0 picks a free one. @default 0 */
  smtpPort?: number;
  /** Interface to bind; keep it loopback, there is no auth. @default '127.0.0.1' */
  host?: string;
  /** For tests: recipients for which this returns true are refused with `550`. @default undefined */
  rejectRecipients?: (rcpt: string) => boolean;
  /**
   * For tests: while this returns true, every recipient (RCPT) and message (DATA) is refused
   * with `421 try again later`, as a relay that is overloaded or greylisting. @default undefined
   */
  refuseTemporarily?: () => boolean;
}

/**
 * Starts a catcher.
 *
 * @returns Once the SMTP server listens.
 * @example
 * const catcher = await startMailCatcher();
 * await transport.sendMail({ to: 'a@example.com', subject: 'Hi', text: 'x' });
 * const mail = await catcher.waitFor((m) => m.subject === 'Hi');
 * await catcher.close();
 */
export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const box = mailbox();

  const smtp = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: 1000,
    size: 50 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (options.refuseTemporarily?.() === true) {
        callback(_tryLater());
        return;
      }
      if (options.rejectRecipients?.(address.address) === true) {
        const refusal = Object.assign(new Error(`Mailbox unavailable: ${address.address}`), { responseCode: 550 });
        callback(refusal);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      if (options.refuseTemporarily?.() === true) {
        stream.on('end', () => callback(_tryLater()));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const envelopeFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
            const mail: CaughtMail = {
              id: randomUUID(),
              from: parsed.from?.value[0]?.address ?? envelopeFrom,
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              date: parsed.date ?? new Date(),
              raw: raw.toString('utf8'),
            };
            if (typeof parsed.html === 'string') mail.html = parsed.html;
            if (parsed.messageId !== undefined) mail.messageId = parsed.messageId;
            box.add(mail);
            callback();
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, host, () => {
      smtp.off('error', reject);
      resolve();
    });
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  const stopServers = async (): Promise<void> => {
    box.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  };

  const catcher: MailCatcher = {
    smtpUrl: `smtp://${_hostForUrl(host)}:${smtpPort}`,
    messages: box.messages,
    waitFor: box.waitFor,
    clear: box.clear,
    close() {
      closed ??= stopServers();
      return closed;
    },
  };
  return catcher;
}

/** The refusal a relay gives when it cannot take mail now: the sender must try again later. */
function _tryLater(): Error {
  return Object.assign(new Error('Service not available, try again later'), { responseCode: 421 });
}

function _hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Caught messages and who waits for which: what every catcher keeps, however mail reaches it. */
export function mailbox(): Pick<MailCatcher, 'messages' | 'waitFor' | 'clear'> & { add(mail: CaughtMail): void; close(): void } {
  const caught: CaughtMail[] = [];
  const waiters = new Set<{ predicate: (m: CaughtMail) => boolean; resolve: (m: CaughtMail) => void; reject: (e: Error) => void }>();
  return {
    add(mail) {
      caught.push(mail);
      for (const w of waiters)
        if (w.predicate(mail)) {
          waiters.delete(w);
          w.resolve(mail);
        }
    },
    messages: () => [...caught],
    waitFor(predicate, timeoutMs = 5000) {
      const found = caught.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<CaughtMail>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`Cannot find caught mail: none matched within ${timeoutMs} ms (${caught.length} caught)`));
        }, timeoutMs);
        const waiter = {
          predicate,
          resolve: (m: CaughtMail) => {
            clearTimeout(timer);
            resolve(m);
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        waiters.add(waiter);
      });
    },
    clear: () => {
      caught.length = 0;
    },
    close() {
      for (const w of waiters) w.reject(new Error('Cannot find caught mail: the catcher was closed'));
      waiters.clear();
    },
  };
}
