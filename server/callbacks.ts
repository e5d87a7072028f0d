/**
 * Where processors deliver the final answer of a page they accepted for
 * later (HTTP 202): `POST /callbacks/:requestId/:plugin/:page/:token`. The
 * token is derived from the request, plugin and page (lib/secrets.ts), so a
 * URL works for its one page; a plugin with a `secret` must sign its callback
 * as the engine signs its requests. The answer becomes a signal, accepted
 * even while no worker runs. Wrong token or signature: 401, nothing changes;
 * a page answered already: 409, nothing changes; a finished request: 410.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Secret } from '../lib/config.ts';
import { verifySignature } from '../lib/http-signature.ts';
import { callbackToken, sameText } from '../lib/secrets.ts';
import { parseReapplyRunId } from '../model/request.ts';
import { pluginAnswerSignal } from '../workflows/definitions.ts';
import type { RequestService } from './requests.ts';

/** An erasure page's answer is small; a megabyte leaves room for messages and a receipt. */
const MAX_CALLBACK_BYTES = 1024 * 1024;

export function callbackRoutes(service: RequestService, options: { secret: Secret; env?: Readonly<Record<string, string | undefined>> }) {
  const app = new Hono();
  const env = options.env ?? process.env;
  const refuse = (status: 401 | 404 | 409 | 410, code: string, message: string) =>
    new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'Content-Type': 'application/json' } });

  app.post(
    '/:requestId/:plugin/:page/:token',
    bodyLimit({
      maxSize: MAX_CALLBACK_BYTES,
      onError: () => refuse(409, 'body_too_large', `Cannot accept the callback: its body is over ${MAX_CALLBACK_BYTES} bytes`),
    }),
    async (c) => {
      const { requestId, plugin, token } = c.req.param();
      const page = Number(c.req.param('page'));
      if (!Number.isSafeInteger(page) || page < 1 || !sameText(token, callbackToken(options.secret, requestId, plugin, page))) {
        return refuse(401, 'invalid_token', 'Cannot accept the callback: its URL is not one the engine gave out');
      }
      // A re-application of an erasure is addressed as `<requestId>.r<n>` (model/request.ts).
      const run = parseReapplyRunId(requestId);
      const request = run ? await service.findReapply(run.requestId, run.n) : await service.find(requestId);
      if (!request) return refuse(410, 'gone', `Cannot accept the callback: request "${requestId}" no longer exists`);
      const callbacks = request.memo.callbacks;
      const declared = callbacks?.plugins[plugin];
      if (!request.running) return refuse(410, 'finished', `Cannot accept the callback: request "${requestId}" is ${request.memo.status}`);
      if (declared === undefined) return refuse(404, 'unknown_plugin', `Cannot accept the callback: request "${requestId}" does not wait for "${plugin}"`);
      const body = await c.req.text();
      if (declared.secret !== undefined) {
        const secret = env[declared.secret];
        const signed =
          secret !== undefined && verifySignature({ secret, body, timestamp: c.req.header('X-DSR-Timestamp'), signature: c.req.header('X-DSR-Signature') });
        if (!signed) return refuse(401, 'invalid_signature', 'Cannot accept the callback: its X-DSR-Signature does not match its body and X-DSR-Timestamp');
      }
      if (callbacks?.answered.includes(`${plugin}|${page}`)) {
        return refuse(409, 'already_answered', `Cannot accept the callback: page ${page} of "${plugin}" was answered already; nothing changed`);
      }
      await service.handle(request).signal(pluginAnswerSignal, { plugin, page, body });
      return c.json({ accepted: true }, 202);
    },
  );
  return app;
}
