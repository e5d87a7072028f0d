/**
 * The pages a person sees without logging in: the request form, the outcome
 * of a confirmation link, the download page. Plain language in the person's
 * language (lib/messages/), readable on a phone, no scripts and nothing
 * loaded from elsewhere (the CSP forbids it).
 *
 * Links are relative (`toRoot` is "", "../" or "../../"), so the pages work
 * unchanged behind a proxy that serves the app under a path prefix.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { formatBytes } from '../../lib/format.ts';
import { formatDateIn } from '../../lib/locale.ts';
import { type MessageKey, message } from '../../lib/messages/index.ts';
import { LOCALE_NAMES, LOCALES, type Locale } from '../../model/locale.ts';
import { REQUEST_ACTIONS, type RequestAction } from '../../model/request.ts';

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;
type Values = Record<string, string | number>;

/** A page's words: `t(key, values)` in its language. */
export function wordsIn(locale: Locale): (key: MessageKey, values?: Values) => string {
  return (key, values) => message(locale, key, values);
}

export interface PageOptions {
  /** Let search engines index the page (only the request form). @default false */
  index?: boolean;
  /** The page's language (its `lang`). @default 'en' */
  locale?: Locale;
}

export function page(siteName: string, title: string, body: Markup, options: PageOptions = {}): Markup {
  return html`<!doctype html>
<html lang="${options.locale ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.index ? '' : html`<meta name="robots" content="noindex">`}
<title>${title} – ${siteName}</title>
<style>${raw(STYLE)}</style>
</head>
<body><main><p class="site">${siteName}</p><h1>${title}</h1>
${body}
</main></body>
</html>`;
}

/* Colours from WordPress's admin palette; every text/background pair is at least 4.5:1 (WCAG AA). */
const STYLE = `
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 1rem; line-height: 1.5; color: #1d2327; background: #f0f0f1; margin: 0; padding: 1rem; }
main { max-width: 36rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem 2rem; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
p, ul { margin: 0 0 1rem; }
li { margin-bottom: .25rem; }
a { color: #135e96; }
.site { color: #50575e; font-size: .95rem; margin-bottom: .25rem; }
.lead { font-size: 1.1rem; }
label, legend { display: block; font-weight: 600; margin-bottom: .25rem; padding: 0; }
main > :last-child { margin-bottom: 0; }
fieldset { border: 0; padding: 0; margin: 0 0 1.25rem; }
.field { margin-bottom: 1.25rem; }
.hint { color: #50575e; font-size: .95rem; margin: 0 0 .5rem; }
input[type=email] { display: block; width: 100%; font: inherit; padding: .6rem .75rem; border: 1px solid #50575e; border-radius: 4px; }
input[aria-invalid=true] { border: 2px solid #b32d2e; }
.choice { display: flex; gap: .6rem; align-items: flex-start; padding: .5rem 0; font-weight: 400; margin: 0; }
.choice input { width: 1.25rem; height: 1.25rem; margin: .15rem 0 0; flex: none; accent-color: #2271b1; }
.error { color: #b32d2e; font-weight: 600; margin: 0 0 .5rem; }
.button { display: inline-block; font: inherit; font-weight: 600; color: #fff; background: #2271b1; border: 0; border-radius: 4px; padding: .75rem 1.25rem; text-decoration: none; cursor: pointer; min-height: 2.75rem; }
.button:hover { background: #135e96; }
.button.danger { background: #b32d2e; }
.button.danger:hover { background: #8a2424; }
.warning { border-left: 4px solid #b32d2e; padding: .5rem .75rem; background: #fcf0f1; }
:focus-visible { outline: 3px solid #043959; outline-offset: 2px; }
input:focus-visible { outline-offset: 0; }
.note { border-left: 4px solid #2271b1; background: #f0f6fc; padding: .75rem 1rem; }
.trap { position: absolute; left: -10000px; top: auto; width: 1px; height: 1px; overflow: hidden; }
code { font-size: .95em; background: #f0f0f1; padding: 0 .25em; border-radius: 3px; }
@media (max-width: 30rem) {
  body { padding: .5rem; }
  main { margin: .5rem auto; padding: 1.25rem 1rem 1.5rem; }
  .button { display: block; width: 100%; text-align: center; }
}
`;

