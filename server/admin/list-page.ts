/**
 * The requests list, as WordPress's Tools → Export/Erase Personal Data: the
 * add-request form, status views, filters, search by exact email, a table
 * with checkboxes for bulk actions, and previous/next paging.
 */
import type { ReviewMode } from '../../model/review.ts';
import { html } from 'hono/html';
import { isRequestAction, REQUEST_ACTION_NAMES, REQUEST_ACTIONS, REQUEST_STATUSES, type RequestAction, type RequestStatus } from '../../model/request.ts';
import type { RequestView } from '../views.ts';
import { adminPage, csrfField, type Markup, requestHref, STATUS_LABELS, statusBadge, time } from './layout.ts';
import type { Notice } from './session.ts';
import { dueCell, urgencyOf } from './clock-view.ts';

export const BULK_ACTIONS = {
  resend: 'Resend confirmation emails',
  'delete-export': 'Delete export files',
  complete: 'Mark as completed',
} as const;
export type BulkAction = keyof typeof BULK_ACTIONS;

/** Bulk actions an admin is asked about first (admin.js shows the question). */
const BULK_ASK_FIRST: Partial<Record<BulkAction, string>> = {
  'delete-export': 'Delete the export files of the selected requests? Their download links stop working at once. This cannot be undone.',
  complete: 'Mark the selected requests as completed? Their exports or erasures will not run.',
};

export interface ListFilterInput {
  /** Most urgent first (the default) or newest first. */
  sort?: 'urgency' | 'newest' | undefined;
  status?: RequestStatus | undefined;
  action?: RequestAction | undefined;
  email?: string | undefined;
  offset: number;
  limit: number;
}

/** What the add-request form shows: the values entered and what is wrong with them. */
export interface AddFormState {
  email: string;
  action: RequestAction;
  confirm: 'email' | 'now';
  sendAsEmail: boolean;
  dryRun: boolean;
  /** The regime it is answered under; empty: the default. */
  regime: string;
  /** The day it arrived (YYYY-MM-DD), if before today; empty: today. */
  receivedOn: string;
  /** Exports: stop for a reviewer before release (offered under REVIEW=optional). */
  review: boolean;
  error?: string;
  /** E.g. the existing request a duplicate collides with. */
  errorLink?: { href: string; text: string };
}

export const EMPTY_FORM: AddFormState = {
  email: '',
  action: 'export',
  confirm: 'email',
  sendAsEmail: true,
  dryRun: false,
  regime: '',
  receivedOn: '',
  review: false,
};

export interface ListPageInput {
  siteName: string;
  /** Whether the add form offers review before release. @default 'off' */
  reviewMode?: ReviewMode;
  csrf: string;
  notices: readonly Notice[];
  filter: ListFilterInput;
  /** Why the email search could not run. */
  searchError?: string | undefined;
  requests: readonly RequestView[];
  hasNext: boolean;
  form: AddFormState;
  /** The regimes the add form offers, and the default one. */
  regimes: { id: string; name: string }[];
  defaultRegime: string;
}

/** `/admin` with the filter's query (and changes), omitting defaults. */
export function listHref(filter: Partial<ListFilterInput>): string {
  const query = new URLSearchParams();
  if (filter.sort === 'newest') query.set('sort', 'newest');
  if (filter.status) query.set('status', filter.status);
  if (filter.action) query.set('action', filter.action);
  if (filter.email) query.set('email', filter.email);
  if (filter.offset) query.set('offset', String(filter.offset));
  const text = query.toString();
  return text ? `/admin?${text}` : '/admin';
}

export function listPage(input: ListPageInput): Markup {
  const { filter } = input;
  return adminPage(
    { siteName: input.siteName, title: 'Privacy requests', csrf: input.csrf, notices: input.notices, script: '/admin/assets/admin.js' },
    html`${addForm(input)}
<section aria-labelledby="requests-heading">
<h2 id="requests-heading">Requests</h2>
${views(filter)}
${filters(filter, input.searchError)}
${table(input)}
</section>`,
  );
}

