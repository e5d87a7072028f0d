/**
 * One request: its details, the next steps as buttons for its status, the
 * live progress while plugins run (admin.js polls progress.json), the
 * per-eraser results and receipt of an erasure, and the workflow.
 */
import { type AdminRole, mayDo } from '../../model/audit.ts';
import { auditSection, reviewSection } from './review-view.ts';
import { html } from 'hono/html';
import { DENIAL_GROUNDS } from '../../model/grounds.ts';
import { type ClockRules, clockSection } from './clock-view.ts';
import type { Progress, RecipientNotice } from '../../model/request.ts';
import { allows, type RequestOperation } from '../../model/operations.ts';
import { REQUEST_ACTIONS } from '../../model/request.ts';
import { formatBytes, formatCount } from '../../lib/format.ts';
import type { RequestView } from '../views.ts';
import { adminPage, csrfField, type Markup, requestHref, statusBadge, time } from './layout.ts';
import type { Notice } from './session.ts';

export interface RequestPageInput {
  siteName: string;
  csrf: string;
  notices: readonly Notice[];
  view: RequestView;
  /** Why each of the clock's actions cannot be used now (absent: it can). */
  clockRules?: ClockRules;
  /** Who is looking: a reviewer is not offered what only an admin may do. @default an admin */
  role?: AdminRole;
}

/** What the progress bar and its text show; the same for the page and progress.json. */
export interface ProgressState {
  status: RequestView['status'];
  /** The status will not change any more: stop polling. */
  final: boolean;
  value: number;
  max: number;
  text: string;
}

export function progressState(view: Pick<RequestView, 'status' | 'reason' | 'action' | 'items' | 'waiting'>, progress: Progress | undefined): ProgressState {
  const { pluginWord: plugins, itemsVerb: itemsWord } = REQUEST_ACTIONS[view.action];
  switch (view.status) {
    case 'pending':
      return {
        status: view.status,
        final: false,
        value: 0,
        max: 1,
        text: 'Waiting for confirmation: nothing runs until the person follows the link in the email, or you confirm below.',
      };
    case 'confirmed':
      return { status: view.status, final: false, value: 0, max: 1, text: 'Confirmed: starting.' };
    case 'processing': {
      const waiting = view.waiting;
      if (waiting) {
        const until = `${waiting.until.slice(0, 16).replace('T', ' ')} UTC`;
        const then = waiting.required ? `it is required: the request waits for it past ${until}` : `unanswered by ${until}, it is reported as not confirmed`;
        return {
          status: view.status,
          final: false,
          value: 0,
          max: 1,
          text: `Waiting for the answer of ${waiting.name} (page ${waiting.page}), which took it for later on ${waiting.since.slice(0, 16).replace('T', ' ')} UTC; ${then}.`,
        };
      }
      if (!progress) {
        return { status: view.status, final: false, value: 0, max: 1, text: 'Processing: waiting for a worker to report progress.' };
      }
      const retrying = progress.retry ? ` Retrying: attempt ${progress.retry.attempt}, after ${progress.retry.errorType}.` : '';
      if (progress.zip) {
        const { written, total } = progress.zip;
        return {
          status: view.status,
          final: false,
          value: written,
          max: Math.max(total, 1),
          text: `Writing the ZIP: ${formatCount(written)} of ${formatCount(total)} item${total === 1 ? '' : 's'}.${retrying}`,
        };
      }
      if (progress.pluginsTotal === 0) {
        return { status: view.status, final: false, value: 0, max: 1, text: 'Processing: waiting for a worker to report progress.' };
      }
      const total = progress.pluginsTotal;
      const items = `${formatCount(progress.items)} item${progress.items === 1 ? '' : 's'} ${itemsWord} so far`;
      if (progress.pluginsDone !== undefined) {
        // Exporters side by side: how many are done, and each one at work with its page.
        const finished = Math.min(progress.pluginsDone, total);
        const atWork = (progress.running ?? []).map((plugin) => `${plugin.name} (page ${formatCount(plugin.page)})`).join(', ');
        const text =
          finished === total
            ? `All ${total} ${plugins.toLowerCase()}s done; finishing. ${items}.`
            : `${finished} of ${total} ${plugins.toLowerCase()}s done${atWork ? `; at work: ${atWork}` : ''}; ${items}.${retrying}`;
        return { status: view.status, final: false, value: finished, max: total, text };
      }
      const done = Math.min(progress.plugin?.index ?? total, total);
      const text = progress.plugin
        ? `${plugins} ${progress.plugin.index + 1} of ${total}: ${progress.plugin.name}, page ${formatCount(progress.page)}; ${items}.${retrying}`
        : `All ${total} ${plugins.toLowerCase()}s done; finishing. ${items}.`;
      return { status: view.status, final: false, value: done, max: total, text };
    }
    case 'reviewing':
      return {
        status: view.status,
        final: true,
        value: 1,
        max: 1,
        text: 'Awaiting review: the export is built; the person gets nothing until a reviewer approves it. The legal clock keeps running.',
      };
    case 'completed':
      return { status: view.status, final: true, value: 1, max: 1, text: view.reason ? `Completed: ${view.reason}.` : 'Completed.' };
    case 'failed':
      return { status: view.status, final: true, value: 0, max: 1, text: `Failed: ${view.reason ?? 'no reason recorded'}.` };
    case 'denied':
      return { status: view.status, final: true, value: 0, max: 1, text: `Denied: ${view.reason ?? 'no reason recorded'}.` };
  }
}

