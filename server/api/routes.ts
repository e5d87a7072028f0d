/**
 * The admin API: create, list, read and act on requests. Every body is
 * validated at the edge; every refusal says what to fix.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import { LOCALES } from '../../model/locale.ts';
import { DRY_RUNNABLE_ACTIONS, REQUEST_ACTION_NAMES, REQUEST_ACTIONS, REQUEST_STATUSES } from '../../model/request.ts';
import { sendReceipt } from '../downloads.ts';
import type { Actor } from '../../model/audit.ts';
import { approveBody, withholdBody } from '../review-input.ts';
import { decideAppealBody, denyBody, extendBody, metricsRange, pauseBody, receivedAtField, regimeField, resumeBody } from '../clock-input.ts';
import { reapplyBody } from '../erasure-input.ts';
import { apiError, validationHook } from '../errors.ts';
import { computeMetrics } from '../metrics.ts';
import type { RequestActions } from '../request-actions.ts';
import type { FoundRequest, RequestService } from '../requests.ts';
import { requestDetail, requestView, type ViewContext } from '../views.ts';

const metricsQuerySchema = metricsRange;

const listQuerySchema = z.strictObject({
  status: z.enum(REQUEST_STATUSES).optional(),
  action: z.enum(REQUEST_ACTION_NAMES).optional(),
  email: z.email('expected a valid email address').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** What the bearer check leaves for the routes: who is acting. */
export type ApiEnv = { Variables: { actor: Actor } };

export function apiRoutes(service: RequestService, actions: RequestActions, context: ViewContext) {
  const app = new Hono<ApiEnv>();
  const reviewMode = service.reviewMode;
  const createRequestSchema = z
    .strictObject({
      email: z.email('expected a valid email address, e.g. "person@example.com"').max(254).trim(),
      action: z.enum(REQUEST_ACTION_NAMES, `expected one of ${REQUEST_ACTION_NAMES.map((name) => `"${name}"`).join(', ')}`),
      /** Exports: mail the download link to the person (else the admin downloads it). */
      sendAsEmail: z.boolean().default(true),
      skipConfirmation: z.boolean().default(false),
      /** Erasures: report what would be erased, erase nothing. */
      dryRun: z.boolean().optional(),
      /** The law it is answered under (default: DEFAULT_REGIME). */
      regime: regimeField(service.regimes).optional(),
      /** It arrived earlier, by letter, phone or mail: the clock starts then. */
      receivedAt: receivedAtField.optional(),
      /** The language of the person's mails. */
      locale: z.enum(LOCALES, `expected one of ${LOCALES.map((locale) => `"${locale}"`).join(', ')}`).optional(),
      /** Exports: stop for a reviewer before release (REVIEW=optional; under REVIEW=required every export is reviewed). */
      review: z.boolean().optional(),
    })
    .refine((body) => body.review !== true || (body.action === 'export' && reviewMode !== 'off'), {
      path: ['review'],
      message:
        reviewMode === 'off'
          ? 'review before release is off on this server (set REVIEW=optional or REVIEW=required)'
          : 'only "export" requests are reviewed before release',
    })
    .refine((body) => body.dryRun === undefined || REQUEST_ACTIONS[body.action].dryRunnable, {
      path: ['dryRun'],
      message: `only ${DRY_RUNNABLE_ACTIONS.map((name) => `"${name}"`).join(' or ')} requests can be a dry run`,
    });

  const load = async (id: string): Promise<FoundRequest> => {
    const request = await service.find(id);
    if (!request) throw apiError(404, 'not_found', `Cannot find request "${id}"`);
    return request;
  };

  app.post('/requests', zValidator('json', createRequestSchema, validationHook), async (c) => {
    const request = await service.create({ ...c.req.valid('json'), by: c.get('actor') });
    return c.json(await requestDetail(request, context), 201);
  });

  app.get('/requests', zValidator('query', listQuerySchema, validationHook), async (c) => {
    const requests = await service.list(c.req.valid('query'));
    return c.json({ requests: requests.map((request) => requestView(request, context)) });
  });

  app.get('/requests/:id', async (c) => {
    const request = await load(c.req.param('id'));
    return c.json(await requestDetail(request, context, await service.progress(request), await actions.appealOf(request)));
  });

  app.get('/metrics', zValidator('query', metricsQuerySchema, validationHook), async (c) => {
    const { from, to } = c.req.valid('query');
    // A request received in the range started at most a year after it (receivedAt goes a year back at most).
    const memos = await service.since(Date.parse(from));
    return c.json(computeMetrics(memos, { from, to }, Date.now()));
  });

  // The legal clock: each refused with 409 and the rule that forbids it.
  const clockAction = <S extends z.ZodType>(path: string, schema: S, run: (request: FoundRequest, body: z.output<S>, by: Actor) => Promise<unknown>) =>
    app.post(`/requests/:id/${path}`, zValidator('json', schema, validationHook), async (c) => {
      const request = await load(c.req.param('id'));
      await run(request, c.req.valid('json') as z.output<S>, c.get('actor'));
      const updated = await load(request.memo.requestId);
      return c.json(await requestDetail(updated, context, undefined, await actions.appealOf(updated)));
    });
  clockAction('extend', extendBody, actions.extend);
  clockAction('pause', pauseBody, actions.pause);
  clockAction('resume', resumeBody, actions.resume);
  clockAction('deny', denyBody, actions.deny);
  clockAction('appeal/decision', decideAppealBody, actions.decideAppeal);
  // Review before release: rejecting is denying, with the same body.
  clockAction('withhold', withholdBody, actions.withhold);
  clockAction('approve', approveBody, actions.approve);
  clockAction('reject', denyBody, actions.deny);

  const act = (path: string, run: (request: FoundRequest, by: Actor) => Promise<void>) =>
    app.post(`/requests/:id/${path}`, async (c) => {
      const request = await load(c.req.param('id'));
      await run(request, c.get('actor'));
      return c.json(await requestDetail(request, context), 202);
    });
  act('confirm', actions.confirm);
  act('resend', actions.resend);
  act('cancel', actions.cancel);
  act('complete', actions.markCompleted);
  act('email-export', actions.emailExport);

  app.post('/requests/:id/retry', async (c) => {
    const retried = await actions.retry(await load(c.req.param('id')), c.get('actor'));
    return c.json(await requestDetail(retried, context), 201);
  });

  app.post('/requests/:id/reapply', zValidator('json', reapplyBody, validationHook), async (c) => {
    const request = await load(c.req.param('id'));
    const reapply = await actions.reapply(request, c.req.valid('json'), c.get('actor'));
    return c.json({ ...(await requestDetail(request, context)), reapply }, 202);
  });

  app.get('/requests/:id/receipt', async (c) => {
    const request = await load(c.req.param('id'));
    const sent = await sendReceipt(c, request, context.store);
    if (!sent) throw apiError(404, 'no_receipt', `Cannot find a receipt: request "${request.memo.requestId}" is not a completed erasure or a delivered export`);
    return sent;
  });

  app.delete('/requests/:id/export', async (c) => {
    const request = await load(c.req.param('id'));
    await actions.deleteExport(request, c.get('actor'));
    return c.json(await requestDetail(request, context), 202);
  });

  return app;
}
