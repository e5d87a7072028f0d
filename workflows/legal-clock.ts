/**
 * The legal clock of a request, kept by its workflow: it starts (at receipt,
 * or at confirmation where the regime says so), acknowledges receipt where
 * the regime wants it, reminds the team before the due date and tells it
 * when the date is missed, and takes the team's extensions and pauses within
 * the regime's rules. Its state lives in the memo (`memo.deadline`), so it
 * survives continue-as-new and the API reads it without a worker; its due
 * date and whether it is overdue are search attributes.
 *
 * Dates are computed by activities (time zones and holidays are the world's
 * data); this file only compares them with the workflow's own clock.
 */
import * as wf from '@temporalio/workflow';
import { recordAudit } from '../model/audit.ts';
import { type ClockEvent, isOverdue, nextReminder, type RequestClock, whyNotExtend, whyNotPause, whyNotResume } from '../model/clock.ts';
import { PAUSE_GROUNDS } from '../model/grounds.ts';
import type { RequestAction, RequestMemo } from '../model/request.ts';
import { local, mail, quick } from './activity-proxies.ts';
import { DsrDueAt, DsrOverdue, extendUpdate, pauseUpdate, type RequestInputBase, resumeUpdate } from './definitions.ts';

export interface LegalClock {
  /** Runs beside the request until it closes: never throws, never ends the workflow. */
  run(): Promise<void>;
  /** The request is answered (or ended): the clock stops on its day. */
  close(): void;
  /** Publishes the clock's state: memo and search attributes. */
  save(): void;
}

const nowIso = () => new Date().toISOString();

