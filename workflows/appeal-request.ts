/**
 * The appeal against a refusal, under a regime that has appeals (Virginia's:
 * Va. Code §59.1-577(C)): a workflow of its own, started by the denied
 * request as it ends, so a new request from the person is never blocked by
 * it. It waits for the person's appeal until the time to appeal ends; an
 * appeal gets its own clock (`appeal.answerDays` from receipt), reminders and
 * an overdue alert to the team like any request, and ends with the team's
 * decision, mailed to the person. A reversal starts the request again,
 * confirmed, under the appeal's due date.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import { type Appeal, nextReminder, whyNotAppeal, whyNotDecide } from '../model/clock.ts';
import { REQUEST_ACTIONS, requestWorkflowId } from '../model/request.ts';
import { mail, quick } from './activity-proxies.ts';
import {
  type AppealInput,
  type AppealRecord,
  appealUpdate,
  DsrAction,
  DsrDueAt,
  DsrOverdue,
  DsrRequestId,
  DsrStatus,
  DsrSubject,
  decideAppealUpdate,
} from './definitions.ts';

export async function appealRequest(input: AppealInput): Promise<AppealRecord> {
  const { requestId, email, action, clock } = input;
  const record: AppealRecord = { requestId, appealUntil: input.appealUntil };
  const reminded: string[] = [];
  let overdueSent = false;
  const publish = () => {
    wf.upsertMemo({ record });
    const appeal = record.appeal;
    if (appeal !== undefined) {
      const overdue = appeal.decision === undefined && Date.now() > Date.parse(appeal.dueAt);
      wf.upsertSearchAttributes([
        { key: DsrDueAt, value: new Date(appeal.dueAt) },
        { key: DsrOverdue, value: overdue },
      ]);
    }
  };

  wf.setHandler(
    appealUpdate,
    async ({ statement }) => {
      const receivedAt = new Date().toISOString();
      const answerDays = clock.rules.appeal?.answerDays ?? 60;
      // The appeal is recorded at once (a second one is refused), its due date a moment later.
      record.appeal = { id: `${requestId}-appeal`, receivedAt, dueAt: receivedAt, ...(statement ? { statement } : {}) };
      record.appeal.dueAt = await quick.daysAfter({ from: receivedAt, days: answerDays, timeZone: clock.timeZone });
      publish();
      return record.appeal;
    },
    {
      validator: ({ statement }) => {
        if (statement !== undefined && (typeof statement !== 'string' || statement.length > 5000))
          throw new Error('Cannot appeal: the statement is at most 5,000 characters');
        const why = whyNotAppeal(input.appealUntil, record.appeal, Date.now());
        if (why !== undefined) throw new Error(`Cannot appeal: ${why}`);
      },
    },
  );

  wf.setHandler(
    decideAppealUpdate,
    async ({ decision, reason, by }) => {
      const appeal = record.appeal as Appeal;
      if (by) appeal.decidedBy = { name: by.name, role: by.role };
      appeal.decision = decision;
      appeal.decidedAt = new Date().toISOString();
      appeal.decisionReason = reason;
      publish();
      await mail.sendAppealDecisionMail({ requestId, email, action, clock, decision, reason, locale: input.original.locale });
      return appeal;
    },
    {
      validator: ({ decision, reason }) => {
        if (decision !== 'upheld' && decision !== 'reversed') throw new Error('Cannot decide the appeal: the decision is "upheld" or "reversed"');
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('Cannot decide the appeal: give the reasons the person will be told');
        const why = whyNotDecide(record.appeal);
        if (why !== undefined) throw new Error(`Cannot decide the appeal: ${why}`);
      },
    },
  );

  publish();
  const appealed = await wf.condition(() => record.appeal !== undefined, Math.max(Date.parse(input.appealUntil) - Date.now(), 1));
  if (!appealed) return record;
  await wf.condition(() => record.appeal?.dueAt !== record.appeal?.receivedAt);

  // The appeal's own clock: remind the team before its due date, tell it when the date is missed.
  const offsets = input.reminderOffsetsMs ?? [];
  const decided = () => record.appeal?.decision !== undefined;
  while (!decided()) {
    const dueAt = (record.appeal as Appeal).dueAt;
    const now = Date.now();
    const reminder = nextReminder(dueAt, reminded, offsets, now);
    if (now > Date.parse(dueAt) && !overdueSent) {
      overdueSent = true;
      publish();
      await alert('overdue', `appeal-overdue|${dueAt}`, dueAt);
      continue;
    }
    if (reminder !== undefined && reminder.atMs <= now) {
      reminded.push(...reminder.keys);
      await alert('reminder', `appeal|${reminder.keys[0]}`, dueAt);
      continue;
    }
    const wakes = [reminder?.atMs, overdueSent ? undefined : Date.parse(dueAt) + 1].filter((at): at is number => at !== undefined);
    if (wakes.length === 0) await wf.condition(decided);
    else await wf.condition(decided, Math.max(Math.min(...wakes) - now, 1));
  }
  await wf.condition(wf.allHandlersFinished);

  if (record.appeal?.decision === 'reversed') {
    // The request runs again, confirmed (the team reversed its refusal), due when the appeal was.
    const rerunId = `${action}-${input.original.subject}-${wf.uuid4().replaceAll('-', '').slice(0, 10)}`;
    const now = new Date().toISOString();
    const dueAt = record.appeal.dueAt;
    try {
      await wf.startChild(REQUEST_ACTIONS[action].workflowType, {
        workflowId: requestWorkflowId(action, input.original.subject),
        args: [
          {
            ...input.original,
            requestId: rerunId,
            createdAt: now,
            skipConfirmation: true,
            clock: {
              regime: clock.regime,
              rules: clock.rules,
              timeZone: clock.timeZone,
              receivedAt: clock.receivedAt,
              dates: { startedAt: clock.dates?.startedAt ?? clock.receivedAt, dueAt, originalDueAt: dueAt, maxDueAt: dueAt },
              // The appeal's due date is the last word: no extension beyond it.
              extensions: clock.rules.extension?.times ?? 0,
              pausedDays: clock.pausedDays,
              reminded: [],
              ...(clock.acknowledgedAt ? { acknowledgeBy: clock.acknowledgeBy, acknowledgedAt: clock.acknowledgedAt } : {}),
              history: [
                ...clock.history.filter((event) => event.event !== 'closed'),
                { at: now, event: 'decided', reason: `appeal ${record.appeal.id} reversed the refusal of ${requestId}`, dueAt },
              ],
            },
          },
        ],
        parentClosePolicy: 'ABANDON',
        typedSearchAttributes: [
          { key: DsrAction, value: action },
          { key: DsrStatus, value: 'confirmed' },
          { key: DsrSubject, value: input.original.subject },
          { key: DsrRequestId, value: rerunId },
        ],
        memo: {
          record: {
            requestId: rerunId,
            email,
            action,
            status: 'confirmed',
            createdAt: now,
            confirmedAt: now,
            confirmedBy: 'admin',
            sendAsEmail: input.original.sendAsEmail,
          },
        },
        staticSummary: `${action} request ${rerunId} (appeal of ${requestId} reversed)`,
      });
      record.rerun = { requestId: rerunId };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      record.rerun = { refused: 'the person has another request of this kind open; answer the appeal through it' };
    }
    publish();
  }
  return record;

  function alert(kind: 'reminder' | 'overdue', key: string, dueAt: string) {
    return mail.sendTeamAlert({
      requestId,
      action,
      kind,
      clock: { ...clock, dates: { startedAt: record.appeal?.receivedAt ?? dueAt, dueAt, originalDueAt: dueAt, maxDueAt: dueAt } },
      key,
      nowMs: Date.now(),
    });
  }
}
