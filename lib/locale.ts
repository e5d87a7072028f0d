/**
 * The languages a person is answered in: every mail to them exists in each
 * (lib/messages/), and a request carries one (`locale`). Chosen from the API,
 * the public form (the browser's Accept-Language, then the person's choice),
 * or English.
 */

import { DEFAULT_LOCALE, isLocale, type Locale } from '../model/locale.ts';

export { DEFAULT_LOCALE, isLocale, LOCALE_NAMES, LOCALES, type Locale } from '../model/locale.ts';

/**
 * The best of our languages for an Accept-Language header (`de-CH, fr;q=0.8, en;q=0.5`): by
 * quality, then order; a region (`de-CH`) matches its language. None we have: the fallback.
 */
export function negotiateLocale(header: string | undefined, fallback: Locale = DEFAULT_LOCALE): Locale {
  if (!header) return fallback;
  const ranked = header
    .split(',')
    .slice(0, 20) // a header is a hint, not a workload
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
      return { language: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((entry) => entry.language).find(isLocale) ?? fallback;
}

/** "25 November 2026, 14:03 UTC", "25. November 2026, 14:03 UTC", "25 novembre 2026, 14:03 UTC". */
export function formatDateIn(iso: string, locale: Locale): string {
  const date = new Date(iso);
  const tag = locale === 'en' ? 'en-GB' : locale;
  const day = date.toLocaleDateString(tag, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const time = date.toLocaleTimeString(tag, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${day}, ${time} UTC`;
}
