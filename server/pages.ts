/**
 * The few small pages a person sees: the outcome of a confirmation link and
 * of a download link. Plain language, readable on a phone, no scripts.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export function page(siteName: string, title: string, body: Markup): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ${siteName}</title>
<style>
body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1d2327; background: #f6f7f7; margin: 0; padding: 1rem; }
main { max-width: 36rem; margin: 3rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
h1 { font-size: 1.4rem; margin-top: 0; }
.site { color: #646970; font-size: .9rem; }
</style>
</head>
<body><main><p class="site">${siteName}</p><h1>${title}</h1>${body}</main></body>
</html>`;
}

/** What the person sees after clicking a confirmation link, for each outcome. */
export const CONFIRM_OUTCOMES = {
  confirmed: {
    status: 200,
    title: 'Thanks for confirming your export request',
    text: 'We are now collecting your data. You will receive an email with a link to download it, usually within minutes.',
  },
  confirmedErase: {
    status: 200,
    title: 'Thanks for confirming your erasure request',
    text: 'We are now erasing your data. You will receive an email when it is done, saying what was erased and what we must keep, and why.',
  },
  confirmedByAdmin: {
    status: 200,
    title: 'Thanks for confirming your export request',
    text: 'The site administrator has been notified and will send you a link to download your data.',
  },
  already: {
    status: 200,
    title: 'This request is already confirmed',
    text: 'There is nothing more to do. You will receive an email when we are done.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    text: 'For your security, confirmation links work for a limited time. Please ask for your data again.',
  },
  ended: {
    status: 410,
    title: 'This request is no longer active',
    text: 'It was cancelled or could not be completed. Please ask for your data again if you still want it.',
  },
  invalid: {
    status: 400,
    title: 'This link is not valid',
    text: 'Please check that you copied the whole link from the email. If you asked again since, only the newest link works.',
  },
} as const;
