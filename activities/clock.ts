/**
 * The legal clock's I/O: its dates (time zones and holidays are the world's
 * data, so they are computed here and recorded in history, never in workflow
 * code) and its mails, each sent once (lib/mailer.ts's ledger).
 */
import { calendarDaysBetween, clockDates, daysAfter } from '../lib/calendar.ts';
import type { Secret } from '../lib/config.ts';
import { DEFAULT_LOCALE, type Locale } from '../lib/locale.ts';
import type { Mailer } from '../lib/mailer.ts';
import type { RegimeTable } from '../lib/regimes.ts';
import { appealKey } from '../lib/secrets.ts';
import type { ClockDates, RequestClock } from '../model/clock.ts';
import type { DenialGround } from '../model/regime.ts';
import type { RequestAction } from '../model/request.ts';
import { acknowledgementMail, appealDecisionMail, denialMail, extensionMail, teamAlertMail } from './clock-mails.ts';
import { loggingFailure } from './log-failure.ts';
import type { Site } from './mail-templates.ts';

export interface ClockDeps {
  regimes: RegimeTable;
  mailer: Mailer;
  secret: Secret;
  site: Site;
  publicUrl: string;
  /** Who hears of due dates near or missed (ADMIN_EMAIL); nobody when empty. */
  teamEmails: readonly string[];
}

