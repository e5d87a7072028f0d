/**
 * The frame of every admin page: head, header with the sign-out button,
 * notices, and the few shared bits (times, status badges, hidden CSRF
 * field). Everything goes through `html`, which escapes each value.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { RequestStatus } from '../../model/request.ts';
import type { Notice } from './session.ts';

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface Frame {
  siteName: string;
  title: string;
  /** Present once signed in: the sign-out button needs it. */
  csrf?: string | undefined;
  notices?: readonly Notice[];
  /** Same-origin script to load (CSP `script-src 'self'`). */
  script?: string;
  /** A narrow column, for the sign-in form. */
  narrow?: boolean;
}

export function adminPage(frame: Frame, body: Markup): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${frame.title} ‹ Privacy requests ‹ ${frame.siteName}</title>
<style>${raw(STYLES) /* a constant, not data */}</style>
${frame.script ? html`<script src="${frame.script}" defer></script>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="bar">
  <p class="brand">${frame.csrf ? html`<a href="/admin">${frame.siteName} · Privacy requests</a>` : html`${frame.siteName} · Privacy requests`}</p>
  ${
    frame.csrf
      ? html`<a href="/admin/metrics" class="nav">Metrics</a><form method="post" action="/admin/logout" class="logout">${csrfField(frame.csrf)}<button type="submit" class="link">Log out</button></form>`
      : ''
  }
</header>
<main id="main" tabindex="-1"${frame.narrow ? raw(' class="narrow"') : ''}>
<h1>${frame.title}</h1>
${(frame.notices ?? []).map(notice)}
${body}
</main>
</body>
</html>`;
}

