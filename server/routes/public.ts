/**
 * What a person reaches without logging in: the confirmation link (it
 * signals the workflow) and the download link. Both carry unguessable
 * tokens; neither reveals whether an email address is known.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { hashKey, sameDigest } from '../../lib/secrets.ts';
import { EXPORT_FILE_PATTERN, type StoragePaths } from '../../lib/storage.ts';
import { confirmSignal } from '../../workflows/definitions.ts';
import { CONFIRM_OUTCOMES, page } from '../pages.ts';
import type { RequestService } from '../requests.ts';

const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function publicRoutes(service: RequestService, options: { siteName: string; paths: StoragePaths }) {
  const app = new Hono();

  app.get('/confirm', async (c) => {
    const outcome = async (): Promise<keyof typeof CONFIRM_OUTCOMES> => {
      const id = c.req.query('id') ?? '';
      const key = c.req.query('key') ?? '';
      if (!KEY_PATTERN.test(key)) return 'invalid';
      const request = await service.find(id);
      const keyHash = request?.memo.keyHash;
      if (!request || !keyHash || !sameDigest(hashKey(key), keyHash)) {
        return request?.memo.reason === 'expired' ? 'expired' : 'invalid';
      }
      const { memo } = request;
      if (memo.status === 'failed') return memo.reason === 'expired' ? 'expired' : 'ended';
      if (memo.status !== 'pending') return 'already';
      if (Date.now() >= Date.parse(memo.keyExpiresAt ?? '')) return 'expired';
      await service.handle(request).signal(confirmSignal, { keyHash });
      if (memo.action === 'erase') return 'confirmedErase';
      return memo.sendAsEmail ? 'confirmed' : 'confirmedByAdmin';
    };
    const result = CONFIRM_OUTCOMES[await outcome()];
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    return c.html(page(options.siteName, result.title, html`<p>${result.text}</p>`), result.status);
  });

  app.get('/exports/:file', (c) => {
    const file = c.req.param('file');
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    const path = options.paths.exportFile(file);
    if (EXPORT_FILE_PATTERN.test(file) && existsSync(path)) {
      const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
      return c.body(body, 200, {
        'Content-Type': 'application/zip',
        'Content-Length': String(statSync(path).size),
        'Content-Disposition': 'attachment; filename="personal-data-export.zip"',
        'X-Content-Type-Options': 'nosniff',
      });
    }
    if (EXPORT_FILE_PATTERN.test(file) && existsSync(options.paths.tombstone(file))) {
      const body = html`<p>This export has been deleted, as promised in the email. Please ask for your data again if you still need it.</p>`;
      return c.html(page(options.siteName, 'This file is no longer available', body), 410);
    }
    return c.html(page(options.siteName, 'File not found', html`<p>Please check that you copied the whole link from the email.</p>`), 404);
  });

  return app;
}
