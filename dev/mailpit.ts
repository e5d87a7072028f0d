/**
 * Start and stop Mailpit, the mail catcher `npm start` sends through: a real
 * SMTP server and a web inbox on loopback, its store a SQLite file under var/
 * (so caught mail survives a restart). Like the Temporal CLI it is a Go
 * program, built once by `scripts/bootstrap.mjs` and found by {@link findMailpit}.
 *
 * @example
 * ```ts
 * const mailpit = await startMailpit({ binary: findMailpit(), smtpPort: 1025, uiPort: 8025, database: 'var/mailpit.db' });
 * // send to mailpit.smtpUrl, read on mailpit.uiUrl
 * await mailpit.stop();
 * ```
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type MailCatcher, mailbox } from './mail-catcher.ts';
import { findCachedTool } from './cached-tool.ts';

/** Version `scripts/bootstrap.mjs` builds; keep the two in sync (test/mailpit.test.ts checks). */
export const MAILPIT_VERSION = '1.33.1';

export interface MailpitOptions {
  /** Path of the `mailpit` binary (see {@link findMailpit}). */
  binary: string;
  smtpPort: number;
  uiPort: number;
  /** SQLite file that keeps caught mail; omitted = in memory. */
  database?: string;
  /** Append Mailpit's own log to this file. */
  logFile?: string;
  /** @default 30 000 ms */
  readyTimeoutMs?: number;
}

export interface Mailpit {
  /** `smtp://127.0.0.1:PORT`: where the engine sends. */
  smtpUrl: string;
  /** `http://127.0.0.1:PORT`: the inbox, and its API under `/api/v1/`. */
  uiUrl: string;
  pid: number;
  /** Settles when the process ends, however it ends (a `kill -9` included). */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s); resolves once it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns Mailpit on loopback and resolves once its API answers.
 * @throws {Error} with the tail of its output when it exits first (a port in use) or is not ready in time
 */
export async function startMailpit(options: MailpitOptions): Promise<Mailpit> {
  const host = '127.0.0.1';
  const args = [
    '--smtp',
    `${host}:${options.smtpPort}`,
    '--listen',
    `${host}:${options.uiPort}`,
    ...(options.database === undefined ? [] : ['--database', options.database]),
    // Offline and private: no update check, no reverse DNS of the sender, no outbound link checks.
    '--disable-version-check',
    '--smtp-disable-rdns',
    '--smtp-auth-accept-any',
    '--smtp-auth-allow-insecure',
    '--quiet',
  ];
  if (options.database !== undefined) fs.mkdirSync(path.dirname(path.resolve(options.database)), { recursive: true });
  const log = options.logFile === undefined ? undefined : fs.createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      log?.write(chunk);
    });
  }
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      output += `\ncould not run ${options.binary}: ${error.message}`;
      resolve();
    });
    child.once('close', () => {
      log?.end();
      resolve();
    });
  });
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  void exited.then(() => process.off('exit', onExit));

  const uiUrl = `http://${host}:${options.uiPort}`;
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 3_000): Promise<void> => {
    stopping ??= _terminate(child, exited, graceMs);
    return stopping;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  for (;;) {
    if (ended) throw new Error(`Mailpit (${options.binary}) exited while starting:\n${output.trim()}`);
    const ready = await fetch(`${uiUrl}/api/v1/info`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Mailpit did not answer on ${uiUrl} within ${options.readyTimeoutMs ?? 30_000} ms:\n${output.trim()}`);
    }
    await sleep(100);
  }
  return { smtpUrl: `smtp://${host}:${options.smtpPort}`, uiUrl, pid: child.pid ?? -1, exited, stop };
}

/**
 * Path of Mailpit: `$MAILPIT`, else the binary `scripts/bootstrap.mjs` builds into
 * `${XDG_CACHE_HOME:-~/.cache}/dsr-engine/mailpit-<version>/mailpit`.
 * @throws {Error} saying how to get it
 */
export function findMailpit(): string {
  return findCachedTool({
    name: 'mailpit',
    version: MAILPIT_VERSION,
    envVar: 'MAILPIT',
    howToGet: `Run \`npm start\` once: it builds it (go install github.com/axllent/mailpit@v${MAILPIT_VERSION}), or set MAILPIT to a mailpit binary, or SMTP_URL to a real relay.`,
  });
}

/** A message as Mailpit's API lists it. */
export interface MailpitMessage {
  ID: string;
  MessageID: string;
  Subject: string;
  To: { Address: string }[];
}

/** Every message in the inbox, newest first (Mailpit's order). */
export async function mailpitMessages(uiUrl: string): Promise<MailpitMessage[]> {
  const response = await fetch(`${uiUrl}/api/v1/messages?limit=500`);
  if (!response.ok) throw new Error(`Mailpit answered ${response.status} for its message list`);
  return ((await response.json()) as { messages: MailpitMessage[] }).messages;
}

/** One message's plain text. */
export async function mailpitText(uiUrl: string, id: string): Promise<string> {
  const response = await fetch(`${uiUrl}/api/v1/message/${encodeURIComponent(id)}`);
  if (!response.ok) throw new Error(`Mailpit answered ${response.status} for message ${id}`);
  return ((await response.json()) as { Text: string }).Text;
}

/**
 * Mailpit as a {@link MailCatcher}: one poller reads its API every `pollMs` and hands each new
 * message (with its text) to whoever waits for it. For the bench, whose times must not include
 * the in-process catcher's deliberate 100 ms wait before its SMTP greeting (smtp-server's
 * early-talker check): Mailpit greets at once, as a relay does.
 */
export function mailpitCatcher(mailpit: Pick<Mailpit, 'smtpUrl' | 'uiUrl' | 'stop'>, pollMs = 20): MailCatcher {
  const box = mailbox();
  const seen = new Set<string>();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      // Newest first: page back until a known message (or the end).
      const fresh: { ID: string; Subject: string; To: { Address: string }[]; From?: { Address: string } }[] = [];
      for (let start = 0; !stopped; start += 500) {
        const response = await fetch(`${mailpit.uiUrl}/api/v1/messages?limit=500&start=${start}`).catch(() => undefined);
        const page = response?.ok ? ((await response.json()) as { messages: typeof fresh }).messages : [];
        const unseen = page.filter((m) => !seen.has(m.ID));
        fresh.push(...unseen);
        if (page.length < 500 || unseen.length < page.length) break;
      }
      for (const message of fresh.reverse()) {
        seen.add(message.ID);
        const text = await mailpitText(mailpit.uiUrl, message.ID).catch(() => '');
        box.add({
          id: message.ID,
          from: message.From?.Address ?? '',
          to: message.To.map((to) => to.Address),
          subject: message.Subject,
          text,
          date: new Date(),
          raw: '',
        });
      }
      await sleep(pollMs);
    }
  };
  const polling = poll();
  return {
    smtpUrl: mailpit.smtpUrl,
    messages: box.messages,
    waitFor: box.waitFor,
    clear: box.clear,
    async close() {
      stopped = true;
      box.close();
      await polling;
      await mailpit.stop();
    },
  };
}

async function _terminate(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  await exited;
}
