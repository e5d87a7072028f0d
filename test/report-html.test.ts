import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, escapeText, renderValue, toAnchor } from '../report/html.ts';

test('escapeHtml() escapes & < > " \'', () => {
  assert.equal(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;');
});

test('escapeText() keeps existing character references, like esc_html', () => {
  assert.equal(escapeText('User&#8217;s data'), 'User&#8217;s data');
  assert.equal(escapeText('&amp; &#x41; &hellip;'), '&amp; &#x41; &hellip;');
  assert.equal(escapeText('AT&T; & &# &#xZZ;'), 'AT&T; &amp; &amp;# &amp;#xZZ;');
  assert.equal(escapeText('"><svg onload=alert(1)>'), '&quot;&gt;&lt;svg onload=alert(1)&gt;');
});

test('toAnchor() follows sanitize_title_with_dashes(label-id)', () => {
  assert.equal(toAnchor('About', 'about'), 'about-about');
  assert.equal(toAnchor('Comments', 'comments'), 'comments-comments');
  assert.equal(toAnchor('<div>Escape HTML in group labels</div>', 'escape-html-in-group-labels'), 'escape-html-in-group-labels-escape-html-in-group-labels');
  assert.equal(toAnchor('User&#8217;s Café  v1.2', 'wp_user'), 'users-cafe-v1-2-wp_user');
  assert.equal(toAnchor('"><svg onload=alert(1)>', 'x'), 'x');
  assert.equal(toAnchor('Данные', 'данные'), 'group');
});

test('renderValue() renders scalars as text', () => {
  assert.equal(renderValue(42), '42');
  assert.equal(renderValue(-1.5), '-1.5');
  assert.equal(renderValue(false), 'false');
  assert.equal(renderValue(null), '');
  assert.equal(renderValue('plain "text"'), 'plain &quot;text&quot;');
});

test('renderValue() links a single http(s) URL only', () => {
  assert.equal(
    renderValue('https://example.com/?a=1&b="2"'),
    '<a href="https://example.com/?a=1&amp;b=&quot;2&quot;" rel="noreferrer">https://example.com/?a=1&amp;b=&quot;2&quot;</a>',
  );
  assert.equal(renderValue('http://example.com x'), 'http://example.com x');
  assert.equal(renderValue('see https://example.com'), 'see https://example.com');
  assert.equal(renderValue('javascript:alert(1)'), 'javascript:alert(1)');
  assert.equal(renderValue('ftp://example.com'), 'ftp://example.com');
});

test('renderValue() keeps the kses allow-list and drops the rest', () => {
  assert.equal(renderValue('<b>Bold</b> &amp; <em>emph</em>'), '<b>Bold</b> &amp; <em>emph</em>');
  assert.equal(renderValue('<abbr title="x">X</abbr> <del datetime="2020">d</del>'), '<abbr title="x">X</abbr> <del datetime="2020">d</del>');
  assert.equal(renderValue('<div class="x">text</div><p>more</p>'), 'textmore');
  assert.equal(renderValue('a<script>alert(1)</script>b<style>*{}</style>c'), 'abc');
  assert.equal(renderValue('<img src=x onerror=alert(1)>'), '');
  assert.equal(renderValue('<a href="https://x.example" target="_blank" onclick="alert(1)">x</a>'), '<a href="https://x.example" rel="noreferrer">x</a>');
});

test('renderValue() never lets a script, event handler or javascript: link through', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="//evil.example">protocol-relative</a>',
    '<b onmouseover="alert(1)">hover</b>',
    '<svg onload=alert(1)>',
    '<iframe src="https://evil.example"></iframe>',
    '<q cite="javascript:alert(1)">q</q>',
    '"><svg onload=alert(1)>',
    '<<script>script>alert(1)<</script>/script>',
  ];
  for (const value of hostile) {
    const html = renderValue(value);
    assert.doesNotMatch(html, /<script|<img|<svg|<iframe/i, value);
    assert.doesNotMatch(html, /\son\w+\s*=/i, value);
    assert.doesNotMatch(html, /(href|cite)\s*=\s*"?\s*(javascript:|\/\/)/i, value);
  }
});
