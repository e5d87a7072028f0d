/**
 * The metrics page: the figures of server/metrics.ts for a period, per
 * action and regime, as the team reports them (11 CCR §7102).
 */
import { html } from 'hono/html';
import { DENIAL_GROUNDS, type DenialGround } from '../../model/grounds.ts';
import { REQUEST_ACTIONS } from '../../model/request.ts';
import type { Metrics, MetricsRow } from '../metrics.ts';
import { adminPage, type Markup } from './layout.ts';
import type { Notice } from './session.ts';

export function metricsPage(input: {
  siteName: string;
  csrf: string;
  notices: readonly Notice[];
  metrics: Metrics;
  regimeNames: Record<string, string>;
  error?: string;
}): Markup {
  const { metrics } = input;
  const name = (row: MetricsRow) =>
    `${row.action === 'all' ? 'All requests' : REQUEST_ACTIONS[row.action].noun}, ${row.regime === 'all' ? 'every regime' : (input.regimeNames[row.regime] ?? row.regime)}`;
  const days = (n: number | undefined) => (n === undefined ? '—' : String(n));
  const grounds = (row: MetricsRow) =>
    Object.entries(row.deniedByGround)
      .map(([ground, count]) => `${DENIAL_GROUNDS[ground as DenialGround]}: ${count}`)
      .join('; ');
  return adminPage(
    { siteName: input.siteName, title: 'Metrics', csrf: input.csrf, notices: input.notices },
    html`<p><a href="/admin">← All requests</a></p>
<form method="get" action="/admin/metrics" class="filters">
<div class="field"><label for="from">Received from</label><input type="date" id="from" name="from" value="${metrics.from.slice(0, 10)}"></div>
<div class="field"><label for="to">until (not included)</label><input type="date" id="to" name="to" value="${metrics.to.slice(0, 10)}"></div>
<button type="submit">Show</button>
</form>
${input.error ? html`<div class="notice notice-error" role="alert"><p>${input.error}</p></div>` : ''}
<table class="list metrics">
<caption>Requests received from ${metrics.from.slice(0, 10)} until ${metrics.to.slice(0, 10)}, as of ${metrics.computedAt.slice(0, 16).replace('T', ' ')} UTC</caption>
<thead><tr><th scope="col">Requests</th><th scope="col">Received</th><th scope="col">Completed</th><th scope="col">Denied</th><th scope="col">Failed</th><th scope="col">On time</th><th scope="col">Late</th><th scope="col">Median days</th><th scope="col">90th percentile days</th><th scope="col">Open</th><th scope="col">Overdue now</th></tr></thead>
<tbody>
${
  metrics.rows.length === 0
    ? html`<tr><td colspan="11">No requests were received in this period.</td></tr>`
    : metrics.rows.map(
        (row) => html`<tr${row.action === 'all' ? html` class="total"` : ''}>
<th scope="row">${name(row)}</th><td data-label="Received">${row.received}</td><td data-label="Completed">${row.completed}</td>
<td data-label="Denied">${row.denied}${row.denied ? html` <span class="muted">(${grounds(row)})</span>` : ''}</td><td data-label="Failed">${row.failed}</td>
<td data-label="On time">${row.onTime}</td><td data-label="Late">${row.late}</td><td data-label="Median days">${days(row.medianDaysToClose)}</td>
<td data-label="90th percentile days">${days(row.p90DaysToClose)}</td><td data-label="Open">${row.open}</td><td data-label="Overdue now">${row.overdueNow}</td>
</tr>`,
      )
}
</tbody>
</table>
<p class="hint">Days to close are calendar days from receipt to the answer (completed, denied or failed). The same figures: <code>GET /api/metrics?from=…&amp;to=…</code>.</p>`,
  );
}