/* ---------------------------------------------------------------- request form */

export type FormAction = RequestAction;

export interface RequestFormState {
  email?: string;
  action?: FormAction;
  /** Shown above the email field, which is then marked invalid. */
  emailError?: MessageKey;
  /** Shown above the choices. */
  actionError?: MessageKey;
  /** The regimes the person may choose from (where they live), and the one chosen. */
  regimes?: { id: string; name: string }[];
  regime?: string;
  regimeError?: MessageKey;
  /** The page's language, and of our mails: the browser's first choice of ours, preselected. */
  locale?: Locale;
}

/** Name of the field people never see and bots fill in. */
export const HONEYPOT_FIELD = 'website';

export function requestForm(state: RequestFormState = {}): Markup {
  const locale = state.locale ?? 'en';
  const t = wordsIn(locale);
  const action = state.action ?? (state.actionError ? undefined : 'export');
  const error = state.emailError;
  const describedBy = error ? 'email-error email-hint' : 'email-hint';
  return html`${languageLinks(locale)}<p>${t('form.intro')}</p>
<form method="post" action="request" novalidate>
<div class="field">
<label for="email">${t('form.email')}</label>
<p class="hint" id="email-hint">${t('form.emailHint')}</p>
${error ? html`<p class="error" id="email-error">${t(error)}</p>` : ''}<input type="email" id="email" name="email" autocomplete="email" spellcheck="false" required maxlength="254" value="${state.email ?? ''}" aria-describedby="${describedBy}"${error ? html` aria-invalid="true"` : ''}>
</div>
<fieldset>
<legend>${t('form.actionLegend')}</legend>
${state.actionError ? html`<p class="error">${t(state.actionError)}</p>` : ''}${Object.keys(REQUEST_ACTIONS).map(
  (value) =>
    html`<label class="choice"><input type="radio" name="action" value="${value}"${action === value ? ' checked' : ''}> <span>${t(`form.choice.${value as RequestAction}`)}</span></label>
`,
)}
</fieldset>
${regimeChoice(state, t)}${localeChoice(locale, t)}<div class="trap"><label for="${HONEYPOT_FIELD}">${t('form.trap')}</label><input type="text" id="${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off"></div>
<button type="submit" class="button">${t('form.submit')}</button>
</form>`;
}

/** The form in our other languages, each named in its own. */
function languageLinks(current: Locale): Markup {
  const others = LOCALES.filter((locale) => locale !== current);
  return html`<p class="hint languages">${message(current, 'page.otherLanguages')} ${others.map(
    (locale, n) => html`${n > 0 ? ' · ' : ''}<a href="request?lang=${locale}" lang="${locale}" hreflang="${locale}">${LOCALE_NAMES[locale]}</a>`,
  )}</p>
`;
}

/** The language of our mails to the person. */
function localeChoice(locale: Locale, t: ReturnType<typeof wordsIn>): Markup {
  return html`<div class="field">
<label for="locale">${t('form.locale')}</label>
<select id="locale" name="locale">${LOCALES.map((option) => html`<option value="${option}" lang="${option}"${locale === option ? ' selected' : ''}>${LOCALE_NAMES[option]}</option>`)}</select>
</div>
`;
}

/** Where the person lives sets the law and so how soon we must answer; one choice is no choice. */
function regimeChoice(state: RequestFormState, t: ReturnType<typeof wordsIn>): Markup | string {
  if ((state.regimes?.length ?? 0) < 2) return '';
  return html`<div class="field">
<label for="regime">${t('form.regime')}</label>
<p class="hint" id="regime-hint">${t('form.regimeHint')}</p>
${state.regimeError ? html`<p class="error" id="regime-error">${t(state.regimeError)}</p>` : ''}<select id="regime" name="regime" aria-describedby="regime-hint">${(
    state.regimes ?? []
  ).map(({ id, name }) => html`<option value="${id}"${state.regime === id ? ' selected' : ''}>${name}</option>`)}</select>
</div>
`;
}

