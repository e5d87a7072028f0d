/**
 * The requests list: filters, search by email and paging; the add-request
 * form; bulk actions on the selected requests.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { isRequestAction, REQUEST_ACTIONS, REQUEST_STATUSES } from '../../model/request.ts';
import { arrivedOn } from '../../lib/calendar.ts';
import { receivedAtField } from '../clock-input.ts';
import { domainRefusal, loggableError } from '../errors.ts';
import { requestView } from '../views.ts';
import type { AdminContext, AdminEnv } from './guard.ts';
import { safeNext } from './guard.ts';
import { requestHref } from './layout.ts';
import { type AddFormState, BULK_ACTIONS, type BulkAction, EMPTY_FORM, type ListFilterInput, listPage } from './list-page.ts';
import { BULK } from './messages.ts';

const PAGE_SIZE = 20;
const MAX_BULK = 100;
const emailSchema = z.email().max(254);

export function listRoutes(app: Hono<AdminEnv>, { service, actions, options, sessions, csrf, text, flash }: AdminContext): void {
  const { siteName } = options;
  const regimeChoices = Object.entries(service.regimes.regimes).map(([id, regime]) => ({ id, name: regime.name }));

  const renderList = async (c: Context<AdminEnv>, filter: ListFilterInput, form: AddFormState, status: 200 | 400 | 409, searchError?: string) => {
    const found = searchError ? [] : await service.list({ ...filter, limit: filter.limit + 1 });
    const requests = found.slice(0, filter.limit).map((request) => requestView(request, options.view));
    const page = listPage({
      siteName,
      csrf: csrf(c),
      notices: sessions.takeNotices(c.get('session')),
      filter,
      searchError,
      requests,
      hasNext: found.length > filter.limit,
      form,
      regimes: regimeChoices,
      reviewMode: service.reviewMode,
      defaultRegime: service.regimes.defaultRegime,
    });
    return c.html(page, status);
  };

  app.get('/', async (c) => {
    const query = c.req.query();
    const status = REQUEST_STATUSES.find((s) => s === query.status);
    const action = isRequestAction(query.action) ? query.action : undefined;
    const email = query.email?.trim() || undefined;
    const offset = /^\d{1,6}$/.test(query.offset ?? '') ? Number(query.offset) : 0;
    const sort = query.sort === 'newest' ? 'newest' : 'urgency';
    const searchError =
      email && !emailSchema.safeParse(email).success
        ? `Cannot search for "${email}": enter a whole email address (the search matches exact addresses only).`
        : undefined;
    return renderList(c, { sort, status, action, email, offset, limit: PAGE_SIZE }, EMPTY_FORM, searchError ? 400 : 200, searchError);
  });

  app.post('/requests', async (c) => {
    const chosen = text(c, 'action');
    const form: AddFormState = {
      email: (text(c, 'email') ?? '').trim(),
      // An action this engine does not know is refused below, never taken for another one.
      action: isRequestAction(chosen) ? chosen : EMPTY_FORM.action,
      confirm: text(c, 'confirm') === 'now' ? 'now' : 'email',
      sendAsEmail: text(c, 'sendAsEmail') === '1',
      dryRun: text(c, 'dryRun') === '1',
      regime: text(c, 'regime') ?? '',
      receivedOn: (text(c, 'receivedOn') ?? '').trim(),
      review: text(c, 'review') === '1',
    };
    const list = { offset: 0, limit: PAGE_SIZE };
    if (!isRequestAction(chosen)) {
      return renderList(c, list, { ...form, error: 'Cannot add the request: choose whether to export or to erase the data.' }, 400);
    }
    if (!emailSchema.safeParse(form.email).success) {
      const error = form.email
        ? `Cannot add the request: "${form.email}" is not a valid email address.`
        : 'Cannot add the request: enter the email address of the person who asks.';
      return renderList(c, list, { ...form, error }, 400);
    }
    const regime = form.regime || service.regimes.defaultRegime;
    const rules = service.regimes.regimes[regime];
    if (rules === undefined) return renderList(c, list, { ...form, error: 'Cannot add the request: choose the law that applies from the list.' }, 400);
    let receivedAt: string | undefined;
    if (form.receivedOn !== '') {
      const arrived = arrivedOn(form.receivedOn, service.regimes.calendar(rules).timeZone);
      const checked = arrived === undefined ? undefined : receivedAtField.safeParse(arrived);
      if (!checked?.success) {
        const why = checked?.error.issues[0]?.message ?? 'expected a date';
        return renderList(c, list, { ...form, error: `Cannot add the request: "Received on" ${why}.` }, 400);
      }
      receivedAt = checked.data;
    }
    try {
      const created = await service.create({
        regime,
        receivedAt,
        email: form.email,
        action: form.action,
        sendAsEmail: form.sendAsEmail,
        skipConfirmation: form.confirm === 'now',
        ...(REQUEST_ACTIONS[form.action].dryRunnable ? { dryRun: form.dryRun } : {}),
        review: form.review,
        by: c.get('session').actor,
      });
      const noun = REQUEST_ACTIONS[form.action].noun.toLowerCase();
      const what = form.dryRun && !REQUEST_ACTIONS[form.action].delivers ? `${noun} (dry run)` : noun;
      const next = form.confirm === 'now' ? `It is confirmed and the ${noun} is starting.` : 'A confirmation email is on its way to the person.';
      flash(c, {
        kind: 'success',
        text: `Added the ${what} request for ${form.email}. ${next}`,
        link: { href: requestHref(created.memo.requestId), text: 'View the request' },
      });
      return c.redirect('/admin', 303);
    } catch (error) {
      const refusal = domainRefusal(error);
      if (!refusal) throw error;
      const link = refusal.existingId ? { errorLink: { href: requestHref(refusal.existingId), text: `View request ${refusal.existingId}` } } : {};
      return renderList(c, list, { ...form, error: refusal.message, ...link }, 409);
    }
  });

  app.post('/bulk', async (c) => {
    const back = safeNext(text(c, 'back'));
    const action = text(c, 'bulk_action');
    const raw = c.get('form').request_id;
    const ids = [...new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((id): id is string => typeof id === 'string'))];
    if (!action || !(action in BULK_ACTIONS)) {
      flash(c, { kind: 'error', text: 'Cannot apply: choose a bulk action.' });
      return c.redirect(back, 303);
    }
    if (ids.length === 0) {
      flash(c, { kind: 'warning', text: 'Nothing done: select at least one request.' });
      return c.redirect(back, 303);
    }
    if (ids.length > MAX_BULK) {
      flash(c, { kind: 'error', text: `Cannot apply to ${ids.length} requests at once: select at most ${MAX_BULK}.` });
      return c.redirect(back, 303);
    }
    const bulk = BULK[action as BulkAction];
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const request = await service.find(id);
        if (!request) return { ok: false, text: `Cannot find request "${id}".` };
        const label = `${request.memo.email} (${request.memo.requestId})`;
        try {
          await bulk.run(actions, request, c.get('session').actor);
          return { ok: true, text: label, href: requestHref(id) };
        } catch (error) {
          const refusal = domainRefusal(error);
          if (refusal) return { ok: false, text: refusal.message, href: requestHref(id) };
          console.error(`server: admin bulk ${action} on ${id} failed: ${loggableError(error)}`);
          return { ok: false, text: `${label}: an internal error occurred; see the server log.`, href: requestHref(id) };
        }
      }),
    );
    const failed = outcomes.filter((o) => !o.ok);
    const done = outcomes.filter((o) => o.ok);
    const items = (list: typeof outcomes) => list.map((o) => (o.href ? { text: o.text, href: o.href } : { text: o.text }));
    // Failures first, as WordPress does (#44081).
    if (failed.length) flash(c, { kind: 'error', text: bulk.failed(failed.length), items: items(failed) });
    if (done.length || !failed.length) flash(c, { kind: 'success', text: bulk.done(done.length), items: items(done) });
    return c.redirect(back, 303);
  });
}
