import { isIPv4 } from 'node:net';
import { normalizeIp } from './client-ip';

const GROUPS = 8;
const GROUP_BITS = 16;

/**
 * The key a per-client limit counts `ip` under: an IPv4 address is one client; an IPv6
 * address counts as its network, the first `ipv6Prefix` bits (RATE_LIMIT_IPV6_PREFIX),
 * in canonical form with the length (`2001:db8:1:2::/64`), or as the bare canonical
 * address when `ipv6Prefix` is 128. '' when `ip` is not an IP address.
 *
 * Why a network: an IPv6 subscriber is routed a whole /64 (often a /56 or a /48) and
 * may pick a fresh address in it for every request, so counting per address would
 * hand one client 2^64 budgets. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is the IPv4
 * client, never part of one ::ffff:0:0/96 "network" of every IPv4 address.
 */
export function clientNetworkOf(ip: string, ipv6Prefix: number): string {
  const address = normalizeIp(ip);
  if (address === undefined) return '';
  if (isIPv4(address) || ipv6Prefix >= GROUPS * GROUP_BITS) return address;
  const masked = groupsOf(address).map((group, i) => group & groupMask(ipv6Prefix - i * GROUP_BITS));
  return `${canonicalIpv6(masked)}/${ipv6Prefix}`;
}

/** The 8 groups of a canonical IPv6 address (hex groups only, at most one `::`, as normalizeIp prints it). */
function groupsOf(canonical: string): number[] {
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(GROUPS - left.length - right.length).fill(0), ...right];
}

/** The mask of one 16-bit group that keeps its first `bits` bits (none below 0, all from 16). */
function groupMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= GROUP_BITS) return 0xffff;
  return (0xffff << (GROUP_BITS - bits)) & 0xffff;
}

/**
 * RFC 5952 form of 8 groups, printed by the WHATWG URL parser like normalizeIp does
 * (not normalizeIp itself: a masked network is never to be re-read as mapped IPv4).
 */
function canonicalIpv6(groups: readonly number[]): string {
  return new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
}