export function csrfField(token: string): Markup {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

function notice(n: Notice): Markup {
  return html`<div class="notice notice-${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">
<p>${n.text}${n.link ? html` <a href="${n.link.href}">${n.link.text}</a>` : ''}</p>
${n.items?.length ? html`<ul>${n.items.map((item) => html`<li>${item.href ? html`<a href="${item.href}">${item.text}</a>` : item.text}</li>`)}</ul>` : ''}
</div>`;
}

export const STATUS_LABELS: Record<RequestStatus, string> = {
  pending: 'Pending',
  confirmed: 'Confirmed',
  processing: 'Processing',
  reviewing: 'Awaiting review',
  completed: 'Completed',
  failed: 'Failed',
  denied: 'Denied',
};

export function statusBadge(status: RequestStatus): Markup {
  return html`<span class="badge badge-${status}">${STATUS_LABELS[status]}</span>`;
}

/** A timestamp in UTC, readable and machine-readable. */
export function time(iso: string | undefined): Markup {
  if (!iso) return html`<span class="muted">—</span>`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  return html`<time datetime="${date.toISOString()}">${date.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>`;
}

export function requestHref(id: string): string {
  return `/admin/requests/${encodeURIComponent(id)}`;
}

const STYLES = `
:root { color-scheme: light; --blue: #2271b1; --text: #1d2327; --muted: #50575e; --line: #c3c4c7; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--text); background: #f0f0f1; margin: 0; }
a { color: var(--blue); }
:focus-visible { outline: 3px solid var(--blue); outline-offset: 2px; }
.skip, .sr-only { position: absolute; left: -9999px; width: 1px; height: 1px; overflow: hidden; }
.skip:focus { left: .5rem; top: .5rem; width: auto; height: auto; background: #fff; padding: .5rem 1rem; z-index: 1; }
.bar { display: flex; align-items: center; justify-content: space-between; gap: 1rem; background: #1d2327; color: #f0f0f1; padding: .4rem 1rem; }
.bar a, .bar .link { color: #f0f0f1; }
.brand { margin: 0; font-weight: 600; }
.logout { margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
main.narrow { max-width: 28rem; margin-top: 2rem; }
h1 { font-size: 1.6rem; font-weight: 500; margin: .5rem 0 1rem; word-break: break-word; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.card > h2:first-child { margin-top: 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
.muted { color: var(--muted); }
iframe.preview { width: 100%; height: 28rem; border: 1px solid #c3c4c7; border-radius: 4px; background: #fff; }
.decide { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.decide > form { flex: 1 1 18rem; }
ol.timeline { padding-left: 1.25rem; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; word-break: break-all; }
label { font-weight: 600; }
input[type=email], input[type=text], input[type=password], input[type=search], select {
  font: inherit; padding: .35rem .5rem; border: 1px solid #8c8f94; border-radius: 4px; background: #fff; color: var(--text); max-width: 100%; }
input[type=email], input[type=text], input[type=password] { width: 22rem; }
fieldset { border: 0; padding: 0; margin: .75rem 0; }
legend { font-weight: 600; padding: 0; margin-bottom: .25rem; }
.choice { display: block; font-weight: normal; margin: .2rem 0; }
.field { margin: .75rem 0; }
.field > label { display: block; margin-bottom: .25rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
button, .button { font: inherit; display: inline-block; padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--blue);
  background: #f6f7f7; color: var(--blue); cursor: pointer; text-decoration: none; line-height: 1.5; }
button:hover { background: #f0f6fc; }
button.primary { background: var(--blue); color: #fff; }
button.primary:hover { background: #135e96; }
button.danger { border-color: #b32d2e; color: #b32d2e; }
button.link { border: 0; background: none; padding: 0; text-decoration: underline; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.actions form { margin: 0; }
.notice { background: #fff; border: 1px solid var(--line); border-left: 4px solid; padding: .25rem 1rem; margin: 0 0 1rem; }
.notice-success { border-left-color: #00a32a; }
.notice-warning { border-left-color: #dba617; }
.notice-error { border-left-color: #d63638; }
.notice ul { margin: 0 0 .5rem; padding-left: 1.25rem; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; background: #dcdcde; }
.badge-pending { background: #fcf9e8; color: #614200; }
.badge-confirmed { background: #f0f6fc; color: #0a4b78; }
.badge-processing { background: #e5f5fa; color: #043959; }
.badge-completed { background: #edfaef; color: #005c12; }
.badge-failed { background: #fcf0f1; color: #8a2424; }
.badge-denied { background: #f0f0f1; color: #3c434a; }
.flag { display: inline-block; font-size: .85em; color: var(--muted); }
.flag-near { color: #614200; font-weight: 600; }
.flag-overdue, .late { color: #8a2424; font-weight: 600; }
.flag-paused { color: #0a4b78; }
tr.due-overdue th, tr.due-overdue td { background: #fcf0f1; }
tr.due-near th, tr.due-near td { background: #fcf9e8; }
.clock-action { margin: .5rem 0; }
.bar .nav { margin-left: auto; }
tr.total th, tr.total td { font-weight: 600; }
.history { border-collapse: collapse; margin-top: 1rem; width: 100%; }
.history caption { text-align: left; font-weight: 600; }
.history th, .history td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
.filters .field { margin: 0; }
.views { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem .75rem; padding: 0; margin: 0 0 .75rem; }
.views a[aria-current] { font-weight: 700; color: var(--text); text-decoration: none; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid #f0f0f1; vertical-align: top; }
thead th { border-bottom: 1px solid var(--line); }
tbody tr:nth-child(odd) { background: #f6f7f7; }
td.check, th.check { width: 2.5rem; }
td ul { margin: 0; padding-left: 1.1rem; }
.key { display: block; font-size: .8rem; font-weight: normal; color: var(--muted); }
.reason { display: block; color: #8a2424; font-size: .9rem; }
.bulk { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .75rem 0; }
.pages { display: flex; gap: 1rem; justify-content: space-between; align-items: center; margin: .75rem 0; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dl.details dt { font-weight: 600; }
dl.details dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
progress { width: 100%; height: 1.25rem; accent-color: var(--blue); }
.login input[type=text], .login input[type=password] { width: 100%; }
details { margin: .75rem 0; }
summary { cursor: pointer; color: var(--blue); }
@media (max-width: 640px) {
  main { padding: .75rem; }
  input[type=email], input[type=text], input[type=password] { width: 100%; }
  /* Tables become one card per row on a phone: each cell on its own line, labelled. */
  table.list, table.list tbody, table.list tfoot, table.list tr, table.list tbody th, table.list tfoot th, table.list td { display: block; width: 100%; }
  table.list thead { position: absolute; left: -9999px; }
  table.list tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.list tbody th, table.list tfoot th, table.list td { border: 0; padding: .15rem .6rem; overflow-wrap: anywhere; }
  table.list td.check { float: right; width: auto; }
  table.list td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
  table.list td:empty { display: none; }
  dl.details { grid-template-columns: 1fr; gap: 0; }
  dl.details dd { margin-bottom: .5rem; }
}
`;