/** The one answer to every accepted form: the same bytes whether or not the address is known. */
export function requestSent(locale: Locale, confirmTtlMs: number): Markup {
  const t = wordsIn(locale);
  return html`<p class="lead">${t('sent.lead', { duration: describeDuration(locale, confirmTtlMs) })}</p>
<p>${t('sent.spam')}</p>
<p>${t('sent.nothing')}</p>`;
}

export function tooManyRequests(locale: Locale, retryAfterMs: number): Markup {
  const t = wordsIn(locale);
  const duration = describeDuration(locale, Math.max(60_000, Math.ceil(retryAfterMs / 60_000) * 60_000));
  return html`<p>${t('tooMany.text')}</p>
<p>${t('tooMany.retry', { duration })}</p>`;
}

/* ---------------------------------------------------------------- confirmation link */

/** What the person sees after clicking a confirmation link, for each outcome: its status and whether to offer a new request. */
export const CONFIRM_OUTCOMES = {
  confirmed: { status: 200, askAgain: false },
  confirmedErase: { status: 200, askAgain: false },
  confirmedByAdmin: { status: 200, askAgain: false },
  already: { status: 200, askAgain: false },
  expired: { status: 410, askAgain: true },
  ended: { status: 410, askAgain: true },
  invalid: { status: 400, askAgain: true },
} as const;

export type ConfirmOutcome = keyof typeof CONFIRM_OUTCOMES;

export function confirmOutcomeTitle(locale: Locale, outcome: ConfirmOutcome): string {
  return message(locale, `outcome.${outcome}.title`);
}

/** The page the mailed link opens: what confirming will do, and the one button that does it. */
export function confirmPromptTitle(locale: Locale, action: RequestAction): string {
  return message(locale, `prompt.${action}.title`);
}

export function confirmPrompt(locale: Locale, action: RequestAction, id: string, key: string): Markup {
  const t = wordsIn(locale);
  const destructive = REQUEST_ACTIONS[action].destructive;
  return html`<p class="lead">${t(`prompt.${action}.text`)}</p>
${destructive ? html`<p class="warning"><strong>${t('prompt.erase.warning')}</strong></p>` : ''}
<form method="post" action="confirm">
<input type="hidden" name="id" value="${id}">
<input type="hidden" name="key" value="${key}">
<button class="button${destructive ? ' danger' : ''}" type="submit">${t(`prompt.${action}.button`)}</button>
</form>
<p class="hint">${t('prompt.notYou')}</p>`;
}

export function confirmOutcome(locale: Locale, outcome: ConfirmOutcome, toRoot: string): Markup {
  return html`<p>${message(locale, `outcome.${outcome}.text`)}</p>${CONFIRM_OUTCOMES[outcome].askAgain ? askAgainLink(locale, toRoot) : ''}`;
}

/* ---------------------------------------------------------------- appeal link */

export function appealForm(locale: Locale, id: string, key: string, appealUntil: string): Markup {
  const t = wordsIn(locale);
  return html`<p class="lead">${t('appealPage.lead')}</p>
<p>${t('appealPage.until', { date: formatDateIn(appealUntil, locale) })}</p>
<form method="post" action="appeal">
<input type="hidden" name="id" value="${id}">
<input type="hidden" name="key" value="${key}">
<div class="field">
<label for="statement">${t('appealPage.statement')}</label>
<textarea id="statement" name="statement" rows="6" maxlength="5000"></textarea>
</div>
<button class="button" type="submit">${t('appealPage.submit')}</button>
</form>`;
}

export function appealReceived(locale: Locale, dueAt: string): Markup {
  return html`<p class="lead">${message(locale, 'appealPage.received', { date: formatDateIn(dueAt, locale) })}</p>`;
}

