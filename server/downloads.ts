/**
 * The files the server hands out, for the person's download link and the
 * admin pages and API alike: an export's ZIP and an erasure's receipt. Each
 * answers `undefined` when there is nothing to send, so every caller says so
 * in its own way (a page, a redirect with a notice, a JSON error).
 */
import { open, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { StoragePaths } from '../lib/storage.ts';
import type { FoundRequest } from './requests.ts';

/**
 * The ZIP at `path` as an attachment named `filename`; a HEAD gets the headers only.
 * The file is opened before answering, so one deleted meanwhile answers `undefined`
 * rather than a broken stream.
 */
export async function sendZip(c: Context, path: string, filename: string): Promise<Response | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  const { size } = await handle.stat();
  const headers = {
    'Content-Type': 'application/zip',
    'Content-Length': String(size),
    'Content-Disposition': `attachment; filename="${filename}"`,
  };
  if (c.req.method === 'HEAD') {
    await handle.close();
    return c.body(null, 200, headers);
  }
  return c.body(Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>, 200, headers);
}

/** The receipt of a completed erasure as a JSON attachment, or `undefined` when the request has none (or its file is gone). */
export async function sendReceipt(c: Context, request: FoundRequest, paths: StoragePaths): Promise<Response | undefined> {
  const { requestId, receipt } = request.memo;
  const json = receipt ? await readFile(paths.receipt(requestId), 'utf8').catch(() => undefined) : undefined;
  if (json === undefined) return undefined;
  return c.body(json, 200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Disposition': `attachment; filename="erasure-receipt-${requestId}.json"`,
  });
}