/** Registers the clock's update handlers; call before the workflow's first await. */
export function legalClock(input: RequestInputBase, memo: RequestMemo, action: RequestAction): LegalClock {
  const offsets = input.reminderOffsetsMs ?? [];
  /** Bumped on every change, so the sleeping loop wakes and plans again. */
  let version = 0;
  const clock = (): RequestClock | undefined => memo.deadline;
  const record = (event: ClockEvent['event'], extra: Omit<ClockEvent, 'at' | 'event'> = {}) => {
    clock()?.history.push({ at: nowIso(), event, ...extra });
  };

  const save = () => {
    const deadline = clock();
    wf.upsertMemo({ record: memo });
    if (deadline === undefined) return;
    wf.upsertSearchAttributes([
      ...(deadline.dates ? [{ key: DsrDueAt, value: new Date(deadline.dates.dueAt) }] : []),
      { key: DsrOverdue, value: isOverdue(deadline, Date.now()) },
    ]);
    version++;
  };

  const replanned = async (deadline: RequestClock, change: { extensions?: number; pause?: { since: string; until: string } }) => {
    const planned = await quick.planClock({
      clock: deadline,
      startedAt: deadline.dates?.startedAt ?? nowIso(),
      extensions: change.extensions ?? deadline.extensions,
      ...(change.pause ? { pause: change.pause } : {}),
    });
    deadline.dates = planned.dates;
    deadline.pausedDays = planned.pausedDays;
    if (!isOverdue(deadline, Date.now())) delete deadline.overdueSince;
    return deadline;
  };

  wf.setHandler(
    extendUpdate,
    async ({ reason, by }) => {
      const deadline = clock() as RequestClock;
      recordAudit(memo, by, 'extend', reason);
      await replanned(deadline, { extensions: deadline.extensions + 1 });
      deadline.extensions++;
      record('extended', { reason, ...(deadline.dates ? { dueAt: deadline.dates.dueAt } : {}) });
      save();
      await mail.sendExtensionMail({ requestId: input.requestId, email: input.email, action, clock: deadline, reason, locale: memo.locale });
      return deadline;
    },
    {
      validator: ({ reason }) => {
        const deadline = clock();
        if (deadline === undefined) throw new Error('Cannot extend: this request has no legal clock (it was made before clocks existed)');
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('Cannot extend: give the reason the person will be told');
        const why = whyNotExtend(deadline, memo.status, Date.now());
        if (why !== undefined) throw new Error(`Cannot extend: ${why}`);
      },
    },
  );

  wf.setHandler(
    pauseUpdate,
    ({ ground, reason, by }) => {
      const deadline = clock() as RequestClock;
      recordAudit(memo, by, 'pause', `${ground}: ${reason}`);
      deadline.pausedSince = nowIso();
      deadline.pauseGround = ground;
      record('paused', { reason: `${ground}: ${reason}` });
      save();
      return deadline;
    },
    {
      validator: ({ ground, reason }) => {
        const deadline = clock();
        if (deadline === undefined) throw new Error('Cannot pause: this request has no legal clock');
        if (!(PAUSE_GROUNDS as readonly string[]).includes(ground)) throw new Error(`Cannot pause: the ground must be one of ${PAUSE_GROUNDS.join(', ')}`);
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('Cannot pause: say what the request waits for');
        const why = whyNotPause(deadline, memo.status, ground);
        if (why !== undefined) throw new Error(`Cannot pause: ${why}`);
      },
    },
  );

  wf.setHandler(
    resumeUpdate,
    async ({ reason, by }) => {
      const deadline = clock() as RequestClock;
      recordAudit(memo, by, 'resume', reason);
      const since = deadline.pausedSince as string;
      await replanned(deadline, { pause: { since, until: nowIso() } });
      delete deadline.pausedSince;
      delete deadline.pauseGround;
      record('resumed', { ...(reason ? { reason } : {}), ...(deadline.dates ? { dueAt: deadline.dates.dueAt } : {}) });
      save();
      return deadline;
    },
    {
      validator: (_input) => {
        const deadline = clock();
        if (deadline === undefined) throw new Error('Cannot resume: this request has no legal clock');
        const why = whyNotResume(deadline);
        if (why !== undefined) throw new Error(`Cannot resume: ${why}`);
      },
    },
  );

  /** One step of the clock: what is due now, done; false when nothing is. */
  const step = async (deadline: RequestClock): Promise<boolean> => {
    if (deadline.acknowledgeBy !== undefined && deadline.acknowledgedAt === undefined) {
      await mail.sendAcknowledgementMail({ requestId: input.requestId, email: input.email, action, clock: deadline, locale: memo.locale });
      deadline.acknowledgedAt = nowIso();
      record('acknowledged');
      save();
      return true;
    }
    if (deadline.dates === undefined) {
      if (memo.confirmedAt === undefined) return false;
      // The regime starts the clock at confirmation: the person's click, or an admin's.
      // A calendar computation of a few milliseconds: a local activity, not a round trip through the server.
      const planner = wf.patched('clock-plan-local') ? local : quick;
      const planned = await planner.planClock({ clock: deadline, startedAt: memo.confirmedAt, extensions: deadline.extensions });
      deadline.dates = planned.dates;
      record('started', { dueAt: planned.dates.dueAt });
      save();
      return true;
    }
    if (isOverdue(deadline, Date.now()) && deadline.overdueSince === undefined) {
      deadline.overdueSince = nowIso();
      record('overdue', { dueAt: deadline.dates.dueAt });
      save();
      await alert(deadline, 'overdue', `overdue|${deadline.dates.dueAt}`);
      return true;
    }
    if (deadline.pausedSince !== undefined) return false;
    const reminder = nextReminder(deadline.dates.dueAt, deadline.reminded, offsets, Date.now());
    if (reminder !== undefined && reminder.atMs <= Date.now()) {
      deadline.reminded.push(...reminder.keys);
      record('reminded', { dueAt: deadline.dates.dueAt });
      save();
      await alert(deadline, 'reminder', reminder.keys[0] as string);
      return true;
    }
    return false;
  };

  const alert = (deadline: RequestClock, kind: 'reminder' | 'overdue', key: string) =>
    mail.sendTeamAlert({ requestId: input.requestId, action, kind, clock: deadline, key, nowMs: Date.now() });

  /** When the clock next has something to do, if ever (ms from now). */
  const sleepMs = (deadline: RequestClock): number | undefined => {
    if (deadline.dates === undefined || deadline.pausedSince !== undefined) return undefined;
    const dueMs = Date.parse(deadline.dates.dueAt);
    const wakes = [nextReminder(deadline.dates.dueAt, deadline.reminded, offsets, Date.now())?.atMs, deadline.overdueSince ? undefined : dueMs + 1];
    const next = Math.min(...wakes.filter((at): at is number => at !== undefined));
    return Number.isFinite(next) ? Math.max(next - Date.now(), 1) : undefined;
  };

  return {
    save,
    close() {
      const deadline = clock();
      if (deadline === undefined || deadline.closedAt !== undefined) return;
      const now = Date.now();
      deadline.closedAt = new Date(now).toISOString();
      if (deadline.dates !== undefined) {
        deadline.closedOnDay = Math.floor((now - Date.parse(deadline.dates.startedAt)) / 86_400_000) + 1;
        deadline.onTime = now <= Date.parse(deadline.dates.dueAt) || deadline.pausedSince !== undefined;
      } else deadline.onTime = true;
      record('closed', deadline.closedOnDay === undefined ? {} : { day: deadline.closedOnDay });
      save();
    },
    async run() {
      try {
        for (;;) {
          const deadline = clock();
          if (deadline === undefined || deadline.closedAt !== undefined) return;
          if (await step(deadline)) continue;
          const seen = version;
          const wait = sleepMs(deadline);
          const changed = () => version !== seen || clock()?.closedAt !== undefined || (deadline.dates === undefined && memo.confirmedAt !== undefined);
          if (wait === undefined) await wf.condition(changed);
          else await wf.condition(changed, wait);
        }
      } catch (error) {
        // A mail the clock could not send must not fail the request; the history shows it.
        if (wf.isCancellation(error)) return;
        wf.log.warn('legal clock stopped', { requestId: input.requestId, error: (error as Error).name });
      }
    },
  };
}