function addForm(input: ListPageInput): Markup {
  const { csrf, form } = input;
  const error = form.error;
  const regime = form.regime || input.defaultRegime;
  return html`<section class="card" aria-labelledby="add-heading">
<h2 id="add-heading">Add request</h2>
<form method="post" action="/admin/requests" novalidate>
${csrfField(csrf)}
${
  error
    ? html`<div class="notice notice-error" role="alert" id="add-error"><p>${error}${form.errorLink ? html` <a href="${form.errorLink.href}">${form.errorLink.text}</a>` : ''}</p></div>`
    : ''
}
<div class="field">
  <label for="add-email">Email address</label>
  <input type="email" id="add-email" name="email" required maxlength="254" autocomplete="off" spellcheck="false" value="${form.email}"
    ${error ? html`aria-invalid="true" aria-describedby="add-error"` : ''}>
</div>
<fieldset>
  <legend>Request</legend>
  ${Object.entries(REQUEST_ACTIONS).map(([value, { label }]) => html`<label class="choice"><input type="radio" name="action" value="${value}" ${form.action === value ? 'checked' : ''}> ${label}</label>`)}
</fieldset>
<fieldset>
  <legend>Confirmation</legend>
  <label class="choice"><input type="radio" name="confirm" value="email" ${form.confirm === 'email' ? 'checked' : ''}> Send a confirmation email to the person</label>
  <label class="choice"><input type="radio" name="confirm" value="now" ${form.confirm === 'now' ? 'checked' : ''}> Confirm now: I have verified who is asking</label>
</fieldset>
<div class="field">
  <label for="add-regime">Law that applies</label>
  <select id="add-regime" name="regime">${input.regimes.map(({ id, name }) => html`<option value="${id}" ${regime === id ? 'selected' : ''}>${name}</option>`)}</select>
</div>
<div class="field">
  <label for="add-received">Received on</label>
  <input type="date" id="add-received" name="receivedOn" value="${form.receivedOn}" aria-describedby="add-received-hint">
  <p class="hint" id="add-received-hint">For a request that came by letter, phone or mail: the day it arrived starts the legal clock. Leave empty for today.</p>
</div>
<fieldset>
  <legend>Options</legend>
  <label class="choice"><input type="checkbox" name="sendAsEmail" value="1" ${form.sendAsEmail ? 'checked' : ''}> Exports: email the download link to the person</label>
  <label class="choice"><input type="checkbox" name="dryRun" value="1" ${form.dryRun ? 'checked' : ''}> Erasures: dry run (report what would be erased, change nothing)</label>
  ${
    input.reviewMode === 'optional'
      ? html`<label class="choice"><input type="checkbox" name="review" value="1" ${form.review ? 'checked' : ''}> Exports: review before release (nothing reaches the person until a reviewer approves)</label>`
      : input.reviewMode === 'required'
        ? html`<p class="hint">Every export is reviewed before release (REVIEW=required).</p>`
        : ''
  }
</fieldset>
<button type="submit" class="primary">Add request</button>
</form>
</section>`;
}

function views(filter: ListFilterInput): Markup {
  const link = (status: RequestStatus | undefined, label: string) => {
    const current = filter.status === status;
    return html`<li><a href="${listHref({ ...filter, status, offset: 0 })}" ${current ? html`aria-current="page"` : ''}>${label}</a></li>`;
  };
  return html`<nav aria-label="Filter by status"><ul class="views">
${link(undefined, 'All')}${REQUEST_STATUSES.map((status) => link(status, STATUS_LABELS[status]))}
</ul></nav>`;
}

function filters(filter: ListFilterInput, searchError: string | undefined): Markup {
  const option = (value: string, label: string) => html`<option value="${value}" ${(filter.action ?? '') === value ? 'selected' : ''}>${label}</option>`;
  const active = filter.status || filter.action || filter.email;
  return html`<form method="get" action="/admin" class="filters" role="search" aria-label="Requests">
${filter.status ? html`<input type="hidden" name="status" value="${filter.status}">` : ''}
<div class="field">
  <label for="filter-action">Action</label>
  <select id="filter-action" name="action">${option('', 'All')}${REQUEST_ACTION_NAMES.map((name) => option(name, REQUEST_ACTIONS[name].short))}</select>
</div>
<div class="field">
  <label for="filter-email">Email address</label>
  <input type="search" id="filter-email" name="email" value="${filter.email ?? ''}" spellcheck="false" aria-describedby="filter-email-hint">
</div>
<button type="submit">Filter</button>
${active ? html`<a href="/admin">Clear filters</a>` : ''}
</form>
${
  searchError
    ? html`<div class="notice notice-error" role="alert"><p id="filter-email-hint">${searchError}</p></div>`
    : html`<p class="hint" id="filter-email-hint">Search matches the whole address, in any case.</p>`
}`;
}

