/**
 * Review before release on the request page: the draft report in a
 * sandboxed frame (no script runs; each item captioned with its id), the
 * groups to withhold from, what is withheld and why, and the approve and
 * reject forms; afterwards the decision. And the request's audit trail:
 * who did what, when and why.
 */
import { html } from 'hono/html';
import { DENIAL_GROUND_NAMES, DENIAL_GROUNDS } from '../../model/grounds.ts';
import { WITHHOLD_GROUND_NAMES, WITHHOLD_GROUNDS } from '../../model/review.ts';
import type { RequestView } from '../views.ts';
import { csrfField, type Markup, time } from './layout.ts';

const href = (id: string) => `/admin/requests/${encodeURIComponent(id)}`;

export function reviewSection(view: RequestView, csrf: string): Markup | '' {
  const review = view.review;
  if (review === undefined) return '';
  const waiting = view.status === 'reviewing' && review.groups !== undefined;
  const withheld = review.withheld.length
    ? html`<h3>Withheld</h3><table class="data"><thead><tr><th>What</th><th>Why</th><th>By</th></tr></thead><tbody>${review.withheld.map(
        (held) =>
          html`<tr><td>${held.item ? html`Item <span class="mono">${held.item}</span> of ` : 'All of '}<span class="mono">${held.group}</span></td><td>${WITHHOLD_GROUNDS[held.ground]}: ${held.reason}</td><td>${held.by.name} (${held.by.role}), ${time(held.at)}</td></tr>`,
      )}</tbody></table>`
    : html`<p>Nothing is withheld.</p>`;
  if (!waiting) {
    const decision = review.decision;
    return html`<section class="card" aria-labelledby="review-heading">
<h2 id="review-heading">Review before release</h2>
${decision ? html`<p><strong>${decision.decision === 'approved' ? 'Approved' : 'Rejected'}</strong> by ${decision.by.name} (${decision.by.role}), ${time(decision.at)}${decision.note ? html`: ${decision.note}` : ''}.</p>` : html`<p>The export is being built; the review starts when it is ready.</p>`}
${withheld}
</section>`;
  }
  const groups = review.groups ?? [];
  return html`<section class="card" aria-labelledby="review-heading">
<h2 id="review-heading">Review before release</h2>
<p>The person gets nothing until you approve. The legal clock keeps running${view.deadline?.dueAt ? html`: the answer is due ${time(view.deadline.dueAt)}` : ''}.</p>
<p>The preview is the report as the person will get it, with each item's id above it (the id is left out of the delivered copy). No script in it runs.</p>
<iframe class="preview" sandbox src="${href(view.id)}/preview/index.html" title="Preview of the export for review"></iframe>
<p><a href="${href(view.id)}/preview/index.html" target="_blank" rel="noopener">Open the preview in its own tab</a></p>
<h3>Groups</h3>
<table class="data"><thead><tr><th>Group</th><th>Id</th><th>Items</th></tr></thead><tbody>${groups.map(
    (group) => html`<tr><td>${group.label}</td><td class="mono">${group.group}</td><td>${group.items}</td></tr>`,
  )}</tbody></table>
${withheld}
<h3>Withhold</h3>
<form method="post" action="${href(view.id)}/review/withhold">${csrfField(csrf)}
<div class="field"><label for="withhold-group">Group</label><select id="withhold-group" name="group">${groups
    .filter((group) => group.group !== 'about')
    .map((group) => html`<option value="${group.group}">${group.label} (${group.items})</option>`)}</select></div>
<div class="field"><label for="withhold-item">Item id (empty: the whole group)</label><input type="text" id="withhold-item" name="item" maxlength="200" spellcheck="false" aria-describedby="withhold-item-hint"><p class="hint" id="withhold-item-hint">As shown in red above the item in the preview.</p></div>
<div class="field"><label for="withhold-ground">Ground</label><select id="withhold-ground" name="ground">${WITHHOLD_GROUND_NAMES.map(
    (ground) => html`<option value="${ground}">${WITHHOLD_GROUNDS[ground]}</option>`,
  )}</select></div>
<div class="field"><label for="withhold-reason">Reason (the person is told, without the withheld data)</label><textarea id="withhold-reason" name="reason" rows="2" required maxlength="2000"></textarea></div>
<button type="submit">Withhold</button></form>
<h3>Decide</h3>
<div class="decide">
<form method="post" action="${href(view.id)}/review/approve">${csrfField(csrf)}
<div class="field"><label for="approve-note">Note (for the record, optional)</label><input type="text" id="approve-note" name="note" maxlength="2000"></div>
<button type="submit" class="primary">Approve and deliver</button></form>
<form method="post" action="${href(view.id)}/review/reject" data-confirm="Reject this export? The request ends as a refusal and the person is told your reasons.">${csrfField(csrf)}
<div class="field"><label for="reject-ground">Ground</label><select id="reject-ground" name="ground">${DENIAL_GROUND_NAMES.map(
    (ground) => html`<option value="${ground}">${DENIAL_GROUNDS[ground]}</option>`,
  )}</select></div>
<div class="field"><label for="reject-reason">Reasons (the person is told)</label><textarea id="reject-reason" name="reason" rows="2" required maxlength="2000"></textarea></div>
<button type="submit" class="danger">Reject</button></form>
</div>
</section>`;
}

const ACTION_WORDS: Record<string, string> = {
  create: 'created the request',
  confirm: 'confirmed it',
  resend: 'resent the confirmation link',
  complete: 'marked it completed',
  cancel: 'cancelled it',
  extend: 'extended the time to answer',
  pause: 'paused the clock',
  resume: 'resumed the clock',
  deny: 'denied it',
  withhold: 'withheld data',
  approve: 'approved the export',
  reject: 'rejected the export',
  'delete-export': 'deleted the export file',
};

/** Who did what, when and why: the record kept in the request. */
export function auditSection(view: RequestView): Markup | '' {
  const trail = view.audit ?? [];
  if (trail.length === 0) return '';
  return html`<section class="card" aria-labelledby="audit-heading">
<h2 id="audit-heading">Who did what</h2>
<ol class="timeline">${trail.map(
    (entry) =>
      html`<li>${time(entry.at)}: <strong>${entry.by.name}</strong> (${entry.by.role}) ${ACTION_WORDS[entry.action] ?? entry.action}${entry.why ? html` — ${entry.why}` : ''}</li>`,
  )}</ol>
</section>`;
}
