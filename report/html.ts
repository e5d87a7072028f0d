/**
 * Small pure helpers for the HTML report: escaping, anchors and cell values,
 * following WordPress (reference §2.7, §4.6) where it is safe to.
 */
import sanitizeHtml from 'sanitize-html';
import type { ExportPair } from '../plugins/contract.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes `& < > " '` for use in HTML text or a quoted attribute.
 * @example escapeHtml('<b>"x"</b>') // '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

// A complete character reference: named, decimal or hexadecimal.
const ENTITY = /&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/y;

/**
 * Escapes like WordPress `esc_html`: as {@link escapeHtml}, but a complete
 * character reference already in the text (`User&#8217;s`) is kept, because
 * WordPress exporters write labels that way. A reference can never form markup.
 * @example escapeText('User&#8217;s <b>') // 'User&#8217;s &lt;b&gt;'
 */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (char, offset: number) => {
    if (char !== '&') return ESCAPES[char] ?? char;
    ENTITY.lastIndex = offset;
    return ENTITY.test(text) ? '&' : '&amp;';
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
  return sanitizeHtml(value, KSES);
}
