/**
 * The pages a person sees without logging in: the request form, the outcome
 * of a confirmation link, the download page. Plain language, readable on a
 * phone, no scripts and nothing loaded from elsewhere (the CSP forbids it).
 *
 * Links are relative (`toRoot` is "", "../" or "../../"), so the pages work
 * unchanged behind a proxy that serves the app under a path prefix.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { formatBytes, formatDate } from '../../lib/format.ts';
import { LOCALE_NAMES, LOCALES, type Locale } from '../../model/locale.ts';
import { REQUEST_ACTIONS, type RequestAction } from '../../model/request.ts';

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageOptions {
  /** Let search engines index the page (only the request form). @default false */
  index?: boolean;
}

export function page(siteName: string, title: string, body: Markup, options: PageOptions = {}): Markup {
  return html`<!doctype html>
<html lang="en">
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
  emailError?: string;
  /** Shown above the choices. */
  actionError?: string;
  /** The regimes the person may choose from (where they live), and the one chosen. */
  regimes?: { id: string; name: string }[];
  regime?: string;
  regimeError?: string;
  /** The language of our mails: the browser's first choice of ours, preselected. */
  locale?: Locale;
}

/** Name of the field people never see and bots fill in. */
export const HONEYPOT_FIELD = 'website';

export const REQUEST_TITLE = 'Request your personal data';

export function requestForm(state: RequestFormState = {}): Markup {
  const action = state.action ?? (state.actionError ? undefined : 'export');
  const error = state.emailError;
  const describedBy = error ? 'email-error email-hint' : 'email-hint';
  return html`<p>You can ask us for a copy of the personal data we hold about you, or ask us to erase it.</p>
<form method="post" action="request" novalidate>
<div class="field">
<label for="email">Your email address</label>
<p class="hint" id="email-hint">We will send a link to this address. You must click it to confirm that the request comes from you.</p>
${error ? html`<p class="error" id="email-error">${error}</p>` : ''}<input type="email" id="email" name="email" autocomplete="email" spellcheck="false" required maxlength="254" value="${state.email ?? ''}" aria-describedby="${describedBy}"${error ? html` aria-invalid="true"` : ''}>
</div>
<fieldset>
<legend>What do you want us to do?</legend>
${state.actionError ? html`<p class="error">${state.actionError}</p>` : ''}${Object.entries(REQUEST_ACTIONS).map(
  ([
    value,
    { personLabel },
  ]) => html`<label class="choice"><input type="radio" name="action" value="${value}"${action === value ? ' checked' : ''}> <span>${personLabel}</span></label>
`,
)}
</fieldset>
${regimeChoice(state)}${localeChoice(state)}<div class="trap"><label for="${HONEYPOT_FIELD}">Leave this field empty</label><input type="text" id="${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off"></div>
<button type="submit" class="button">Send request</button>
</form>`;
}

/** The language of our mails to the person. */
function localeChoice(state: RequestFormState): Markup {
  return html`<div class="field">
<label for="locale">Language of our emails</label>
<select id="locale" name="locale">${LOCALES.map((locale) => html`<option value="${locale}" lang="${locale}"${state.locale === locale ? ' selected' : ''}>${LOCALE_NAMES[locale]}</option>`)}</select>
</div>
`;
}

/** Where the person lives sets the law and so how soon we must answer; one choice is no choice. */
function regimeChoice(state: RequestFormState): Markup | string {
  if ((state.regimes?.length ?? 0) < 2) return '';
  return html`<div class="field">
<label for="regime">Where do you live?</label>
<p class="hint" id="regime-hint">The law where you live sets how soon we must answer.</p>
${state.regimeError ? html`<p class="error" id="regime-error">${state.regimeError}</p>` : ''}<select id="regime" name="regime" aria-describedby="regime-hint">${(
    state.regimes ?? []
  ).map(({ id, name }) => html`<option value="${id}"${state.regime === id ? ' selected' : ''}>${name}</option>`)}</select>
</div>
`;
}

export const SENT_TITLE = 'Check your email';

/** The one answer to every accepted form: the same bytes whether or not the address is known. */
export function requestSent(confirmTtlMs: number): Markup {
  return html`<p class="lead">If this address is known to us, we have sent it an email with a link to confirm the request. The link works for ${describeDuration(confirmTtlMs)}.</p>
<p>If no email arrives within a few minutes, check your spam folder.</p>
<p>Nothing happens until you click the link. If you did not mean to send this request, simply ignore the email.</p>`;
}

export const TOO_MANY_TITLE = 'Please try again later';

export function tooManyRequests(retryAfterMs: number): Markup {
  return html`<p>We have received too many requests from your network in a short time.</p>
<p>Please try again in ${describeDuration(Math.max(60_000, Math.ceil(retryAfterMs / 60_000) * 60_000))}.</p>`;
}

/* ---------------------------------------------------------------- confirmation link */

/** What the person sees after clicking a confirmation link, for each outcome. */
export const CONFIRM_OUTCOMES = {
  confirmed: {
    status: 200,
    title: 'Thanks for confirming your export request',
    text: 'We are now collecting your data. You will receive an email with a link to download it, usually within minutes.',
    askAgain: false,
  },
  confirmedErase: {
    status: 200,
    title: 'Thanks for confirming your erasure request',
    text: 'We are now erasing your data. You will receive an email when it is done, saying what was erased and what we must keep, and why.',
    askAgain: false,
  },
  confirmedByAdmin: {
    status: 200,
    title: 'Thanks for confirming your export request',
    text: 'The site administrator has been notified and will send you a link to download your data.',
    askAgain: false,
  },
  already: {
    status: 200,
    title: 'This request is already confirmed',
    text: 'There is nothing more to do. You will receive an email when we are done.',
    askAgain: false,
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    text: 'For your security, confirmation links work for a limited time. Please send your request again.',
    askAgain: true,
  },
  ended: {
    status: 410,
    title: 'This request is no longer active',
    text: 'It was cancelled or could not be completed. Please send your request again if you still want it.',
    askAgain: true,
  },
  invalid: {
    status: 400,
    title: 'This link is not valid',
    text: 'Please check that you copied the whole link from the email. If you asked again since, only the newest link works.',
    askAgain: true,
  },
} as const;

export type ConfirmOutcome = keyof typeof CONFIRM_OUTCOMES;

/** The page the mailed link opens: what confirming will do, and the one button that does it. */
export const CONFIRM_PROMPTS = {
  export: {
    title: 'Confirm your request for a copy of your data',
    text: 'When you confirm, we collect the personal data we hold about you from every system that keeps it, and email you a link to download it. The link works for a few days.',
    warning: undefined,
    button: 'Confirm and send me my data',
  },
  erase: {
    title: 'Confirm that you want your data erased',
    text: 'When you confirm, we erase the personal data we hold about you from every system that keeps it. We keep only what the law obliges us to keep (such as invoices), and our email afterwards says what and why.',
    warning: 'Erasure cannot be undone: once it is done, we cannot restore your account, your orders history or anything else we erased.',
    button: 'Erase my data',
  },
} as const;

export function confirmPrompt(action: keyof typeof CONFIRM_PROMPTS, id: string, key: string): Markup {
  const { text, warning, button } = CONFIRM_PROMPTS[action];
  return html`<p class="lead">${text}</p>
${warning ? html`<p class="warning"><strong>${warning}</strong></p>` : ''}
<form method="post" action="confirm">
<input type="hidden" name="id" value="${id}">
<input type="hidden" name="key" value="${key}">
<button class="button${REQUEST_ACTIONS[action].destructive ? ' danger' : ''}" type="submit">${button}</button>
</form>
<p class="hint">Did not ask for this? Close this page: nothing happens unless you press the button.</p>`;
}

export function confirmOutcome(outcome: ConfirmOutcome, toRoot: string): Markup {
  const { text, askAgain } = CONFIRM_OUTCOMES[outcome];
  return html`<p>${text}</p>${askAgain ? askAgainLink(toRoot) : ''}`;
}

/* ---------------------------------------------------------------- appeal link */

export const APPEAL_TITLE = 'Appeal our decision';
export const APPEAL_RECEIVED_TITLE = 'We received your appeal';
export const APPEAL_INVALID_TITLE = 'This link is not valid';
export const APPEAL_CLOSED_TITLE = 'This appeal cannot be made';

export function appealForm(id: string, key: string, appealUntil: string): Markup {
  return html`<p class="lead">You can ask us to review our decision to decline your request. Someone who did not take the decision reviews it, and we write to you with the outcome.</p>
<p>You can appeal until ${formatDate(appealUntil)}.</p>
<form method="post" action="appeal">
<input type="hidden" name="id" value="${id}">
<input type="hidden" name="key" value="${key}">
<div class="field">
<label for="statement">Why should we change our decision? (optional)</label>
<textarea id="statement" name="statement" rows="6" maxlength="5000"></textarea>
</div>
<button class="button" type="submit">Send my appeal</button>
</form>`;
}

export function appealReceived(dueAt: string): Markup {
  return html`<p class="lead">Thank you: we received your appeal and will write to you with our decision by ${formatDate(dueAt)}.</p>`;
}

export function appealInvalid(): Markup {
  return html`<p>Please check that you copied the whole link from our email. The link works only for the request it was sent about.</p>`;
}

export function appealClosed(why: string): Markup {
  return html`<p>We cannot take this appeal: ${why}.</p>`;
}

/* ---------------------------------------------------------------- download link */

export const DOWNLOAD_TITLE = 'Your personal data is ready';

export function downloadPage(input: { file: string; bytes: number; deletesAt: Date; now: Date }): Markup {
  const size = formatBytes(input.bytes);
  const deletion =
    input.deletesAt.getTime() > input.now.getTime()
      ? html`on <time datetime="${input.deletesAt.toISOString()}">${formatDate(input.deletesAt.toISOString())}</time>`
      : 'very soon';
  return html`<p class="lead">Here is a copy of the personal data we hold about you, as one ZIP file (${size}).</p>
<p><a class="button" href="${input.file}/download" download>Download your data (ZIP, ${size})</a></p>
<p class="note">For your privacy, we will delete this file ${deletion}. Please download it before then. After that, this link stops working, and you can ask for your data again at any time.</p>
<h2>What is in the file</h2>
<ul>
<li><code>index.html</code>: your data as a page to read. Unzip the file, then open it in your web browser.</li>
<li><code>export.json</code>: the same data in a standard format, to give to another service.</li>
</ul>
<p>The file contains personal data: keep it somewhere safe and do not share the link.</p>`;
}

export const GONE_TITLE = 'This file is no longer available';

export function exportGone(toRoot: string, early = false): Markup {
  const said = early
    ? 'This export has been deleted: the site removed it before the date in the email. You can ask for your data again at any time.'
    : 'We deleted this export as promised in the email, to protect your privacy.';
  return html`<p>${said}</p>${askAgainLink(toRoot, 'Ask for your data again')}`;
}

export const NOT_FOUND_TITLE = 'File not found';

export function exportNotFound(toRoot: string): Markup {
  return html`<p>Please check that you copied the whole link from the email.</p>${askAgainLink(toRoot, 'Ask for your data again')}`;
}

/* ---------------------------------------------------------------- errors */

export const FORBIDDEN_TITLE = 'This form could not be sent';

export function forbidden(toRoot: string): Markup {
  return html`<p>For your security, we only accept this form when it is sent from our own site.</p>${askAgainLink(toRoot, 'Open the form')}`;
}

export const UNAVAILABLE_TITLE = 'We could not take your request';

export function unavailable(toRoot: string): Markup {
  return html`<p>Something went wrong on our side. Please try again in a few minutes.</p>${askAgainLink(toRoot, 'Back to the form')}`;
}

/* ---------------------------------------------------------------- _helpers */

function askAgainLink(toRoot: string, text = 'Send a new request'): Markup {
  return html`<p><a href="${toRoot}request">${text}</a></p>`;
}

/** "24 hours", "3 days", "10 minutes": the largest unit that reads naturally. */
function describeDuration(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ];
  for (const [unit, size] of units) {
    const amount = ms / size;
    // Up to two days read better in hours ("24 hours", "36 hours").
    if (unit === 'day' && (amount <= 2 || !Number.isInteger(amount))) continue;
    if (amount >= 1 || unit === 'second') {
      const rounded = Math.max(1, Math.round(amount));
      return `${rounded} ${unit}${rounded === 1 ? '' : 's'}`;
    }
  }
  return 'a moment';
}
