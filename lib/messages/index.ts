/**
 * The person's words in their language: one catalogue per language
 * (en.ts is the reference), formatted with ICU MessageFormat
 * (intl-messageformat), dates in the language's own way.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import type { Locale } from '../locale.ts';
import { de } from './de.ts';
import { type Catalogue, en, type MessageKey } from './en.ts';
import { fr } from './fr.ts';

export type { MessageKey } from './en.ts';

export const CATALOGUES: Record<Locale, Catalogue> = { en, de, fr };

const compiled = new Map<string, IntlMessageFormat>();

/** The message `key` in `locale`, its `{values}` filled in. */
export function message(locale: Locale, key: MessageKey, values: Record<string, string | number> = {}): string {
  const id = `${locale}:${key}`;
  let format = compiled.get(id);
  if (format === undefined) {
    format = new IntlMessageFormat(CATALOGUES[locale][key], locale, undefined, { ignoreTag: true });
    compiled.set(id, format);
  }
  return String(format.format(values));
}
