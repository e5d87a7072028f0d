/**
 * The figures a privacy team reports, computed from the requests themselves
 * (their clocks in the memos): per action and regime, how many arrived in a
 * period, how many were completed, denied (by ground) or failed, how many
 * were answered on time, the median and 90th percentile of days to close, and
 * how many are open and overdue now. These are what 11 CCR §7102 asks large
 * businesses to publish each year.
 */
import { isOpen, isOverdue } from '../model/clock.ts';
import type { DenialGround } from '../model/grounds.ts';
import type { RequestAction, RequestMemo } from '../model/request.ts';

export interface MetricsRow {
  action: RequestAction | 'all';
  regime: string;
  received: number;
  completed: number;
  denied: number;
  deniedByGround: Partial<Record<DenialGround, number>>;
  failed: number;
  /** Closed (completed, denied or failed) within the due date. */
  onTime: number;
  /** Closed after the due date. */
  late: number;
  open: number;
  overdueNow: number;
  /** Calendar days from receipt to close, over the requests closed; undefined when none closed. */
  medianDaysToClose?: number;
  p90DaysToClose?: number;
}

export interface Metrics {
  from: string;
  to: string;
  computedAt: string;
  rows: MetricsRow[];
}

const DAY = 86_400_000;

/** The value at quantile `q` (0..1) of sorted numbers, by the nearest-rank method. */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/**
 * Figures for the requests received in [from, to), grouped by action and regime, with a total row
 * per regime and one for everything. Requests without a clock (made before clocks existed) count
 * under the regime "none".
 */
export function computeMetrics(memos: readonly RequestMemo[], range: { from: string; to: string }, nowMs: number): Metrics {
  const fromMs = Date.parse(range.from);
  const toMs = Date.parse(range.to);
  const groups = new Map<string, { action: RequestAction | 'all'; regime: string; memos: RequestMemo[] }>();
  const add = (action: RequestAction | 'all', regime: string, memo: RequestMemo) => {
    const key = `${action}|${regime}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { action, regime, memos: [] };
      groups.set(key, group);
    }
    group.memos.push(memo);
  };
  for (const memo of memos) {
    const receivedMs = Date.parse(memo.deadline?.receivedAt ?? memo.createdAt);
    if (!(receivedMs >= fromMs && receivedMs < toMs)) continue;
    const regime = memo.deadline?.regime ?? 'none';
    add(memo.action, regime, memo);
    add('all', regime, memo);
    add('all', 'all', memo);
  }
  const rows = [...groups.values()].map(({ action, regime, memos: group }) => row(action, regime, group, nowMs));
  // Totals last, each action's rows together.
  rows.sort((a, b) => order(a) - order(b) || a.action.localeCompare(b.action) || a.regime.localeCompare(b.regime));
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), computedAt: new Date(nowMs).toISOString(), rows };
}

const order = (row: MetricsRow) => (row.action === 'all' ? (row.regime === 'all' ? 2 : 1) : 0);

function row(action: RequestAction | 'all', regime: string, memos: RequestMemo[], nowMs: number): MetricsRow {
  const deniedByGround: Partial<Record<DenialGround, number>> = {};
  const days: number[] = [];
  let onTime = 0;
  let late = 0;
  for (const memo of memos) {
    if (memo.denial) deniedByGround[memo.denial.ground] = (deniedByGround[memo.denial.ground] ?? 0) + 1;
    const clock = memo.deadline;
    if (clock?.closedAt !== undefined) {
      if (clock.onTime === false) late++;
      else onTime++;
      days.push(Math.max(0, Math.round((Date.parse(clock.closedAt) - Date.parse(clock.receivedAt)) / DAY)));
    }
  }
  days.sort((a, b) => a - b);
  const median = quantile(days, 0.5);
  const p90 = quantile(days, 0.9);
  return {
    action,
    regime,
    received: memos.length,
    completed: memos.filter((memo) => memo.status === 'completed').length,
    denied: memos.filter((memo) => memo.status === 'denied').length,
    deniedByGround,
    failed: memos.filter((memo) => memo.status === 'failed').length,
    onTime,
    late,
    open: memos.filter((memo) => isOpen(memo.status)).length,
    overdueNow: memos.filter((memo) => isOpen(memo.status) && memo.deadline !== undefined && isOverdue(memo.deadline, nowMs)).length,
    ...(median === undefined ? {} : { medianDaysToClose: median }),
    ...(p90 === undefined ? {} : { p90DaysToClose: p90 }),
  };
}
