/**
 * One request's page: its details, next steps and live progress
 * (progress.json), its export and receipt downloads, and the actions its
 * buttons post.
 */
import type { Context } from 'hono';
import type { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { sendReceipt, sendZip } from '../downloads.ts';
import { domainRefusal } from '../errors.ts';
import type { FoundRequest } from '../requests.ts';
import { requestDetail, requestView } from '../views.ts';
import type { AdminContext, AdminEnv } from './guard.ts';
import { requestHref } from './layout.ts';
import { SINGLE } from './messages.ts';
import { progressState, requestPage } from './request-page.ts';

export function requestRoutes(app: Hono<AdminEnv>, { service, actions, options, sessions, fail, csrf, flash }: AdminContext): void {
  const { siteName } = options;

  const load = async (c: Context<AdminEnv>): Promise<FoundRequest> => {
    const id = c.req.param('id') ?? '';
    const request = await service.find(id);
    if (!request) throw new HTTPException(404, { res: await notFound(c, id) });
    return request;
  };
  const notFound = async (c: Context<AdminEnv>, id: string) =>
    fail(c, 404, `Cannot find request "${id}". It may have been typed wrongly, or its history has been removed from Temporal.`);

  app.get('/requests/:id', async (c) => {
    const request = await load(c);
    const progress = await service.progress(request);
    const view = await requestDetail(request, options.view, progress);
    return c.html(requestPage({ siteName, csrf: csrf(c), notices: sessions.takeNotices(c.get('session')), view }, progress));
  });

  app.get('/requests/:id/progress.json', async (c) => {
    const request = await service.find(c.req.param('id'));
    if (!request) return c.json({ error: { code: 'not_found', message: `Cannot find request "${c.req.param('id')}"` } }, 404);
    const progress = await service.progress(request);
    return c.json(progressState(requestView(request, options.view, progress), progress));
  });

  app.get('/requests/:id/export.zip', async (c) => {
    const request = await load(c);
    const file = request.memo.download?.file;
    const sent = file && (await sendZip(c, options.view.store, file, `personal-data-export-${request.memo.requestId}.zip`));
    if (sent) return sent;
    flash(c, { kind: 'error', text: file ? 'Cannot download: the export file has been deleted.' : 'Cannot download: this request has no export file.' });
    return c.redirect(requestHref(request.memo.requestId), 303);
  });

  app.get('/requests/:id/receipt.json', async (c) => {
    const request = await load(c);
    const sent = await sendReceipt(c, request, options.view.store);
    if (sent) return sent;
    flash(c, { kind: 'error', text: 'Cannot download a receipt: this request is not a completed erasure.' });
    return c.redirect(requestHref(request.memo.requestId), 303);
  });

  app.post('/requests/:id/retry', async (c) => {
    const request = await load(c);
    try {
      const created = await actions.retry(request);
      flash(c, { kind: 'success', text: `Started a new request like ${request.memo.requestId}; a confirmation email is on its way.` });
      return c.redirect(requestHref(created.memo.requestId), 303);
    } catch (error) {
      const refusal = domainRefusal(error);
      if (!refusal) throw error;
      flash(c, { kind: 'error', text: refusal.message, ...(refusal.existingId ? { link: { href: requestHref(refusal.existingId), text: 'View it' } } : {}) });
      return c.redirect(requestHref(request.memo.requestId), 303);
    }
  });

  app.post('/requests/:id/:action', async (c) => {
    const single = SINGLE[c.req.param('action')];
    if (!single) return notFound(c, c.req.param('id'));
    const request = await load(c);
    try {
      await single.run(actions, request);
      flash(c, { kind: 'success', text: single.done(request) });
    } catch (error) {
      const refusal = domainRefusal(error);
      if (!refusal) throw error;
      flash(c, { kind: 'error', text: refusal.message });
    }
    return c.redirect(requestHref(request.memo.requestId), 303);
  });
}
