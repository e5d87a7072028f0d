/**
 * GDPR Art. 19: every recipient the data was disclosed to (`notify:` in
 * plugins.yaml) is told of the erasure, and its acknowledgement awaited as a
 * processor's answer is (processor-wait.ts): a recipient that cannot be
 * reached or never acknowledges is listed as such, never as told.
 */
import * as wf from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../lib/errors.ts';
import type { RecipientSnapshot } from '../manifest/snapshot.ts';
import type { RecipientNotice } from '../model/request.ts';
import { failureReason } from './activity-proxies.ts';
import type { Activities } from './activity-proxies.ts';
import type { ProcessorWait } from './processor-wait.ts';

/**
 * Tells every recipient, then waits for the acknowledgements still due (each until its own
 * asyncTimeout after its notice, so waiting one after another costs no extra time).
 */
export async function tellRecipients(input: {
  requestId: string;
  email: string;
  recipients: readonly RecipientSnapshot[];
  erasedAt: string;
  processors: ProcessorWait;
  /** Kept in the request as it goes (the erasure report's `notified`). */
  notices: RecipientNotice[];
  save: () => void;
}): Promise<void> {
  const { requestId, email, erasedAt, processors, notices } = input;
  const waiting: {
    recipient: RecipientSnapshot;
    notice: RecipientNotice;
    pending: NonNullable<Awaited<ReturnType<Activities['notifyRecipient']>>['pending']>;
  }[] = [];
  for (const [index, recipient] of input.recipients.entries()) {
    notices[index] ??= { key: recipient.key, name: recipient.name, ...(recipient.disclosed ? { disclosed: recipient.disclosed } : {}) };
    const notice = notices[index] as RecipientNotice;
    const { notifyRecipient } = noticeActivities(recipient);
    try {
      const answer = await notifyRecipient({ requestId, email, recipient, erasedAt });
      notice.notifiedAt = new Date().toISOString();
      if (answer.acknowledged) acknowledge(notice, answer.acknowledged, 'answer');
      else if (answer.pending) waiting.push({ recipient, notice, pending: answer.pending });
    } catch (error) {
      if (wf.isCancellation(error)) throw error;
      // The erasure is done; a recipient that cannot be told is listed as such for the team to follow up.
      notice.failed = failureReason(error);
    }
    input.save();
  }
  for (const { recipient, notice, pending } of waiting) {
    const { notifyRecipient, acceptAcknowledgement } = noticeActivities(recipient);
    const awaited = { since: notice.notifiedAt as string };
    const answered = await processors.answer({
      key: recipient.key,
      name: recipient.name,
      rules: recipient.async,
      page: 1,
      pending,
      awaited,
      poll: (ticket) => notifyRecipient({ requestId, email, recipient, erasedAt, ticket }),
      accept: (body) => acceptAcknowledgement({ requestId, recipient, body }),
    });
    if (answered?.result.acknowledged) acknowledge(notice, answered.result.acknowledged, answered.via);
    else notice.notAcknowledged = true;
    input.save();
  }
}

function acknowledge(notice: RecipientNotice, ack: { message?: string }, via: NonNullable<RecipientNotice['via']>): void {
  notice.acknowledgedAt = new Date().toISOString();
  notice.via = via;
  if (ack.message) notice.message = ack.message;
}

/** A recipient's own timeout and retries (a refusal or a broken answer is not retried). */
function noticeActivities(recipient: RecipientSnapshot) {
  return wf.proxyActivities<Activities>({
    startToCloseTimeout: recipient.timeoutMs + 5_000,
    retry: {
      maximumAttempts: recipient.retry.maxAttempts,
      initialInterval: recipient.retry.initialIntervalMs,
      maximumInterval: recipient.retry.maxIntervalMs,
      backoffCoefficient: 2,
      nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
    },
    summary: `recipient ${recipient.key}`,
  });
}