export function appealInvalid(locale: Locale): Markup {
  return html`<p>${message(locale, 'appealPage.invalid')}</p>`;
}

/** Appealed already, or too late (`appealUntil` passed). */
export function appealClosed(locale: Locale, appealed: boolean, appealUntil: string): Markup {
  return html`<p>${appealed ? message(locale, 'appealPage.closedAlready') : message(locale, 'appealPage.closedLate', { date: formatDateIn(appealUntil, locale) })}</p>`;
}

/* ---------------------------------------------------------------- download link */

export function downloadPage(locale: Locale, input: { file: string; bytes: number; deletesAt: Date; now: Date; processing: boolean }): Markup {
  const t = wordsIn(locale);
  const size = formatBytes(input.bytes);
  const deletion =
    input.deletesAt.getTime() > input.now.getTime()
      ? raw(
          escapeAround(
            t('download.deletesOn', { date: '\u0000' }),
            `<time datetime="${input.deletesAt.toISOString()}">${escapeHtml(formatDateIn(input.deletesAt.toISOString(), locale))}</time>`,
          ),
        )
      : t('download.deletesSoon');
  return html`<p class="lead">${t('download.lead', { size })}</p>
<p><a class="button" href="${input.file}/download" download>${t('download.button', { size })}</a></p>
<p class="note">${deletion}</p>
<h2>${t('download.contents')}</h2>
<ul>
<li><code>index.html</code>: ${t('download.index')}</li>
<li><code>export.json</code>: ${t('download.json')}</li>
${input.processing ? html`<li><code>processing.json</code>: ${t('download.processing')}</li>\n` : ''}</ul>
<p>${t('download.keepSafe')}</p>`;
}

export function exportGone(locale: Locale, toRoot: string, early = false): Markup {
  return html`<p>${message(locale, early ? 'gone.early' : 'gone.promised')}</p>${askAgainLink(locale, toRoot, 'page.askAgain')}`;
}

export function exportNotFound(locale: Locale, toRoot: string): Markup {
  return html`<p>${message(locale, 'notFound.text')}</p>${askAgainLink(locale, toRoot, 'page.askAgain')}`;
}

/* ---------------------------------------------------------------- errors */

export function forbidden(locale: Locale, toRoot: string): Markup {
  return html`<p>${message(locale, 'forbidden.text')}</p>${askAgainLink(locale, toRoot, 'forbidden.link')}`;
}

export function unavailable(locale: Locale, toRoot: string): Markup {
  return html`<p>${message(locale, 'unavailable.text')}</p>${askAgainLink(locale, toRoot, 'unavailable.link')}`;
}

/* ---------------------------------------------------------------- _helpers */

function askAgainLink(locale: Locale, toRoot: string, text: MessageKey = 'page.sendNew'): Markup {
  return html`<p><a href="${toRoot}request">${message(locale, text)}</a></p>`;
}

/** A message with markup where its placeholder (`\0`) stood: the words escaped, the markup as is. */
function escapeAround(text: string, markup: string): string {
  const [before = '', after = ''] = text.split('\u0000');
  return `${escapeHtml(before)}${markup}${escapeHtml(after)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** "24 hours", "3 days", "10 minutes" in the person's language: the largest unit that reads naturally. */
export function describeDuration(locale: Locale, ms: number): string {
  const units: [MessageKey, number][] = [
    ['duration.days', 86_400_000],
    ['duration.hours', 3_600_000],
    ['duration.minutes', 60_000],
    ['duration.seconds', 1000],
  ];
  for (const [unit, size] of units) {
    const amount = ms / size;
    // Up to two days read better in hours ("24 hours", "36 hours").
    if (unit === 'duration.days' && (amount <= 2 || !Number.isInteger(amount))) continue;
    if (amount >= 1 || unit === 'duration.seconds') return message(locale, unit, { count: Math.max(1, Math.round(amount)) });
  }
  return message(locale, 'duration.seconds', { count: 1 });
}
