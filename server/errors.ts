/**
 * One JSON error shape for the whole API: `{ error: { code, message, … } }`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { core } from 'zod';
import { summarizeError } from '../lib/redacting-logger.ts';
import { ForbiddenActionError, RequestStateError } from './request-actions.ts';
import { DuplicateRequestError, ReapplyRunningError } from './requests.ts';

export function apiError(status: ContentfulStatusCode, code: string, message: string, extra: Record<string, unknown> = {}): HTTPException {
  return new HTTPException(status, {
    message,
    res: new Response(JSON.stringify({ error: { code, message, ...extra } }), {
      status,
      headers: { 'Content-Type': 'application/json' },
    }),
  });
}

/** zValidator hook: a 400 that names every field and what would be valid. */
export function validationHook(result: { success: true } | { success: false; error: { issues: readonly core.$ZodIssue[] } }, c: Context) {
  if (result.success) return;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(body)'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return c.json({ error: { code: 'invalid_request', message: `Cannot accept the request: ${summary}`, fields } }, 400);
}

/** An unexpected error as the server log may hold it: name and type, never the message (it may quote personal data). */
export function loggableError(error: unknown): string {
  return error instanceof Error ? JSON.stringify(summarizeError(error)) : typeof error;
}

/** A refusal the request model explains (wrong status, export gone, a duplicate): what every audience is told. */
export interface DomainRefusal {
  status: 403 | 409 | 410;
  code: string;
  message: string;
  /** A duplicate: the request that is already open. */
  existingId?: string;
}

/**
 * The one mapping of the domain's errors: the API answers it as JSON, the admin pages as a
 * notice. Anything else is not a refusal (undefined): a bug or an outage, logged as such.
 */
export function domainRefusal(error: unknown): DomainRefusal | undefined {
  if (error instanceof RequestStateError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof ForbiddenActionError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof ReapplyRunningError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof DuplicateRequestError) return { status: 409, code: 'duplicate_request', message: error.message, existingId: error.existingId };
  return undefined;
}