export function requestPage(input: RequestPageInput, progress: Progress | undefined): Markup {
  const { view } = input;
  const title = `${REQUEST_ACTIONS[view.action].noun} request for ${view.email}`;
  const state = progressState(view, progress);
  return adminPage(
    { siteName: input.siteName, title, csrf: input.csrf, notices: input.notices, script: '/admin/assets/admin.js' },
    html`<p><a href="/admin">← All requests</a></p>
<section class="card" aria-labelledby="status-heading">
<h2 id="status-heading">Status: ${statusBadge(view.status)}</h2>
${view.reason ? html`<p>${view.status === 'failed' ? 'Reason' : 'Note'}: ${view.reason}</p>` : ''}
${state.final ? '' : progressBlock(view, state)}
${nextSteps(input.csrf, view, input.role ?? 'admin')}
</section>
${reviewSection(view, input.csrf)}
${view.denial ? denialBlock(input.csrf, view) : ''}
${clockSection(view, input.csrf, input.clockRules ?? {})}
${view.erasure ? erasureBlock(view, input.csrf, input.role ?? 'admin') : ''}
${auditSection(view)}
${details(view)}`,
  );
}

function progressBlock(view: RequestView, state: ProgressState): Markup {
  return html`<div id="progress" data-url="${requestHref(view.id)}/progress.json" data-status="${view.status}">
<label for="progress-bar">Progress</label>
<progress id="progress-bar" max="${state.max}" value="${state.value}">${Math.round((state.value / state.max) * 100)}%</progress>
<p id="progress-text" aria-live="polite">${state.text}</p>
</div>`;
}

/** What an admin is asked before an action that cannot be taken back (admin.js shows it). */
const ASK_FIRST = {
  cancel: 'Cancel this request? Nothing more runs for it; what was done so far stays done.',
  'delete-export': 'Delete the export file now? The download link stops working at once. This cannot be undone.',
  erase: "Erase this person's data now, without their confirmation? This cannot be undone.",
} as const;

function button(csrf: string, view: RequestView, path: string, label: string, kind = '', ask?: string): Markup {
  return html`<form method="post" action="${requestHref(view.id)}/${path}"${ask ? html` data-confirm="${ask}"` : ''}>${csrfField(csrf)}<button type="submit" ${kind ? html`class="${kind}"` : ''}>${label}</button></form>`;
}

