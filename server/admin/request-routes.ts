/**
 * One request's page: its details, next steps and live progress
 * (progress.json), its export and receipt downloads, and the actions its
 * buttons post.
 */
import { approveBody, withholdBody } from '../review-input.ts';
import type { Actor } from '../../model/audit.ts';
import type { Context } from 'hono';
import type { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { whyNotDeny, whyNotExtend, whyNotPause } from '../../model/clock.ts';
import { reapplyBody } from '../erasure-input.ts';
import { decideAppealBody, denyBody, extendBody, metricsRange, pauseBody, resumeBody } from '../clock-input.ts';
import { computeMetrics } from '../metrics.ts';
import { metricsPage } from './metrics-page.ts';
import { sendReceipt, sendZip } from '../downloads.ts';
import type { ClockRules } from './clock-view.ts';
import { domainRefusal } from '../errors.ts';
import type { FoundRequest } from '../requests.ts';
import { requestDetail, requestView } from '../views.ts';
import { type AdminContext, type AdminEnv, PREVIEW_HEADERS } from './guard.ts';
import { requestHref } from './layout.ts';
import { SINGLE } from './messages.ts';
import { progressState, requestPage } from './request-page.ts';

/** Why each of the clock's actions cannot be used now, by the model's rules (the workflow checks them again). */
function clockRules(request: FoundRequest): ClockRules {
  const { deadline, status } = request.memo;
  if (deadline === undefined) return {};
  const now = Date.now();
  const ground = deadline.rules.pauseGrounds[0] ?? 'clarification';
  return {
    extend: whyNotExtend(deadline, status, now),
    pause: whyNotPause(deadline, status, ground),
    deny: whyNotDeny(status),
  };
}

export function requestRoutes(app: Hono<AdminEnv>, { service, actions, options, sessions, fail, csrf, flash, text }: AdminContext): void {
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
    const view = await requestDetail(request, options.view, progress, await actions.appealOf(request));
    const session = c.get('session');
    const role = session.actor.role;
    return c.html(requestPage({ siteName, csrf: csrf(c), notices: sessions.takeNotices(session), view, clockRules: clockRules(request), role }, progress));
  });

  // The clock's actions: the same bodies as the API's, refused with the regime's rule as a notice.
  const CLOCK_ACTIONS = {
    extend: { schema: extendBody, run: actions.extend, done: 'Extended: the person is being mailed the new due date and your reason.' },
    pause: { schema: pauseBody, run: actions.pause, done: 'The clock is paused.' },
    resume: { schema: resumeBody, run: actions.resume, done: 'The clock runs again; the days it stood still were added to the due date.' },
    deny: { schema: denyBody, run: actions.deny, done: 'Denied: the person is being mailed your reasons and where to complain.' },
  } as const;
  const formFields = (c: Context<AdminEnv>, names: string[]) =>
    Object.fromEntries(names.flatMap((name) => (text(c, name) === undefined ? [] : [[name, text(c, name)]])));
  const runForm = async (
    c: Context<AdminEnv>,
    request: FoundRequest,
    parsed: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } },
    run: () => Promise<unknown>,
    done: string,
  ) => {
    if (!parsed.success) {
      const problems = (parsed.error?.issues ?? []).map((issue) => `${issue.path.map(String).join('.') || 'form'}: ${issue.message}`).join('; ');
      flash(c, { kind: 'error', text: `Nothing done: ${problems}.` });
    } else {
      try {
        await run();
        flash(c, { kind: 'success', text: done });
      } catch (error) {
        const refusal = domainRefusal(error);
        if (!refusal) throw error;
        flash(c, { kind: 'error', text: refusal.message });
      }
    }
    return c.redirect(requestHref(request.memo.requestId), 303);
  };

  app.post('/requests/:id/clock/:op', async (c) => {
    const op = c.req.param('op');
    if (!Object.hasOwn(CLOCK_ACTIONS, op)) return notFound(c, c.req.param('id'));
    const { schema, run, done } = CLOCK_ACTIONS[op as keyof typeof CLOCK_ACTIONS];
    const request = await load(c);
    const parsed = schema.safeParse(formFields(c, ['reason', 'ground']));
    const by = c.get('session').actor;
    return runForm(c, request, parsed, () => (run as (r: FoundRequest, body: unknown, by: Actor) => Promise<unknown>)(request, parsed.data, by), done);
  });

  app.post('/requests/:id/reapply', async (c) => {
    const request = await load(c);
    const parsed = reapplyBody.safeParse(formFields(c, ['reason']));
    const input = parsed.data as { reason: string };
    const done = 'Running the erasers again; the outcome is added to the receipt when they finish.';
    return runForm(c, request, parsed, () => actions.reapply(request, input, c.get('session').actor), done);
  });

  app.post('/requests/:id/appeal/decision', async (c) => {
    const request = await load(c);
    const parsed = decideAppealBody.safeParse(formFields(c, ['decision', 'reason']));
    const done = parsed.data?.decision === 'reversed' ? 'Appeal decided: reversed; the request runs again.' : 'Appeal decided: the refusal is upheld.';
    const input = parsed.data as { decision: 'upheld' | 'reversed'; reason: string };
    return runForm(c, request, parsed, () => actions.decideAppeal(request, input, c.get('session').actor), done);
  });

  // Review before release: the draft's files, and the reviewer's forms.
  app.get('/requests/:id/preview/*', async (c) => {
    const request = await load(c);
    const draft = request.memo.review?.draft;
    const name = decodeURIComponent(c.req.path.slice(c.req.path.indexOf('/preview/') + '/preview/'.length));
    const bytes =
      request.memo.status === 'reviewing' && draft && /^(index\.html|processing\.json|export\.json|groups\/[A-Za-z0-9_-]+\.html)$/.test(name)
        ? await options.view.store.exports.entry(draft.file, name)
        : undefined;
    if (bytes === undefined)
      return fail(c, 404, `Nothing to preview: request "${request.memo.requestId}" has no draft awaiting review, or no file "${name}" in it.`);
    const type = name.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
    return new Response(bytes, { status: 200, headers: { ...PREVIEW_HEADERS, 'Content-Type': type } });
  });
  const REVIEW_ACTIONS = {
    withhold: {
      schema: withholdBody,
      fields: ['group', 'item', 'ground', 'reason'],
      run: actions.withhold,
      done: 'Withheld: the delivered copy leaves it out and says how much and why.',
    },
    approve: {
      schema: approveBody,
      fields: ['note'],
      run: actions.approve,
      done: 'Approved: the export is being built without what was withheld and delivered.',
    },
    reject: {
      schema: denyBody,
      fields: ['ground', 'reason'],
      run: actions.deny,
      done: 'Rejected: the person is being mailed your reasons and where to complain.',
    },
  } as const;
  app.post('/requests/:id/review/:op', async (c) => {
    const op = c.req.param('op');
    if (!Object.hasOwn(REVIEW_ACTIONS, op)) return notFound(c, c.req.param('id'));
    const { schema, fields, run, done } = REVIEW_ACTIONS[op as keyof typeof REVIEW_ACTIONS];
    const request = await load(c);
    const parsed = schema.safeParse(formFields(c, [...fields]));
    const by = c.get('session').actor;
    return runForm(c, request, parsed, () => (run as (r: FoundRequest, body: unknown, by: Actor) => Promise<unknown>)(request, parsed.data, by), done);
  });

  app.get('/metrics', async (c) => {
    const parsed = metricsRange.safeParse({ from: c.req.query('from') || undefined, to: c.req.query('to') || undefined });
    const range = parsed.success ? parsed.data : metricsRange.parse({});
    const error = parsed.success ? undefined : `Showing the last year instead: ${parsed.error.issues.map((issue) => issue.message).join('; ')}.`;
    const metrics = computeMetrics(await service.since(Date.parse(range.from)), range, Date.now());
    const regimeNames = Object.fromEntries(Object.entries(service.regimes.regimes).map(([id, regime]) => [id, regime.name]));
    return c.html(
      metricsPage({ siteName, csrf: csrf(c), notices: sessions.takeNotices(c.get('session')), metrics, regimeNames, ...(error ? { error } : {}) }),
      parsed.success ? 200 : 400,
    );
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
      const created = await actions.retry(request, c.get('session').actor);
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
      await single.run(actions, request, c.get('session').actor);
      flash(c, { kind: 'success', text: single.done(request) });
    } catch (error) {
      const refusal = domainRefusal(error);
      if (!refusal) throw error;
      flash(c, { kind: 'error', text: refusal.message });
    }
    return c.redirect(requestHref(request.memo.requestId), 303);
  });
}
