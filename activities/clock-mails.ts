/**
 * The texts of the legal clock's mails: to the person (acknowledgement,
 * extension, refusal, the appeal's decision) and to the team (a due date
 * near or missed). The team's mails name the request by id and link to it,
 * never the person.
 */
import { formatDate } from '../lib/format.ts';
import { DENIAL_GROUNDS, type DenialGround, type Regime } from '../model/regime.ts';
import { REQUEST_ACTIONS, type RequestAction } from '../model/request.ts';
import type { Site } from './mail-templates.ts';

function signature(site: Site): string[] {
  return ['Regards,', `All at ${site.name}`, site.url, ''];
}

const what = (action: RequestAction) => REQUEST_ACTIONS[action].personRequest;

export function acknowledgementMail(site: Site, input: { action: RequestAction; receivedAt: string; dueAt: string | undefined; rules: Regime }) {
  return {
    subject: `[${site.name}] We received your request`,
    text: [
      'Howdy,',
      '',
      `We received your ${what(input.action)} on ${formatDate(input.receivedAt)}.`,
      input.dueAt === undefined
        ? 'We will answer within the time the law gives us once you have confirmed the request.'
        : `We will answer by ${formatDate(input.dueAt)} (${input.rules.law}).`,
      '',
      'If we need to confirm that the request comes from you, we will write to you first.',
      '',
      ...signature(site),
    ].join('\n'),
  };
}

export function extensionMail(site: Site, input: { action: RequestAction; dueAt: string; reason: string; rules: Regime }) {
  return {
    subject: `[${site.name}] We need more time to answer your request`,
    text: [
      'Howdy,',
      '',
      `We need more time to answer your ${what(input.action)}, as the law allows (${input.rules.law}).`,
      '',
      'Why:',
      `  ${input.reason}`,
      '',
      `We will answer by ${formatDate(input.dueAt)}.`,
      '',
      ...signature(site),
    ].join('\n'),
  };
}

export function denialMail(
  site: Site,
  input: { action: RequestAction; ground: DenialGround; reason: string; rules: Regime; appealLink?: string | undefined; appealUntil?: string | undefined },
) {
  const appeal =
    input.appealLink === undefined
      ? []
      : ['You may appeal this decision until', `${formatDate(input.appealUntil ?? '')} by following this link:`, input.appealLink, ''];
  return {
    subject: `[${site.name}] Your request was declined`,
    text: [
      'Howdy,',
      '',
      `We are not able to act on your ${what(input.action)}: ${DENIAL_GROUNDS[input.ground]}.`,
      '',
      'Our reasons:',
      `  ${input.reason}`,
      '',
      ...appeal,
      input.rules.complaint,
      '',
      ...signature(site),
    ].join('\n'),
  };
}

export function appealDecisionMail(site: Site, input: { action: RequestAction; decision: 'upheld' | 'reversed'; reason: string; rules: Regime }) {
  const outcome =
    input.decision === 'reversed'
      ? ['We reviewed your appeal and reversed our decision: we will now act on your', `${what(input.action)}, and write to you when it is done.`]
      : ['We reviewed your appeal and upheld our decision to decline your', `${what(input.action)}.`];
  return {
    subject: `[${site.name}] The decision on your appeal`,
    text: [
      'Howdy,',
      '',
      ...outcome,
      '',
      'Our reasons:',
      `  ${input.reason}`,
      '',
      ...(input.decision === 'upheld' ? [input.rules.complaint, ''] : []),
      ...signature(site),
    ].join('\n'),
  };
}

export function teamAlertMail(
  site: Site,
  input: { kind: 'reminder' | 'overdue'; requestId: string; action: RequestAction; dueAt: string; regimeName: string; link: string; daysLeft: number },
) {
  const noun = REQUEST_ACTIONS[input.action].noun.toLowerCase();
  const when =
    input.kind === 'overdue'
      ? `was due on ${formatDate(input.dueAt)} and has not been answered.`
      : `is due on ${formatDate(input.dueAt)} (${input.daysLeft <= 0 ? 'today' : `${input.daysLeft} ${input.daysLeft === 1 ? 'day' : 'days'} left`}).`;
  return {
    subject: `[${site.name}] ${input.kind === 'overdue' ? 'Overdue' : 'Due soon'}: ${noun} request ${input.requestId}`,
    text: [`The ${noun} request ${input.requestId} (${input.regimeName}) ${when}`, '', input.link, ''].join('\n'),
  };
}
