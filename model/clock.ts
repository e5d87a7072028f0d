/**
 * A request's legal clock: when it started, when the answer is due, what
 * happened to it (acknowledged, extended, paused, closed on day N), and the
 * rules that say whether it may be extended, paused or the request denied.
 * The dates themselves are computed by lib/calendar.ts in an activity (time
 * zones and holidays are the world's data); this file only compares them, so
 * the workflow's update validators and the server use the same rules.
 * No imports but types: the workflow sandbox loads it.
 */
import type { Actor } from './audit.ts';
import type { DenialGround, PauseGround } from './grounds.ts';
import type { Regime } from './regime.ts';
import type { RequestStatus } from './request.ts';

export type ClockEventType =
  | 'received'
  | 'started'
  | 'acknowledged'
  | 'reminded'
  | 'overdue'
  | 'extended'
  | 'paused'
  | 'resumed'
  | 'denied'
  | 'appealed'
  | 'decided'
  | 'closed';

export interface ClockEvent {
  at: string;
  event: ClockEventType;
  /** Why: the admin's reason for an extension, a pause or a denial. */
  reason?: string;
  /** The due date it set (started, extended, resumed). */
  dueAt?: string;
  /** The day of the clock it happened on (closed). */
  day?: number;
}

/** The dates a regime gives a request, from its start and what happened since (lib/calendar.ts computes them). */
export interface ClockDates {
  startedAt: string;
  /** The due date now: with its extensions and the days it was paused. */
  dueAt: string;
  /** The due date before any extension (with the days paused). */
  originalDueAt: string;
  /** The latest due date the regime's extensions allow (with the days paused); the original one where there are none. */
  maxDueAt: string;
}

export interface RequestClock {
  /** The regime's id (e.g. `gdpr`) and its rules as they were when the request arrived. */
  regime: string;
  rules: Regime;
  /** The organisation's time zone: the one its days begin and end in. */
  timeZone: string;
  receivedAt: string;
  /** Absent while a clock that starts at confirmation waits for it. */
  dates?: ClockDates;
  extensions: number;
  /** When receipt must be acknowledged by, and when it was. */
  acknowledgeBy?: string;
  acknowledgedAt?: string;
  pausedSince?: string;
  pauseGround?: PauseGround;
  /** Whole days the clock stood still, added to the due date. */
  pausedDays: number;
  /** Reminders sent, each `<dueAt>|<offset ms>`, so an extension's new date gets its own. */
  reminded: string[];
  overdueSince?: string;
  closedAt?: string;
  /** The clock's day the request closed on (day 1 is the day it started). */
  closedOnDay?: number;
  onTime?: boolean;
  history: ClockEvent[];
}

/** A refusal and, under a regime with appeals, the appeal against it. */
export interface Denial {
  ground: DenialGround;
  reason: string;
  at: string;
  /** Under a regime with appeals: until when the person may appeal. */
  appealUntil?: string;
}

export interface Appeal {
  /** The appeal's own id, linked to the denied request's. */
  id: string;
  receivedAt: string;
  /** Its own clock: the regime's `appeal.answerDays` from receipt. */
  dueAt: string;
  statement?: string;
  decision?: 'upheld' | 'reversed';
  decidedAt?: string;
  decisionReason?: string;
  /** Who decided (a named account, or the admin token). */
  decidedBy?: Actor;
}

const OPEN: readonly RequestStatus[] = ['pending', 'confirmed', 'processing', 'reviewing'];

/** Whether the request is still waiting for its answer. */
export function isOpen(status: RequestStatus): boolean {
  return OPEN.includes(status);
}

/** Past its due date, unanswered and not paused. */
export function isOverdue(clock: RequestClock, nowMs: number): boolean {
  return clock.closedAt === undefined && clock.pausedSince === undefined && clock.dates !== undefined && nowMs > Date.parse(clock.dates.dueAt);
}

/** Whole days from now to the due date (negative once it has passed); undefined before the clock starts. */
export function daysLeft(clock: RequestClock, nowMs: number): number | undefined {
  if (clock.dates === undefined) return undefined;
  return Math.floor((Date.parse(clock.dates.dueAt) - nowMs) / 86_400_000);
}

/**
 * Why the answer may not be extended now, or undefined if it may: the regime must allow
 * extensions, not all of them used, the current due date not passed, the request open.
 */
