/**
 * Small pure helpers for the HTML report: escaping, anchors and cell values,
 * following WordPress (docs/WORDPRESS.md#values, docs/WORDPRESS.md#export-file) where it is safe to.
 */
import sanitizeHtml from 'sanitize-html';
import type { ExportPair } from '../plugins/contract.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// C0 and C1 controls but tab, LF and CR; DEL; and the bidi embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069) that can make text read differently from what it is (Trojan Source).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this is for
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Shows invisible control characters as their code point, e.g. `[U+202E]`.
 *
 * The report is how a person reads what is stored about them: a hidden NUL or
 * a right-to-left override (`invoice\u202Efdp.exe` displays as `invoiceexe.pdf`)
 * would show something other than what is stored, so the HTML names them
 * instead; export.json keeps them exactly. The marker has no markup
 * characters, so it is safe before or after escaping and in attributes.
 * Bidi marks (U+200E, U+200F, U+061C) are left alone: right-to-left text needs them.
 * @example visibleControls('a\u202Eb') // 'a[U+202E]b'
 */
export function visibleControls(text: string): string {
  return text.replace(CONTROLS, (char) => `[U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

/**
 * Escapes `& < > " '` for use in HTML text or a quoted attribute, and shows
 * control characters with {@link visibleControls}.
 * @example escapeHtml('<b>"x"</b>') // '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  return visibleControls(text).replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

// A complete character reference (named, decimal or hexadecimal), or one character to escape.
const REFERENCE_OR_SPECIAL = /&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});|[&<>"']/g;

/**
 * Escapes like WordPress `esc_html`: as {@link escapeHtml}, but a complete
 * character reference already in the text (`User&#8217;s`) is kept, because
 * WordPress exporters write labels that way. A reference can never form markup;
 * one that names a control character (`&#x202E;`) is shown as
 * {@link visibleControls} shows the character itself.
 * @example escapeText('User&#8217;s <b>') // 'User&#8217;s &lt;b&gt;'
 */
export function escapeText(text: string): string {
  return visibleControls(text).replace(REFERENCE_OR_SPECIAL, (match) => {
    if (match.length === 1) return ESCAPES[match] ?? match;
    if (match[1] !== '#') return match;
    const code = match[2] === 'x' || match[2] === 'X' ? Number.parseInt(match.slice(3), 16) : Number.parseInt(match.slice(2), 10);
    // Browsers read &#128;–&#159; as windows-1252 (&#128; is €), not as C1 controls.
    if (code > 0x10ffff || (code >= 0x80 && code <= 0x9f)) return match;
    const char = String.fromCodePoint(code);
    const shown = visibleControls(char);
    return shown === char ? match : shown;
  });
}

/**
 * Approximates WordPress `sanitize_title_with_dashes(label + '-' + id)`:
 * tags and entities removed, accents folded, lowercase, only `[a-z0-9_-]`
 * kept, whitespace and dots become dashes, dash runs collapsed and trimmed.
 * Returns `'group'` when nothing is left (e.g. an all-Cyrillic label and id).
 * @example toAnchor('About', 'about') // 'about-about'
 */
export function toAnchor(label: string, id: string): string {
  const anchor = `${label}-${id}`
    .replace(/<[^>]*>/g, '')
    .replace(/&[a-zA-Z0-9#]+;/g, '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[.\s]+/g, '-')
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return anchor === '' ? 'group' : anchor;
}

// WordPress kses default `$allowedtags`, which the `personal_data_export`
// context falls back to; schemes narrowed to http/https/mailto.
const KSES: sanitizeHtml.IOptions = {
  allowedTags: ['a', 'abbr', 'acronym', 'b', 'blockquote', 'cite', 'code', 'del', 'em', 'i', 'q', 's', 'strike', 'strong'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    abbr: ['title'],
    acronym: ['title'],
    blockquote: ['cite'],
    del: ['datetime'],
    q: ['cite'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href', 'cite'],
  allowProtocolRelative: false,
  // Disallowed tags go but their text stays; script/style bodies go entirely.
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'title'],
  // Like our own links: following one must not tell the site where it came from.
  transformTags: { a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noreferrer' } }) },
};

const SINGLE_URL = /^https?:\/\/\S+$/i;

/**
 * Renders one pair value as the content of a table cell.
 *
 * A lone `http(s)://` URL becomes a link; text without `<` or `&` is escaped;
 * anything else goes through the kses allow-list. Numbers and booleans become
 * text, `null` the empty string.
 * @example renderValue('https://example.com') // '<a href="https://example.com" rel="noreferrer">https://example.com</a>'
 */
export function renderValue(value: ExportPair['value']): string {
  if (value === null) return '';
  if (typeof value !== 'string') return escapeHtml(String(value));
  if (SINGLE_URL.test(value) && URL.canParse(value)) {
    const escaped = escapeHtml(value);
    return `<a href="${escaped}" rel="noreferrer">${escaped}</a>`;
  }
  if (!value.includes('<') && !value.includes('&')) return escapeHtml(value);
  // Again after: the sanitizer decodes references, so `&#x202E;` comes out as the character.
  return visibleControls(sanitizeHtml(value, KSES));
}