function nextSteps(csrf: string, view: RequestView, role: AdminRole): Markup {
  const steps: Markup[] = [];
  // Which buttons: the model's tables (model/operations.ts, model/audit.ts), the same the API checks.
  const can = (operation: RequestOperation) => allows(view, operation) && mayDo(role, operation);
  const act = (operation: RequestOperation, label: string, kind = '', ask?: string) => {
    if (can(operation)) steps.push(button(csrf, view, operation, label, kind, ask));
  };
  const { confirmNow, destructive } = REQUEST_ACTIONS[view.action];
  if (view.dryRun) act('confirm', 'Confirm now (dry run)', 'primary');
  else act('confirm', confirmNow, 'primary', destructive ? ASK_FIRST.erase : undefined);
  act('resend', 'Resend confirmation email');
  act('complete', 'Mark as completed');
  act('cancel', 'Cancel request', 'danger', ASK_FIRST.cancel);
  act('retry', 'Retry as a new request', 'primary');
  if (can('email-export') && view.download && !view.download.deleted) {
    steps.push(html`<form method="get" action="${requestHref(view.id)}/export.zip"><button type="submit" class="primary">Download export</button></form>`);
    act('email-export', 'Email the download link to the person');
    act('delete-export', 'Delete export now', 'danger', ASK_FIRST['delete-export']);
  }
  if (view.status === 'completed' && view.receipt) {
    steps.push(
      html`<form method="get" action="${requestHref(view.id)}/receipt.json"><button type="submit">Download ${view.action === 'export' ? 'release record' : 'receipt'}</button></form>`,
    );
  }
  if (steps.length === 0) return html`<p class="muted">Nothing more to do.</p>`;
  return html`<h3 class="sr-only">Next steps</h3><div class="actions">${steps}</div>`;
}

