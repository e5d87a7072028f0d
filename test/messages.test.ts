/**
 * Every message in every language: each catalogue has every key of the
 * English one, with the same values to fill in; the browser's language is
 * negotiated; dates read in the person's language.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TYPE } from '@formatjs/icu-messageformat-parser';
import { parse } from '@formatjs/icu-messageformat-parser';
import { formatDateIn, LOCALES, negotiateLocale } from '../lib/locale.ts';
import { CATALOGUES, message } from '../lib/messages/index.ts';
import { en } from '../lib/messages/en.ts';

/** The names of the values a message fills in. */
function arguments_(text: string): string[] {
  return parse(text, { ignoreTag: true })
    .filter((element) => element.type === TYPE.argument)
    .map((element) => (element as { value: string }).value)
    .sort();
}

/** Words spelled alike in both languages. */
const SAME_AS_ENGLISH: Record<string, readonly string[]> = { fr: ['duration.minutes', 'processing.contact'] };

test('every catalogue has every key, with the same values to fill in, and no empty text', () => {
  for (const locale of LOCALES) {
    const catalogue = CATALOGUES[locale];
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(en).sort(), `${locale}: the same keys as English`);
    for (const [key, text] of Object.entries(catalogue)) {
      assert.ok(text.trim().length > 0, `${locale} ${key} is empty`);
      assert.deepEqual(arguments_(text), arguments_(en[key as keyof typeof en]), `${locale} ${key}: the same {values}`);
      if (locale !== 'en' && !SAME_AS_ENGLISH[locale]?.includes(key)) assert.notEqual(text, en[key as keyof typeof en], `${locale} ${key} is translated`);
    }
  }
});

test('messages fill in their values', () => {
  assert.equal(message('de', 'confirm.until', { date: 'x' }), 'Der Link gilt bis x.');
  assert.equal(message('fr', 'erased.done', { site: 'Shop' }), 'Votre demande d’effacement de vos données personnelles sur Shop est traitée.');
});

test('the browser’s language: by quality, a region matches its language, none of ours is English', () => {
  assert.equal(negotiateLocale('de-CH, fr;q=0.8'), 'de');
  assert.equal(negotiateLocale('es, fr;q=0.5, de;q=0.4'), 'fr');
  assert.equal(negotiateLocale('en;q=0.2, de;q=0.9'), 'de');
  assert.equal(negotiateLocale('es'), 'en');
  assert.equal(negotiateLocale(undefined), 'en');
  assert.equal(negotiateLocale('fr;q=0, de'), 'de', 'q=0 means not wanted');
});

test('dates in the person’s language', () => {
  assert.equal(formatDateIn('2026-11-25T14:03:00Z', 'en'), '25 November 2026, 14:03 UTC');
  assert.equal(formatDateIn('2026-11-25T14:03:00Z', 'de'), '25. November 2026, 14:03 UTC');
  assert.equal(formatDateIn('2026-11-25T14:03:00Z', 'fr'), '25 novembre 2026, 14:03 UTC');
});