function table(input: ListPageInput): Markup {
  const { filter, requests } = input;
  const back = listHref(filter);
  const rows = requests.map((r) =>
    r.unreadable !== undefined
      ? html`<tr class="unreadable">
<td class="check"></td>
<th scope="row" data-label="Requester">Cannot read this request: ${r.unreadable} <span class="muted mono">${r.id || r.workflow.id}</span></th>
<td data-label="Action">${isRequestAction(r.action) ? REQUEST_ACTIONS[r.action].noun : '—'}</td>
<td data-label="Status">${r.status ? statusBadge(r.status) : '—'}</td>
<td data-label="Due">—</td>
<td data-label="Requested">${time(r.createdAt || undefined)}</td>
<td data-label="Confirmed">—</td>
</tr>`
      : html`<tr${urgencyOf(r) ? html` class="due-${urgencyOf(r)}"` : ''}>
<td class="check"><input type="checkbox" name="request_id" value="${r.id}" id="select-${r.id}" aria-label="Select request for ${r.email} (${r.action})"></td>
<th scope="row" data-label="Requester"><a href="${requestHref(r.id)}">${r.email}</a></th>
<td data-label="Action">${REQUEST_ACTIONS[r.action].short}${r.dryRun ? ' (dry run)' : ''}</td>
<td data-label="Status">${statusBadge(r.status)}${r.status === 'failed' && r.reason ? html`<span class="reason">${r.reason}</span>` : ''}</td>
<td data-label="Due">${dueCell(r)}</td>
<td data-label="Requested">${time(r.createdAt)}</td>
<td data-label="Confirmed">${time(r.confirmedAt)}</td>
</tr>`,
  );
  const from = filter.offset + 1;
  const to = filter.offset + requests.length;
  const sortLink = (sort: 'urgency' | 'newest', label: string) =>
    (filter.sort ?? 'urgency') === sort
      ? html`<strong aria-current="true">${label}</strong>`
      : html`<a href="${listHref({ ...filter, sort, offset: 0 })}">${label}</a>`;
  return html`<p class="sort">Sort: ${sortLink('urgency', 'most urgent first')} · ${sortLink('newest', 'newest first')}</p>
<form method="post" action="/admin/bulk">
${csrfField(input.csrf)}
<input type="hidden" name="back" value="${back}">
<div class="bulk">
  <label for="bulk-action">Bulk action</label>
  <select id="bulk-action" name="bulk_action">
    ${Object.entries(BULK_ACTIONS).map(([value, label]) => {
      const ask = BULK_ASK_FIRST[value as BulkAction];
      return html`<option value="${value}"${ask ? html` data-confirm="${ask}"` : ''}>${label}</option>`;
    })}
  </select>
  <button type="submit">Apply to selected</button>
</div>
<table class="list">
<caption class="sr-only">Requests${filter.status ? `, ${STATUS_LABELS[filter.status]}` : ''}, ${filter.sort === 'newest' ? 'newest first' : 'most urgent first'}</caption>
<thead><tr>
<th scope="col" class="check"><input type="checkbox" id="select-all" aria-label="Select all requests on this page" hidden></th>
<th scope="col">Requester</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Due</th><th scope="col">Requested</th><th scope="col">Confirmed</th>
</tr></thead>
<tbody>
${requests.length ? rows : html`<tr><td colspan="7">No requests found.</td></tr>`}
</tbody>
</table>
</form>
<nav class="pages" aria-label="Pages">
${filter.offset > 0 ? html`<a href="${listHref({ ...filter, offset: Math.max(0, filter.offset - filter.limit) })}" rel="prev">← Previous</a>` : html`<span></span>`}
<span class="muted">${requests.length ? `Showing ${from}–${to}` : ''}</span>
${input.hasNext ? html`<a href="${listHref({ ...filter, offset: filter.offset + filter.limit })}" rel="next">Next →</a>` : html`<span></span>`}
</nav>`;
}
