/**
 * The texts of the legal clock's mails: to the person (acknowledgement,
 * extension, refusal, the appeal's decision) and to the team (a due date
 * near or missed). The team's mails name the request by id and link to it,
 * never the person.
 */
import { formatDate } from '../lib/format.ts';
import { formatDateIn, type Locale } from '../lib/locale.ts';
import { message } from '../lib/messages/index.ts';
import type { DenialGround } from '../model/grounds.ts';
import type { Regime } from '../model/regime.ts';
import { REQUEST_ACTIONS, type RequestAction } from '../model/request.ts';
import { letter, type Site } from './mail-templates.ts';

/** How mails to the person name their request: "your request for a copy of your personal data". */
const what = (action: RequestAction, locale: Locale) => message(locale, `request.${action}`);

export function acknowledgementMail(
  site: Site,
  input: { action: RequestAction; receivedAt: string; dueAt: string | undefined; rules: Regime; locale: Locale },
) {
  const { locale } = input;
  return {
    subject: message(locale, 'ack.subject', { site: site.name }),
    text: letter(site, locale, [
      message(locale, 'ack.received', { request: what(input.action, locale), date: formatDateIn(input.receivedAt, locale) }),
      input.dueAt === undefined
        ? message(locale, 'ack.dueLater')
        : message(locale, 'ack.due', { date: formatDateIn(input.dueAt, locale), law: input.rules.law }),
      '',
      message(locale, 'ack.identity'),
      '',
    ]),
  };
}

export function extensionMail(site: Site, input: { action: RequestAction; dueAt: string; reason: string; rules: Regime; locale: Locale }) {
  const { locale } = input;
  return {
    subject: message(locale, 'extension.subject', { site: site.name }),
    text: letter(site, locale, [
      message(locale, 'extension.intro', { request: what(input.action, locale), law: input.rules.law }),
      '',
      message(locale, 'extension.why'),
      `  ${input.reason}`,
      '',
      message(locale, 'extension.due', { date: formatDateIn(input.dueAt, locale) }),
      '',
    ]),
  };
}

export function denialMail(
  site: Site,
  input: {
    action: RequestAction;
    ground: DenialGround;
    reason: string;
    rules: Regime;
    locale: Locale;
    appealLink?: string | undefined;
    appealUntil?: string | undefined;
  },
) {
  const { locale } = input;
  const appeal =
    input.appealLink === undefined ? [] : [message(locale, 'denial.appeal', { date: formatDateIn(input.appealUntil ?? '', locale) }), input.appealLink, ''];
  return {
    subject: message(locale, 'denial.subject', { site: site.name }),
    text: letter(site, locale, [
      message(locale, 'denial.intro', { request: what(input.action, locale), ground: message(locale, `ground.${input.ground}`) }),
      '',
      message(locale, 'denial.reasons'),
      `  ${input.reason}`,
      '',
      ...appeal,
      input.rules.complaint,
      '',
    ]),
  };
}

export function appealDecisionMail(
  site: Site,
  input: { action: RequestAction; decision: 'upheld' | 'reversed'; reason: string; rules: Regime; locale: Locale },
) {
  const { locale } = input;
  return {
    subject: message(locale, 'appeal.subject', { site: site.name }),
    text: letter(site, locale, [
      message(locale, input.decision === 'reversed' ? 'appeal.reversed' : 'appeal.upheld', { request: what(input.action, locale) }),
      '',
      message(locale, 'denial.reasons'),
      `  ${input.reason}`,
      '',
      ...(input.decision === 'upheld' ? [input.rules.complaint, ''] : []),
    ]),
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
