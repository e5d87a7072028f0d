/**
 * The worker's log, without the words of errors.
 *
 * The SDK logs every failed activity with its error (`Activity failed
 * { error }`), and an error's message is whatever the plugin threw or the
 * remote service answered: it can quote an email address or an exported
 * value. Workflow histories keep those messages encrypted
 * (lib/failure-converter.ts); a log is kept in clear text for weeks. So the
 * log keeps an error's name and type, enough to see what failed and where,
 * and the message and stack stay in the history, readable through the
 * codec endpoint in the Temporal UI.
 *
 * @example Runtime.install({ logger: new RedactingLogger(new DefaultLogger('INFO')) });
 */
import { types } from 'node:util';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

/** What stands in a log for an error's message. Workers: the encrypted workflow history keeps the message. */
export const WITHHELD = 'message withheld from the log: it may quote personal data';

/** A logger that passes everything to `inner`, with every `Error` in the metadata reduced by {@link summarizeError}. */
export class RedactingLogger implements Logger {
  readonly #inner: Logger;

  constructor(inner: Logger) {
    this.#inner = inner;
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.#inner.log(level, message, meta === undefined ? undefined : redactErrors(meta));
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** `meta` with each `Error` value replaced by its {@link summarizeError}; other values as they are. */
export function redactErrors(meta: LogMetadata): LogMetadata {
  const out: LogMetadata = {};
  for (const [key, value] of Object.entries(meta)) out[key] = isError(value) ? summarizeError(value) : value;
  return out;
}

/**
 * Whether `value` is an error, from this realm or another: workflow code runs
 * in a `vm` context whose `Error` is not ours, and the SDK logs its failures
 * (`Workflow failed { error }`) with that context's errors.
 */
function isError(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}

/**
 * What of an error may be logged: its name, its failure type (Temporal's
 * `ApplicationFailure.type`, ours are the error class names), its code
 * (ENOSPC…) and, along the `cause` chain, the same of each cause.
 * @example summarizeError(new TypeError('alex@example.com')) // { name: 'TypeError', message: WITHHELD }
 */
export function summarizeError(error: Error, depth = 0): Record<string, unknown> {
  const type = (error as { type?: unknown }).type;
  const cause = (error as { cause?: unknown }).cause;
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    ...(typeof type === 'string' ? { type } : {}),
    // A system or library code (ENOSPC, ECONNREFUSED, ERR_…) says what to fix and never quotes data.
    ...(typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? { code } : {}),
    message: WITHHELD,
    ...(isError(cause) && depth < 5 ? { cause: summarizeError(cause, depth + 1) } : {}),
  };
}