export function createClockActivities({ regimes, mailer, secret, site, publicUrl, teamEmails }: ClockDeps) {
  return {
    /**
     * The clock's dates from its start, its extensions and the days it stood still (with those of
     * a pause that ends now, `pause`), and the days paused in all.
     */
    async planClock(input: {
      clock: RequestClock;
      startedAt: string;
      extensions: number;
      pause?: { since: string; until: string };
    }): Promise<{ dates: ClockDates; pausedDays: number }> {
      const calendar = regimes.calendar(input.clock.rules);
      const pausedDays = input.clock.pausedDays + (input.pause ? calendarDaysBetween(input.pause.since, input.pause.until, calendar.timeZone) : 0);
      return { dates: clockDates(input.clock.rules, input.startedAt, input.extensions, pausedDays, calendar), pausedDays };
    },

    /** The end of the day `days` calendar days after `from`, in the organisation's time zone. */
    async daysAfter(input: { from: string; days: number; timeZone: string }): Promise<string> {
      return daysAfter(input.from, input.days, input.timeZone);
    },

    async sendAcknowledgementMail(input: { locale?: Locale | undefined; requestId: string; email: string; action: RequestAction; clock: RequestClock }) {
      const { subject, text } = acknowledgementMail(site, {
        action: input.action,
        receivedAt: input.clock.receivedAt,
        dueAt: input.clock.dates?.dueAt,
        rules: input.clock.rules,
        locale: input.locale ?? DEFAULT_LOCALE,
      });
      await loggingFailure('acknowledgement mail', { requestId: input.requestId }, () =>
        mailer.send({ to: input.email, subject, text, idempotencyKey: `acknowledge:${input.requestId}` }),
      );
    },

    async sendExtensionMail(input: {
      locale?: Locale | undefined;
      requestId: string;
      email: string;
      action: RequestAction;
      clock: RequestClock;
      reason: string;
    }) {
      const dueAt = input.clock.dates?.dueAt ?? '';
      const { subject, text } = extensionMail(site, {
        action: input.action,
        dueAt,
        reason: input.reason,
        rules: input.clock.rules,
        locale: input.locale ?? DEFAULT_LOCALE,
      });
      await loggingFailure('extension mail', { requestId: input.requestId }, () =>
        mailer.send({ to: input.email, subject, text, idempotencyKey: `extend:${input.requestId}:${input.clock.extensions}` }),
      );
    },

    async sendDenialMail(input: {
      locale?: Locale | undefined;
      requestId: string;
      email: string;
      action: RequestAction;
      clock: RequestClock;
      ground: DenialGround;
      reason: string;
      appealUntil?: string | undefined;
    }) {
      const appealLink =
        input.appealUntil === undefined ? undefined : `${publicUrl}/appeal?id=${encodeURIComponent(input.requestId)}&key=${appealKey(secret, input.requestId)}`;
      const { subject, text } = denialMail(site, {
        action: input.action,
        ground: input.ground,
        reason: input.reason,
        rules: input.clock.rules,
        appealLink,
        appealUntil: input.appealUntil,
        locale: input.locale ?? DEFAULT_LOCALE,
      });
      await loggingFailure('denial mail', { requestId: input.requestId }, () =>
        mailer.send({ to: input.email, subject, text, idempotencyKey: `deny:${input.requestId}` }),
      );
    },

    async sendAppealDecisionMail(input: {
      locale?: Locale | undefined;
      requestId: string;
      email: string;
      action: RequestAction;
      clock: RequestClock;
      decision: 'upheld' | 'reversed';
      reason: string;
    }) {
      const { subject, text } = appealDecisionMail(site, {
        action: input.action,
        decision: input.decision,
        reason: input.reason,
        rules: input.clock.rules,
        locale: input.locale ?? DEFAULT_LOCALE,
      });
      await loggingFailure('appeal decision mail', { requestId: input.requestId }, () =>
        mailer.send({ to: input.email, subject, text, idempotencyKey: `appeal-decision:${input.requestId}` }),
      );
    },

    /**
     * Tells the team a due date is near or missed. `key` makes each reminder one mail however
     * often it is retried. Returns false when no team address is configured.
     */
    /** Tells the team a processor has not answered a page it accepted for later (a reminder, or its time is up). */
    async sendProcessorAlert(input: {
      requestId: string;
      plugin: string;
      name: string;
      page: number;
      since: string;
      kind: 'reminder' | 'timeout';
      required: boolean;
    }) {
      if (teamEmails.length === 0) return { sent: false };
      const link = `${publicUrl}/admin/requests/${encodeURIComponent(input.requestId)}`;
      const subject = `[${site.name}] ${input.kind === 'reminder' ? 'Still waiting for' : 'No answer from'} ${input.name} (request ${input.requestId})`;
      const outcome =
        input.kind === 'reminder'
          ? 'The request waits for its answer.'
          : input.required
            ? 'It is required, so the request keeps waiting: contact the processor.'
            : 'Its erasure is reported as not confirmed by the processor.';
      const text = `${input.name} (${input.plugin}) accepted page ${input.page} of request ${input.requestId} on ${input.since} and has not answered.\n${outcome}\n\n${link}\n`;
      await loggingFailure('processor alert mail', { requestId: input.requestId, plugin: input.plugin }, () =>
        mailer.send({ to: teamEmails.join(', '), subject, text, idempotencyKey: `processor:${input.requestId}:${input.plugin}:${input.page}:${input.kind}` }),
      );
      return { sent: true };
    },

    async sendTeamAlert(input: { requestId: string; action: RequestAction; kind: 'reminder' | 'overdue'; clock: RequestClock; key: string; nowMs: number }) {
      if (teamEmails.length === 0 || input.clock.dates === undefined) return { sent: false };
      const { dueAt } = input.clock.dates;
      const { subject, text } = teamAlertMail(site, {
        kind: input.kind,
        requestId: input.requestId,
        action: input.action,
        dueAt,
        regimeName: input.clock.rules.name,
        link: `${publicUrl}/admin/requests/${encodeURIComponent(input.requestId)}`,
        daysLeft: Math.floor((Date.parse(dueAt) - input.nowMs) / 86_400_000),
      });
      await loggingFailure('team alert mail', { requestId: input.requestId }, () =>
        mailer.send({ to: teamEmails.join(', '), subject, text, idempotencyKey: `team:${input.requestId}:${input.key}` }),
      );
      return { sent: true };
    },
  };
}
