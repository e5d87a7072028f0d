/**
 * The metrics' arithmetic: grouping by action and regime, on time and late,
 * the median and 90th percentile of days to close, overdue now.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestClock } from '../model/clock.ts';
import { BUILT_IN_REGIMES, type Regime } from '../model/regime.ts';
import type { RequestMemo } from '../model/request.ts';
import { computeMetrics, quantile } from '../server/metrics.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');

function memo(input: {
  action?: 'export' | 'erase';
  regime?: string;
  receivedDaysAgo: number;
  closedAfterDays?: number;
  dueAfterDays?: number;
  status: RequestMemo['status'];
  ground?: 'excessive';
}): RequestMemo {
  const receivedAt = new Date(NOW - input.receivedDaysAgo * DAY).toISOString();
  const dueAt = new Date(Date.parse(receivedAt) + (input.dueAfterDays ?? 30) * DAY).toISOString();
  const closedAt = input.closedAfterDays === undefined ? undefined : new Date(Date.parse(receivedAt) + input.closedAfterDays * DAY).toISOString();
  const deadline: RequestClock = {
    regime: input.regime ?? 'gdpr',
    rules: BUILT_IN_REGIMES.gdpr as Regime,
    timeZone: 'UTC',
    receivedAt,
    dates: { startedAt: receivedAt, dueAt, originalDueAt: dueAt, maxDueAt: dueAt },
    extensions: 0,
    pausedDays: 0,
    reminded: [],
    history: [],
    ...(closedAt ? { closedAt, onTime: Date.parse(closedAt) <= Date.parse(dueAt) } : {}),
  };
  return {
    requestId: `r-${Math.random()}`,
    email: 'x@example.com',
    action: input.action ?? 'export',
    status: input.status,
    createdAt: receivedAt,
    sendAsEmail: true,
    deadline,
    ...(input.ground ? { denial: { ground: input.ground, reason: 'r', at: closedAt ?? receivedAt } } : {}),
  };
}

test('quantiles by nearest rank', () => {
  assert.equal(quantile([], 0.5), undefined);
  assert.equal(quantile([4], 0.9), 4);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
});

test('per action and regime, with totals; only requests received in the range', () => {
  const memos = [
    memo({ receivedDaysAgo: 50, closedAfterDays: 10, status: 'completed' }),
    memo({ receivedDaysAgo: 50, closedAfterDays: 40, status: 'completed' }), // late
    memo({ receivedDaysAgo: 40, status: 'pending' }), // overdue now (due 10 days ago)
    memo({ receivedDaysAgo: 5, status: 'processing' }), // open, not overdue
    memo({ action: 'erase', receivedDaysAgo: 20, closedAfterDays: 2, status: 'denied', ground: 'excessive' }),
    memo({ regime: 'ccpa', receivedDaysAgo: 10, dueAfterDays: 45, closedAfterDays: 3, status: 'failed' }),
    memo({ receivedDaysAgo: 400, closedAfterDays: 1, status: 'completed' }), // outside the range
  ];
  const metrics = computeMetrics(memos, { from: new Date(NOW - 365 * DAY).toISOString(), to: new Date(NOW).toISOString() }, NOW);
  const row = (action: string, regime: string) => metrics.rows.find((r) => r.action === action && r.regime === regime);
  assert.deepEqual(
    metrics.rows.map((r) => `${r.action}|${r.regime}`),
    ['erase|gdpr', 'export|ccpa', 'export|gdpr', 'all|ccpa', 'all|gdpr', 'all|all'],
  );
  const exportGdpr = row('export', 'gdpr');
  assert.equal(exportGdpr?.received, 4);
  assert.equal(exportGdpr?.completed, 2);
  assert.equal(exportGdpr?.onTime, 1);
  assert.equal(exportGdpr?.late, 1);
  assert.equal(exportGdpr?.open, 2);
  assert.equal(exportGdpr?.overdueNow, 1);
  assert.equal(exportGdpr?.medianDaysToClose, 10);
  assert.equal(exportGdpr?.p90DaysToClose, 40);
  const all = row('all', 'all');
  assert.equal(all?.received, 6);
  assert.equal(all?.denied, 1);
  assert.deepEqual(all?.deniedByGround, { excessive: 1 });
  assert.equal(all?.failed, 1);
  assert.equal(all?.onTime, 3);
  assert.deepEqual([all?.medianDaysToClose, all?.p90DaysToClose], [3, 40]);
});
