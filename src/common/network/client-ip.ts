import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** The parsed TRUSTED_PROXIES list: the peers whose forwarding headers are believed. */
export class TrustedProxies {
  constructor(
    private readonly list: BlockList,
    /** Number of entries; 0 means no forwarding header is ever believed. */
    readonly size: number,
  ) {}

  /** Whether `ip` (any spelling accepted by {@link normalizeIp}) is a trusted proxy. */
  has(ip: string): boolean {
    if (this.size === 0) return false;
    const address = normalizeIp(ip);
    return address !== undefined && this.list.check(address, familyOf(address));
  }
}

/**
 * Parses TRUSTED_PROXIES entries: IPv4/IPv6 addresses or CIDRs. An invalid entry throws
 * an Error naming its index (not its value, like every config error).
 */
export function parseTrustedProxies(list: readonly string[]): TrustedProxies {
  const blocks = new BlockList();
  list.forEach((raw, index) => {
    const entry = raw.trim();
    const slash = entry.indexOf('/');
    const head = slash < 0 ? entry : entry.slice(0, slash);
    const bits = slash < 0 ? undefined : entry.slice(slash + 1);
    if (!isIP(head) || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new Error(`TRUSTED_PROXIES entry #${index} is not an IP address or CIDR`);
    }
    const address = normalizeIp(head)!;
    const family = familyOf(address);
    let prefix = bits === undefined ? undefined : Number(bits);
    // normalizeIp turned an IPv4-mapped address into IPv4; its prefix follows.
    if (prefix !== undefined && family === 'ipv4' && isIPv6(head)) prefix -= 96;
    if (prefix !== undefined && (prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128))) {
      throw new Error(`TRUSTED_PROXIES entry #${index} has a prefix length out of range`);
    }
    if (prefix === undefined) blocks.addAddress(address, family);
    else blocks.addSubnet(address, prefix, family);
  });
  return new TrustedProxies(blocks, list.length);
}

/**
 * Canonical form of an IP address, or undefined when `raw` is not one. Accepts
 * `[v6]`, `[v6]:port`, `v4:port`, zone ids (dropped) and any IPv6 spelling; IPv4-mapped
 * IPv6 (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 peers) becomes plain IPv4.
 */
export function normalizeIp(raw: string): string | undefined {
  let s = raw.trim();
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || !/^(:\d{1,5})?$/.test(s.slice(close + 1))) return undefined;
    s = s.slice(1, close);
    if (!isIPv6(s)) return undefined;
  } else if (!isIP(s)) {
    const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(s);
    if (!v4WithPort || !isIPv4(v4WithPort[1]!)) return undefined;
    s = v4WithPort[1]!;
  }
  if (isIPv4(s)) return s;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // The WHATWG URL parser prints IPv6 in the RFC 5952 canonical form (lower case, longest
  // zero run compressed), so equal addresses compare equal as strings.
  let canonical: string;
  try {
    canonical = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return canonical;
}

export interface ForwardingHeaders {
  /** `x-forwarded-for`; repeated headers may be passed as an array (they are joined). */
  readonly forwardedFor?: string | readonly string[];
  readonly realIp?: string | readonly string[];
}

/**
 * The client's IP address as the service should record it, or '' when unknown (no
 * socket address, e.g. a unix socket peer).
 *
 * Forwarding headers are believed only when the direct peer is a trusted proxy:
 * anybody can send `x-forwarded-for`, so from an untrusted peer it is ignored.
 */
export function resolveClientIp(
  socketAddress: string | undefined,
  headers: ForwardingHeaders,
  trusted: TrustedProxies,
): string {
  const peer = socketAddress === undefined ? undefined : normalizeIp(socketAddress);
  if (peer === undefined) return '';
  if (!trusted.has(peer)) return peer;

  const forwarded = joined(headers.forwardedFor)
    .split(',')
    .map(normalizeIp)
    .filter((ip): ip is string => ip !== undefined);
  if (forwarded.length > 0) {
    // Each trusted proxy appends the peer it saw, so the right end is the most
    // trustworthy: walk from it and stop at the first hop no trusted proxy vouches for.
    // Everything left of that hop was written by the client and may be forged.
    for (let i = forwarded.length - 1; i >= 0; i--) {
      if (!trusted.has(forwarded[i]!)) return forwarded[i]!;
    }
    return forwarded[0]!;
  }
  const realIp = normalizeIp(joined(headers.realIp).split(',')[0]!);
  return realIp ?? peer;
}

/**
 * The peer IP in a grpc-js `call.getPeer()` string, or undefined for a non-IP peer.
 * grpc-js 1.14 returns `${remoteAddress}:${remotePort}` without brackets
 * (`127.0.0.1:5000`, `::1:5000`, `::ffff:127.0.0.1:5000` on a dual-stack listener) or
 * `unknown`; the gRPC core style `ipv4:1.2.3.4:5000`, `ipv6:[::1]:5000` (brackets possibly
 * percent-encoded) and `unix:/path` are accepted as well.
 */
export function peerAddressOfGrpc(peer: string): string | undefined {
  let s = peer.trim();
  if (s === '' || s === 'unknown' || s.startsWith('unix:') || s.startsWith('unix-abstract:')) return undefined;
  const scheme = /^ipv[46]:/i.exec(s);
  if (scheme) s = s.slice(scheme[0].length);
  if (scheme && s.includes('%')) {
    try {
      s = decodeURIComponent(s);
    } catch {
      return undefined;
    }
  }
  if (s.startsWith('[') || isIPv4(s.split(':')[0]!)) return normalizeIp(s);
  // Bare IPv6 with the port appended after one more colon: the port is the last group
  // whenever what precedes it is still an address (grpc-js always appends one for TCP).
  const lastColon = s.lastIndexOf(':');
  if (lastColon > 0 && /^\d{1,5}$/.test(s.slice(lastColon + 1))) {
    const withoutPort = normalizeIp(s.slice(0, lastColon));
    if (withoutPort !== undefined) return withoutPort;
  }
  return normalizeIp(s);
}

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 32],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/**
 * Whether `ip` is private, loopback, link-local, carrier-grade NAT or unspecified (no
 * country can be had for it). False for anything that is not an IP address.
 */
export function isPrivateOrLoopback(ip: string): boolean {
  const address = normalizeIp(ip);
  return address !== undefined && NON_PUBLIC.check(address, familyOf(address));
}

function familyOf(address: string): Family {
  return isIPv4(address) ? 'ipv4' : 'ipv6';
}

function joined(value: string | readonly string[] | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : value.join(',');
}
