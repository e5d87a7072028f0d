/**
 * Telling the recipients of the data about an erasure (GDPR Art. 19): one
 * signed POST per recipient named under `notify:` in plugins.yaml. A
 * recipient acknowledges at once (200 `{ "acknowledged": true }`) or later
 * (202 `{ "status": "pending", "ticket"?, "retry_after"? }`, then a POST to
 * the notice's callback_url, or an answer when asked again with its ticket),
 * as an asynchronous processor answers a page (docs/PLUGINS.md).
 */
import { z } from 'zod';
import { signBody } from '../lib/http-signature.ts';
import { ManifestError, PluginContractError, PluginUnavailableError } from '../lib/errors.ts';
import type { Secret } from '../lib/config.ts';
import { callbackUrl } from '../lib/secrets.ts';
import type { RecipientSnapshot } from '../manifest/snapshot.ts';
import { pendingAnswer } from '../plugins/contract.ts';
import { loggingFailure } from './log-failure.ts';

/** An acknowledgement: the recipient erased or will erase what it received. */
const acknowledgementSchema = z.object({
  acknowledged: z.literal(true, 'expected "acknowledged": true'),
  /** What the recipient says it did, kept in the receipt. */
  message: z.string().max(2000).optional(),
});

/** The most a recipient's answer may be: an acknowledgement is a line or two. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface NoticeInput {
  requestId: string;
  email: string;
  recipient: RecipientSnapshot;
  /** When the erasure finished. */
  erasedAt: string;
  /** Asking again about a notice taken for later. */
  ticket?: string | undefined;
}

export interface NoticeAnswer {
  acknowledged?: { message?: string };
  pending?: { ticket?: string; retryAfterMs?: number };
}

export function createNoticeActivities(deps: { secret: Secret; publicUrl: string; env?: Readonly<Record<string, string | undefined>> }) {
  const env = deps.env ?? process.env;
  return {
    /** Sends the erasure notice (or asks again with the recipient's ticket); its answer: acknowledged, or pending. */
    async notifyRecipient(input: NoticeInput): Promise<NoticeAnswer> {
      const { recipient } = input;
      const context = { requestId: input.requestId, plugin: recipient.key, page: 1 };
      return loggingFailure('recipient notice', context, async () => {
        const body = JSON.stringify({
          notice: 'erasure',
          requestId: input.requestId,
          email: input.email,
          erasedAt: input.erasedAt,
          callback_url: callbackUrl(deps.publicUrl, deps.secret, input.requestId, recipient.key, 1),
          ...(input.ticket === undefined ? {} : { ticket: input.ticket }),
        });
        const headers: Record<string, string> = { 'User-Agent': 'dsr-engine', ...recipient.headers, 'Content-Type': 'application/json' };
        if (recipient.secret !== undefined) {
          const secret = env[recipient.secret];
          if (!secret) {
            throw new ManifestError(`Cannot sign the notice to recipient "${recipient.key}": the environment variable "${recipient.secret}" is not set`);
          }
          const signed = signBody(secret, body);
          headers['X-DSR-Timestamp'] = signed.timestamp;
          headers['X-DSR-Signature'] = signed.signature;
        }
        const url = new URL(recipient.url);
        const endpoint = `${url.origin}${url.pathname}`;
        let response: Response;
        let text: string;
        try {
          response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(recipient.timeoutMs) });
          text = (await response.text()).slice(0, MAX_ANSWER_BYTES);
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause?.code;
          throw new PluginUnavailableError(
            `Cannot reach recipient "${recipient.key}" at "${endpoint}": ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
          );
        }
        if (response.status >= 500 || response.status === 429) {
          throw new PluginUnavailableError(`Cannot tell recipient "${recipient.key}": "${endpoint}" answered ${response.status}`);
        }
        if (!response.ok) {
          throw new PluginContractError(`Cannot tell recipient "${recipient.key}": "${endpoint}" answered ${response.status}; expected 200 or 202`);
        }
        return readAcknowledgement(recipient, text);
      });
    },

    /** A recipient's acknowledgement as its callback delivered it (the server checked the token and signature). */
    async acceptAcknowledgement(input: { requestId: string; recipient: RecipientSnapshot; body: string }): Promise<NoticeAnswer> {
      const context = { requestId: input.requestId, plugin: input.recipient.key, page: 1 };
      return loggingFailure('recipient acknowledgement', context, async () => readAcknowledgement(input.recipient, input.body));
    },
  };
}

/** Pending, or an acknowledgement; anything else is a contract error that names what to fix. */
function readAcknowledgement(recipient: RecipientSnapshot, text: string): NoticeAnswer {
  let answer: unknown;
  try {
    answer = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new PluginContractError(`Cannot read the answer of recipient "${recipient.key}": it is not JSON`);
  }
  const later = pendingAnswer(answer);
  if (later) {
    return { pending: { ...(later.ticket ? { ticket: later.ticket } : {}), ...(later.retry_after ? { retryAfterMs: later.retry_after * 1000 } : {}) } };
  }
  const parsed = acknowledgementSchema.safeParse(answer);
  if (!parsed.success) {
    throw new PluginContractError(
      `Cannot read the answer of recipient "${recipient.key}": ${parsed.error.issues.map((issue) => issue.message).join('; ')} (or 202 with "status": "pending")`,
    );
  }
  return { acknowledged: parsed.data.message === undefined ? {} : { message: parsed.data.message } };
}