function denialBlock(csrf: string, view: RequestView): Markup | '' {
  const denial = view.denial;
  if (!denial) return '';
  const appeal = denial.appeal;
  const decide = html`<form method="post" action="${requestHref(view.id)}/appeal/decision">${csrfField(csrf)}
<fieldset><legend>Decision</legend>
<label class="choice"><input type="radio" name="decision" value="upheld" checked> Uphold the refusal</label>
<label class="choice"><input type="radio" name="decision" value="reversed"> Reverse it: run the request</label>
</fieldset>
<div class="field"><label for="decision-reason">Your reasons (the person is told)</label><textarea id="decision-reason" name="reason" rows="2" required maxlength="2000"></textarea></div>
<button type="submit" class="primary">Decide the appeal</button></form>`;
  return html`<section class="card" aria-labelledby="denial-heading">
<h2 id="denial-heading">Refusal</h2>
<dl class="details">
<dt>Ground</dt><dd>${DENIAL_GROUNDS[denial.ground]}</dd>
<dt>Reasons</dt><dd>${denial.reason}</dd>
<dt>Denied</dt><dd>${time(denial.at)}</dd>
${denial.appealUntil ? html`<dt>Appeal</dt><dd>${appeal ? html`received ${time(appeal.receivedAt)}, due ${time(appeal.dueAt)}` : html`possible until ${time(denial.appealUntil)}`}</dd>` : ''}
${appeal?.statement ? html`<dt>The person's statement</dt><dd>${appeal.statement}</dd>` : ''}
${appeal?.decision ? html`<dt>Decision</dt><dd>${appeal.decision} ${time(appeal.decidedAt)}: ${appeal.decisionReason ?? ''}</dd>` : ''}
${denial.rerun?.requestId ? html`<dt>Request run again</dt><dd><a href="${requestHref(denial.rerun.requestId)}">${denial.rerun.requestId}</a></dd>` : ''}
${denial.rerun?.refused ? html`<dt>Request run again</dt><dd>not started: ${denial.rerun.refused}</dd>` : ''}
</dl>
${appeal && !appeal.decision ? decide : ''}
</section>`;
}

function count(known: boolean, n: number): string {
  return n > 0 ? formatCount(n) : known ? 'yes' : '0';
}

function erasureBlock(view: RequestView, csrf: string, role: AdminRole): Markup | '' {
  const erasure = view.erasure;
  if (!erasure) return '';
  return html`<section class="card" aria-labelledby="erasure-heading">
<h2 id="erasure-heading">${view.dryRun ? 'What the erasers would do (dry run)' : 'Erasure results'}</h2>
<table class="list">
<caption class="sr-only">Per eraser: items removed, items retained and messages</caption>
<thead><tr><th scope="col">Eraser</th><th scope="col">Removed</th><th scope="col">Retained</th><th scope="col">Messages</th></tr></thead>
<tbody>
${erasure.erasers.map(
  (e) => html`<tr>
<th scope="row">${e.name} <span class="key">${e.key}</span></th>
<td data-label="Removed">${e.skipped ? '—' : count(e.itemsRemoved, e.removed)}</td>
<td data-label="Retained">${e.skipped ? '—' : count(e.itemsRetained, e.retained)}</td>
<td data-label="Messages">${e.skipped ? html`<p>Skipped: ${e.skipped}</p>` : ''}${
    e.messages.length ? html`<ul>${e.messages.map((m) => html`<li>${m}</li>`)}</ul>` : e.skipped ? '' : html`<span class="muted">—</span>`
  }${e.messagesOmitted ? html`<p class="muted">and ${e.messagesOmitted} more messages</p>` : ''}${(e.receipts ?? []).map(
    (r) => html`<p>Processor receipt (page ${r.page}): ${r.verified ? 'signature verified' : html`<strong>not verified</strong>: ${r.problem ?? ''}`}</p>`,
  )}${(e.awaited ?? []).filter((a) => a.notConfirmed).length ? html`<p><strong>Not confirmed by the processor.</strong></p>` : ''}</td>
</tr>`,
)}
</tbody>
<tfoot><tr><th scope="row">Total</th><td data-label="Removed">${count(erasure.totals.itemsRemoved, erasure.totals.removed)}</td><td data-label="Retained">${count(erasure.totals.itemsRetained, erasure.totals.retained)}</td><td></td></tr></tfoot>
</table>
${recipientsTable(erasure.notified ?? [])}
${
  view.receipt
    ? html`<p>${view.action === 'export' ? 'Release record' : 'Receipt'} SHA-256: <span class="mono">${view.receipt.sha256}</span> (<a href="${requestHref(view.id)}/receipt.json">download it</a>)</p>`
    : ''
}
${reapplySection(view, csrf, role)}
</section>`;
}

/** A completed erasure run again (a backup restored): what each run found, and the form to run it again. */
function reapplySection(view: RequestView, csrf: string, role: AdminRole): Markup | '' {
  const runs = view.reapplications ?? [];
  const may = allows(view, 'reapply') && !view.dryRun && mayDo(role, 'reapply');
  if (runs.length === 0 && !may) return '';
  return html`<h3>Run again</h3>
${runs.map(
  (run) =>
    html`<p>Re-application ${run.n}, ${time(run.startedAt)}${run.by ? ` by ${run.by.name}` : ''}${run.reason ? html`: ${run.reason}` : ''} — ${
      run.totals ? `${formatCount(run.totals.removed)} removed, ${formatCount(run.totals.retained)} retained` : 'no erasers'
    }${
      run.erasers.filter((e) => e.removed > 0).length
        ? html` (${run.erasers
            .filter((e) => e.removed > 0)
            .map((e) => `${e.name}: ${formatCount(e.removed)}`)
            .join('; ')})`
        : ''
    }. <span class="muted mono">SHA-256 ${run.sha256}</span></p>`,
)}
${
  may
    ? html`<details class="clock-action"><summary>Reapply the erasure (e.g. after a backup was restored)</summary>
<form method="post" action="${requestHref(view.id)}/reapply">${csrfField(csrf)}
<div class="field"><label for="reapply-reason">Why it runs again (kept in the receipt)</label><textarea id="reapply-reason" name="reason" rows="2" required maxlength="2000"></textarea></div>
<button type="submit">Run the erasers again</button></form></details>`
    : ''
}`;
}

/** GDPR Art. 19: who was told of the erasure, and who acknowledged. */
function recipientsTable(notices: readonly RecipientNotice[]): Markup | '' {
  if (notices.length === 0) return '';
  const state = (n: RecipientNotice) =>
    n.failed !== undefined
      ? html`<strong>Could not be told</strong>: ${n.failed}`
      : n.acknowledgedAt
        ? html`Acknowledged ${time(n.acknowledgedAt)}${n.via === 'answer' ? '' : ` (${n.via === 'callback' ? 'by callback' : 'when asked again'})`}${n.message ? html`: ${n.message}` : ''}`
        : n.notAcknowledged
          ? html`<strong>Not acknowledged</strong>`
          : n.notifiedAt
            ? 'Waiting for its acknowledgement'
            : 'Not told yet';
  return html`<h3>Recipients told of the erasure (GDPR Art. 19)</h3>
<table class="list">
<caption class="sr-only">Per recipient: when it was told, and its acknowledgement</caption>
<thead><tr><th scope="col">Recipient</th><th scope="col">Told</th><th scope="col">Acknowledgement</th></tr></thead>
<tbody>
${notices.map(
  (n) => html`<tr><th scope="row">${n.name} <span class="key">${n.key}</span>${n.disclosed ? html`<br><span class="muted">${n.disclosed}</span>` : ''}</th>
<td data-label="Told">${n.notifiedAt ? time(n.notifiedAt) : '—'}</td><td data-label="Acknowledgement">${state(n)}</td></tr>`,
)}
</tbody>
</table>`;
}

/** Where the download link went: "emailed" only once the workflow has mailed it (it completes after the mail). */
function downloadLinkState(view: RequestView): string {
  if (!view.sendAsEmail) return 'for the admin to download';
  if (view.status === 'completed') return 'emailed to the person';
  if (view.status === 'failed') return 'not emailed: the request did not complete';
  return 'to be emailed to the person when the export is ready';
}

function details(view: RequestView): Markup {
  const row = (term: string, value: Markup | string | number) => html`<dt>${term}</dt><dd>${value}</dd>`;
  const download = view.download;
  const workflow = view.workflow;
  return html`<section class="card" aria-labelledby="details-heading">
<h2 id="details-heading">Details</h2>
<dl class="details">
${row('Request ID', html`<span class="mono">${view.id}</span>`)}
${row('Email address', view.email)}
${row('Action', `${REQUEST_ACTIONS[view.action].label}${view.dryRun ? ' (dry run)' : ''}`)}
${row('Requested', time(view.createdAt))}
${row('Confirmed', view.confirmedAt ? html`${time(view.confirmedAt)}${view.confirmedBy ? ` by ${view.confirmedBy === 'admin' ? 'an admin' : 'the person'}` : ''}` : time(undefined))}
${row('Completed', time(view.completedAt))}
${REQUEST_ACTIONS[view.action].delivers ? row('Download link', downloadLinkState(view)) : ''}
${view.items !== undefined ? row('Items', formatCount(view.items)) : ''}
${
  view.undeclared?.length
    ? row(
        'Not declared in plugins.yaml',
        html`<span class="late">${view.undeclared.map((group) => `${group.label} (group "${group.group}" of ${group.plugin}, ${formatCount(group.items)} items)`).join('; ')}</span>: the report says what is done with these data only once the exporter's <code>processing.categories</code> name them`,
      )
    : ''
}
${
  download
    ? html`${row('Export file', download.deleted ? 'deleted' : html`${formatBytes(download.bytes)}; deleted automatically at ${time(download.expiresAt)}`)}
${row('Export SHA-256', html`<span class="mono">${download.sha256}</span>`)}`
    : ''
}
${row(
  'Workflow',
  workflow.url
    ? html`<a href="${workflow.url}" rel="noreferrer">Open in the Temporal UI</a> <span class="muted mono">${workflow.id}</span>`
    : html`<span class="mono">${workflow.id}</span>`,
)}
${row('Run ID', html`<span class="mono">${workflow.runId}</span>`)}
</dl>
</section>`;
}
