/**
 * The files the server hands out, for the person's download link and the
 * admin pages and API alike: an export's ZIP and an erasure's receipt. Each
 * answers `undefined` when there is nothing to send, so every caller says so
 * in its own way (a page, a redirect with a notice, a JSON error).
 */
import type { Context } from 'hono';
import type { ReapplicationRecord } from '../activities/receipts.ts';
import { reapplyRunId } from '../model/request.ts';
import type { Store } from '../storage/store.ts';
import type { FoundRequest } from './requests.ts';

/** More re-applications of one erasure than anyone would run: the reading stops there. */
const MAX_REAPPLICATIONS = 1000;

/** The re-applications of an erasure kept so far, in order (workflows/reapply-erasure.ts). */
export async function reapplications(store: Store, requestId: string): Promise<ReapplicationRecord[]> {
  const records: ReapplicationRecord[] = [];
  for (let n = 1; n <= MAX_REAPPLICATIONS; n++) {
    const text = await store.receipts.read(reapplyRunId(requestId, n));
    if (text === undefined) break;
    records.push(JSON.parse(text) as ReapplicationRecord);
  }
  return records;
}

/**
 * The export `file` as an attachment named `filename`; a HEAD gets the headers only.
 * The ZIP is opened before answering, so one deleted meanwhile answers `undefined`
 * rather than a broken stream.
 */
export async function sendZip(c: Context, store: Store, file: string, filename: string): Promise<Response | undefined> {
  const opened = await store.exports.open(file);
  if (!opened) return undefined;
  const headers = {
    'Content-Type': 'application/zip',
    'Content-Length': String(opened.bytes),
    'Content-Disposition': `attachment; filename="${filename}"`,
  };
  if (c.req.method === 'HEAD') {
    await opened.close();
    return c.body(null, 200, headers);
  }
  return c.body(opened.body(), 200, headers);
}

/**
 * The receipt of a completed erasure, or the release record of a delivered export, as a JSON
 * attachment; `undefined` when the request has none (or its file is gone).
 */
export async function sendReceipt(c: Context, request: FoundRequest, store: Store): Promise<Response | undefined> {
  const { requestId, receipt } = request.memo;
  const kept = receipt ? await store.receipts.read(requestId) : undefined;
  if (kept === undefined) return undefined;
  // An erasure run again carries its re-applications after the receipt, each with its own digest.
  const again = request.memo.action === 'erase' ? await reapplications(store, requestId) : [];
  const json = again.length === 0 ? kept : `${JSON.stringify({ ...JSON.parse(kept), reapplications: again }, null, 2)}\n`;
  return c.body(json, 200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Disposition': `attachment; filename="${request.memo.action === 'export' ? 'release-record' : 'erasure-receipt'}-${requestId}.json"`,
  });
}
