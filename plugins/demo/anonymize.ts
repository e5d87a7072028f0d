/**
 * IP anonymisation as WordPress does it (`wp_privacy_anonymize_ip`,
 * docs/WORDPRESS.md#core-plugins), so an anonymised comment keeps only the network, never the host:
 * IPv4 keeps the first three octets (`/24`), IPv6 the first 64 bits, an
 * IPv4-mapped IPv6 address is treated as IPv4 and keeps its `::ffff:` prefix.
 * Ports, brackets, netmasks and `%scope` suffixes are dropped.
 *
 * One deliberate difference: WordPress zeroes the last "octet" of any string
 * with three dots (`a.b.c.d` → `a.b.c.0`), which would keep arbitrary text.
 * Here a result that is not a valid IPv4 address becomes `0.0.0.0`.
 * Every case of WordPress's own truth table gives the same answer.
 */
import { isIPv4 } from 'node:net';

/**
 * Anonymises an IPv4 or IPv6 address.
 *
 * @returns The network part, or `0.0.0.0` (empty or unrecognised input) or
 *   `::` (malformed IPv6) as WordPress answers.
 * @example anonymizeIp('10.20.30.45:20000'); // → '10.20.30.0'
 * @example anonymizeIp('[2a03:2880:2110:df07:face:b00c::1]:80'); // → '2a03:2880:2110:df07::'
 * @example anonymizeIp('::ffff:10.15.20.25'); // → '::ffff:10.15.20.0'
 */
export function anonymizeIp(ip: string | null | undefined): string {
  if (typeof ip !== 'string' || ip === '' || ip === '0') return '0.0.0.0'; // PHP's empty()
  let address = ip;
  let prefix = '';
  let isIpv6 = _count(address, ':') > 1;
  const isIpv4 = _count(address, '.') === 3;
  if (isIpv6 && isIpv4) {
    // IPv4-mapped/compatible: anonymise the IPv4 part, restore the prefix at the end.
    prefix = '::ffff:';
    address = address.replace(/^\[?[0-9a-f:]*:/i, '').replaceAll(']', '');
    isIpv6 = false;
  }
  if (isIpv6) {
    const left = address.indexOf('[');
    const right = address.indexOf(']');
    if (left !== -1 && right !== -1)
      address = address.slice(left + 1, right); // `[addr]:port` → `addr`
    else if (left !== -1 || right !== -1) return '::'; // one bracket: malformed
    const percent = address.indexOf('%');
    if (percent !== -1) address = address.slice(0, percent); // reachability scope
    if (/[^0-9a-f:]/i.test(address)) return '::';
    const groups = _parseIpv6(address);
    if (groups === undefined) return '::';
    return _formatIpv6([...groups.slice(0, 4), 0, 0, 0, 0]);
  }
  if (isIpv4) {
    const masked = `${address.slice(0, address.lastIndexOf('.'))}.0`; // drops `:port` and `/mask` too
    return isIPv4(masked) ? prefix + masked : '0.0.0.0';
  }
  return '0.0.0.0';
}

// ---------------------------------------------------------------------------
// Helpers: substr_count, and inet_pton / inet_ntop for plain (dot-free) IPv6
// ---------------------------------------------------------------------------

function _count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The eight 16-bit groups of an IPv6 address without dots, or `undefined` if it is not one. */
function _parseIpv6(address: string): number[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    return groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g)) ? groups.map((g) => Number.parseInt(g, 16)) : undefined;
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const zeros = 8 - head.length - tail.length;
  return zeros >= 1 ? [...head, ...new Array<number>(zeros).fill(0), ...tail] : undefined;
}

/** RFC 5952 text: lowercase, no leading zeros, the first longest run of two or more zero groups as `::`. */
function _formatIpv6(groups: readonly number[]): string {
  let best = { at: -1, length: 1 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at === -1) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}