export function whyNotExtend(clock: RequestClock, status: RequestStatus, nowMs: number): string | undefined {
  const { rules } = clock;
  if (!isOpen(status)) return `the request is ${status}; only an open request can be extended`;
  if (rules.extension === undefined) return `${rules.name} does not allow the time to answer to be extended`;
  if (clock.extensions >= rules.extension.times) {
    return `${rules.name} allows ${rules.extension.times === 1 ? 'one extension' : `${rules.extension.times} extensions`}, and it has been used`;
  }
  if (clock.dates === undefined) return 'the clock has not started yet (it starts when the person confirms the request)';
  if (nowMs > Date.parse(clock.dates.dueAt)) {
    return `the due date (${clock.dates.dueAt}) has passed; ${rules.law} requires the person to be told of an extension before it`;
  }
  return undefined;
}

/** Why the clock may not be paused on `ground` now, or undefined if it may. */
export function whyNotPause(clock: RequestClock, status: RequestStatus, ground: PauseGround): string | undefined {
  const { rules } = clock;
  if (!isOpen(status)) return `the request is ${status}; only an open request's clock can be paused`;
  if (rules.pauseGrounds.length === 0)
    return `${rules.name} does not let the clock stop: the time to answer runs from ${rules.clockStarts === 'receipt' ? 'receipt' : 'confirmation'} without pause`;
  if (!rules.pauseGrounds.includes(ground)) return `${rules.name} lets the clock stop only for ${rules.pauseGrounds.join(' or ')}, not for ${ground}`;
  if (clock.pausedSince !== undefined) return `the clock is already paused (since ${clock.pausedSince})`;
  if (clock.dates === undefined) return 'the clock has not started yet, so there is nothing to pause';
  return undefined;
}

/** Why the clock may not be resumed, or undefined if it may. */
export function whyNotResume(clock: RequestClock): string | undefined {
  return clock.pausedSince === undefined ? 'the clock is not paused' : undefined;
}

/**
 * Why the request may not be denied now, or undefined if it may: before its plugins start, while
 * it waits for confirmation (a request confirmed starts at once), or when its reviewer rejects it.
 */
export function whyNotDeny(status: RequestStatus): string | undefined {
  // A reviewer's rejection of a built export is a denial too.
  if (status === 'pending' || status === 'reviewing') return undefined;
  if (status === 'confirmed' || status === 'processing') return `the request is ${status} and its plugins have started; cancel it instead`;
  return `the request is ${status}; only a request waiting for confirmation can be denied`;
}

/** Why an appeal may not be decided, or undefined if it may. */
export function whyNotDecide(appeal: Appeal | undefined): string | undefined {
  if (appeal === undefined) return 'the person has not appealed';
  if (appeal.decision !== undefined) return `the appeal was already decided (${appeal.decision})`;
  return undefined;
}

/** Why the person may not appeal now, or undefined if they may. */
export function whyNotAppeal(appealUntil: string, appeal: Appeal | undefined, nowMs: number): string | undefined {
  if (appeal !== undefined) return 'the refusal has been appealed already';
  if (nowMs > Date.parse(appealUntil)) return `the time to appeal ended on ${appealUntil}`;
  return undefined;
}

/**
 * The reminders due for the current due date: each offset before it, once. When several have
 * passed already (a request entered late), only one mail goes, and all of them count as sent.
 * @returns when the next one is due and the keys it covers, or undefined when none is left
 */
export function nextReminder(
  dueAt: string,
  reminded: readonly string[],
  offsetsMs: readonly number[],
  nowMs: number,
): { atMs: number; keys: string[] } | undefined {
  const dueMs = Date.parse(dueAt);
  if (nowMs > dueMs) return undefined; // past due: the overdue alert says it
  const pending = offsetsMs
    .map((offset) => ({ atMs: dueMs - offset, key: `${dueAt}|${offset}` }))
    .filter((reminder) => !reminded.includes(reminder.key))
    .sort((a, b) => a.atMs - b.atMs);
  const first = pending[0];
  if (first === undefined) return undefined;
  const passed = pending.filter((reminder) => reminder.atMs <= nowMs);
  if (passed.length > 0) return { atMs: nowMs, keys: passed.map((reminder) => reminder.key) };
  return { atMs: first.atMs, keys: [first.key] };
}

/** The clock's day an instant falls on: day 1 is the day it started (whole days in UTC terms, as a count). */
export function clockDay(clock: RequestClock, atMs: number): number | undefined {
  if (clock.dates === undefined) return undefined;
  return Math.floor((atMs - Date.parse(clock.dates.startedAt)) / 86_400_000) + 1;
}
