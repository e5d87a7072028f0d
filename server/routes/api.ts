/**
 * The admin API: create, list, read and act on requests. Every body is
 * validated at the edge; every refusal says what to fix.
 */
import { readFile } from 'node:fs/promises';
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import { confirmSignal, deleteNowSignal, resendSignal } from '../../workflows/definitions.ts';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FoundRequest, RequestService } from '../requests.ts';
import { requestView, type ViewContext } from '../views.ts';
import { apiError, validationHook } from '../errors.ts';

const createRequestSchema = z
  .strictObject({
    email: z.email('expected a valid email address, e.g. "person@example.com"').max(254).trim(),
    action: z.enum(['export', 'erase'], 'expected "export" or "erase"'),
    /** Exports: mail the download link to the person (else the admin downloads it). */
    sendAsEmail: z.boolean().default(true),
    skipConfirmation: z.boolean().default(false),
    /** Erasures: report what would be erased, erase nothing. */
    dryRun: z.boolean().optional(),
  })
  .refine((body) => body.dryRun === undefined || body.action === 'erase', {
    path: ['dryRun'],
    message: 'only an "erase" request can be a dry run',
  });

const STATUSES = ['pending', 'confirmed', 'processing', 'completed', 'failed'] as const;

const listQuerySchema = z.strictObject({
  status: z.enum(STATUSES).optional(),
  action: z.enum(['export', 'erase']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function apiRoutes(service: RequestService, context: ViewContext) {
  const app = new Hono();

  const load = async (id: string): Promise<FoundRequest> => {
    const request = await service.find(id);
    if (!request) throw apiError(404, 'not_found', `Cannot find request "${id}"`);
    return request;
  };

  const expectStatus = (request: FoundRequest, allowed: readonly string[], action: string): void => {
    if (!request.running || !allowed.includes(request.memo.status)) {
      throw apiError(409, 'invalid_status', `Cannot ${action}: request "${request.memo.requestId}" is ${request.memo.status}`);
    }
  };

  app.post('/requests', zValidator('json', createRequestSchema, validationHook), async (c) => {
    const request = await service.create(c.req.valid('json'));
    return c.json(requestView(request, context), 201);
  });

  app.get('/requests', zValidator('query', listQuerySchema, validationHook), async (c) => {
    const requests = await service.list(c.req.valid('query'));
    return c.json({ requests: requests.map((request) => requestView(request, context)) });
  });

  app.get('/requests/:id', async (c) => {
    const request = await load(c.req.param('id'));
    return c.json(requestView(request, context, await service.progress(request)));
  });

  app.post('/requests/:id/confirm', async (c) => {
    const request = await load(c.req.param('id'));
    expectStatus(request, ['pending'], 'confirm the request');
    await service.handle(request).signal(confirmSignal, { force: true });
    return c.json(requestView(request, context), 202);
  });

  app.post('/requests/:id/resend', async (c) => {
    const request = await load(c.req.param('id'));
    expectStatus(request, ['pending'], 'resend the confirmation email');
    await service.handle(request).signal(resendSignal);
    return c.json(requestView(request, context), 202);
  });

  app.post('/requests/:id/cancel', async (c) => {
    const request = await load(c.req.param('id'));
    expectStatus(request, ['pending', 'confirmed', 'processing'], 'cancel the request');
    await service.handle(request).cancel();
    return c.json(requestView(request, context), 202);
  });

  app.get('/requests/:id/receipt', async (c) => {
    const request = await load(c.req.param('id'));
    const receipt = request.memo.receipt ? await readFile(context.paths.receipt(request.memo.requestId), 'utf8').catch(() => undefined) : undefined;
    if (receipt === undefined) throw apiError(404, 'no_receipt', `Cannot find a receipt: request "${request.memo.requestId}" is not a completed erasure`);
    c.header('Content-Disposition', `attachment; filename="erasure-receipt-${request.memo.requestId}.json"`);
    return c.body(receipt, 200, { 'Content-Type': 'application/json' });
  });

  app.delete('/requests/:id/export', async (c) => {
    const request = await load(c.req.param('id'));
    if (!request.memo.download) throw apiError(409, 'no_export', `Cannot delete the export: request "${request.memo.requestId}" has no export file`);
    try {
      await service.cleanupHandle(request.memo.requestId).signal(deleteNowSignal);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      throw apiError(410, 'already_deleted', `Cannot delete the export: the file of request "${request.memo.requestId}" was already deleted`);
    }
    return c.json(requestView(request, context), 202);
  });

  return app;
}
