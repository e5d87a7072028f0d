/**
 * The legal clock on the admin pages: the list's "Due" cell (days left,
 * overdue, paused, answered on day N), and the request page's clock with its
 * history and the extend, pause, resume and deny forms, each shown with the
 * rule that allows it, or the reason it cannot be used now.
 */
import { html } from 'hono/html';
import { DENIAL_GROUND_NAMES, DENIAL_GROUNDS, PAUSE_GROUNDS } from '../../model/grounds.ts';
import type { RequestView } from '../views.ts';
import { csrfField, type Markup, time } from './layout.ts';

/** Within this many days of its due date, a request is flagged as near. */
export const NEAR_DUE_DAYS = 7;

const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;

/** How urgent a request is: what the list flags. */
export function urgencyOf(view: RequestView): 'overdue' | 'near' | 'paused' | undefined {
  const clock = view.deadline;
  if (clock === undefined || clock.closedAt !== undefined) return undefined;
  if (clock.overdue) return 'overdue';
  if (clock.pausedSince) return 'paused';
  if (clock.daysLeft !== undefined && clock.daysLeft < NEAR_DUE_DAYS) return 'near';
  return undefined;
}

/** The list's "Due" cell. */
export function dueCell(view: RequestView): Markup {
  const clock = view.deadline;
  if (clock === undefined) return html`<span class="muted">—</span>`;
  if (clock.closedAt !== undefined) {
    const day = clock.closedOnDay === undefined ? '' : ` on day ${clock.closedOnDay}`;
    return html`<span class="muted">Closed${day}${clock.onTime === false ? html`, <strong class="late">late</strong>` : ''}</span>`;
  }
  if (clock.dueAt === undefined) return html`<span class="muted">Starts at confirmation</span>`;
  const urgency = urgencyOf(view);
  const left = clock.daysLeft ?? 0;
  const note =
    urgency === 'overdue'
      ? html`<span class="flag flag-overdue">Overdue by ${days(Math.max(1, -left))}</span>`
      : urgency === 'paused'
        ? html`<span class="flag flag-paused">Paused</span>`
        : html`<span class="flag${urgency === 'near' ? ' flag-near' : ''}">${left <= 0 ? 'Due today' : `${days(left)} left`}</span>`;
  return html`${time(clock.dueAt)} ${note}`;
}

const EVENT_LABELS: Record<string, string> = {
  received: 'Received',
  started: 'Clock started',
  acknowledged: 'Receipt acknowledged to the person',
  reminded: 'Team reminded',
  overdue: 'Due date missed',
  extended: 'Extended',
  paused: 'Paused',
  resumed: 'Resumed',
  denied: 'Denied',
  appealed: 'Appealed',
  decided: 'Appeal decided',
  closed: 'Closed',
};

/** Why each of the clock's actions cannot be used now (absent: it can). */
export interface ClockRules {
  extend?: string | undefined;
  pause?: string | undefined;
  deny?: string | undefined;
}

/** The request page's clock: dates, history, and the actions its regime allows. */
export function clockSection(view: RequestView, csrf: string, rules: ClockRules): Markup {
  const clock = view.deadline;
  if (clock === undefined) return '' as unknown as Markup;
  const action = (path: string) => `/admin/requests/${encodeURIComponent(view.id)}/clock/${path}`;
  const why = (text: string | undefined) => (text === undefined ? '' : html`<p class="hint">Not now: ${text}.</p>`);
  const reasonField = (id: string, label: string) =>
    html`<div class="field"><label for="${id}">${label}</label><textarea id="${id}" name="reason" rows="2" required maxlength="2000"></textarea></div>`;
  const forms: Markup[] = [];
  if (clock.closedAt === undefined) {
    forms.push(html`<details class="clock-action"><summary>Extend the time to answer</summary>
${
  rules.extend === undefined
    ? html`<form method="post" action="${action('extend')}">${csrfField(csrf)}
<p class="hint">The new due date will be ${time(clock.maxDueAt)}. The person is mailed it with your reason.</p>
${reasonField('extend-reason', 'Why more time is needed (the person is told)')}
<button type="submit">Extend</button></form>`
    : why(rules.extend)
}</details>`);
    if (clock.pausedSince === undefined) {
      forms.push(html`<details class="clock-action"><summary>Pause the clock</summary>
${
  rules.pause === undefined
    ? html`<form method="post" action="${action('pause')}">${csrfField(csrf)}
<div class="field"><label for="pause-ground">Waiting for</label><select id="pause-ground" name="ground">${PAUSE_GROUNDS.map((ground) => html`<option value="${ground}">${ground === 'clarification' ? 'A clarification from the person' : 'Proof of identity'}</option>`)}</select></div>
${reasonField('pause-reason', 'What exactly (for the record)')}
<button type="submit">Pause</button></form>`
    : why(rules.pause)
}</details>`);
    } else {
      forms.push(
        html`<form method="post" action="${action('resume')}" class="clock-action">${csrfField(csrf)}<button type="submit">Resume the clock</button></form>`,
      );
    }
    forms.push(html`<details class="clock-action"><summary>Deny the request</summary>
${
  rules.deny === undefined
    ? html`<form method="post" action="${action('deny')}">${csrfField(csrf)}
<div class="field"><label for="deny-ground">Ground</label><select id="deny-ground" name="ground">${DENIAL_GROUND_NAMES.map((ground) => html`<option value="${ground}">${DENIAL_GROUNDS[ground]}</option>`)}</select></div>
${reasonField('deny-reason', 'Your reasons (the person is told)')}
<button type="submit" class="danger">Deny</button></form>`
    : why(rules.deny)
}</details>`);
  }
  const history = clock.history.map(
    (event) =>
      html`<tr><td>${time(event.at)}</td><td>${EVENT_LABELS[event.event] ?? event.event}${event.day === undefined ? '' : ` on day ${event.day}`}</td><td>${event.reason ?? ''}${event.dueAt ? html` <span class="muted">due ${time(event.dueAt)}</span>` : ''}</td></tr>`,
  );
  return html`<section class="card" aria-labelledby="clock-heading">
<h2 id="clock-heading">Legal clock</h2>
<dl class="facts">
<dt>Regime</dt><dd>${clock.regimeName}</dd>
<dt>Received</dt><dd>${time(clock.receivedAt)}</dd>
<dt>Clock started</dt><dd>${clock.startedAt ? time(clock.startedAt) : 'when the person confirms'}</dd>
<dt>Due</dt><dd>${dueCell(view)}</dd>
${clock.acknowledgeBy ? html`<dt>Acknowledgement</dt><dd>${clock.acknowledgedAt ? html`sent ${time(clock.acknowledgedAt)}` : html`due by ${time(clock.acknowledgeBy)}`}</dd>` : ''}
<dt>Extensions</dt><dd>${clock.extensions} used, ${clock.extensionsLeft} left</dd>
${clock.pausedDays > 0 || clock.pausedSince ? html`<dt>Paused</dt><dd>${days(clock.pausedDays)} in all${clock.pausedSince ? html`; paused since ${time(clock.pausedSince)}` : ''}</dd>` : ''}
</dl>
${forms}
<table class="history"><caption>History</caption><thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Details</th></tr></thead>
<tbody>${history}</tbody></table>
</section>`;
}
