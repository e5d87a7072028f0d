/**
 * How an eraser's messages are kept: in order, each said once, so an eraser
 * that writes the same line on every page (a 50,000-item erasure has 100
 * pages) shows it once; past a few hundred distinct ones they are counted,
 * to keep heartbeats, activity results and the memo small.
 *
 * Plain TypeScript without imports: the erase activity (activities/erase-batch.ts)
 * and the erase workflow (workflows/erase-request.ts) both use it.
 */

/** Messages kept per eraser (and per batch); the rest are counted in `messagesOmitted`. */
export const MAX_MESSAGES = 200;

/** Where messages are kept: an eraser's outcome, or a batch's running counts. */
export interface KeptMessages {
  messages: string[];
  /** Messages beyond {@link MAX_MESSAGES}, counted rather than kept. */
  messagesOmitted?: number;
}

/**
 * Appends to `into.messages` each of `messages` it does not hold yet, up to
 * {@link MAX_MESSAGES}; each one past that adds 1 to `into.messagesOmitted`.
 * @example keepMessages(outcome, ['Some data was kept: invoices (tax law)'])
 */
export function keepMessages(into: KeptMessages, messages: readonly string[]): void {
  const kept = new Set(into.messages);
  for (const message of messages) {
    if (kept.has(message)) continue;
    if (into.messages.length < MAX_MESSAGES) {
      into.messages.push(message);
      kept.add(message);
    } else {
      into.messagesOmitted = (into.messagesOmitted ?? 0) + 1;
    }
  }
}
