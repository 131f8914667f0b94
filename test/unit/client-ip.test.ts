import { describe, expect, it } from 'vitest';
import {
  isPrivateOrLoopback,
  normalizeIp,
  parseTrustedProxies,
  peerAddressOfGrpc,
  resolveClientIp,
} from '../../src/common/network/client-ip';

const NONE = parseTrustedProxies([]);
const LB = parseTrustedProxies(['10.0.0.5']);

describe('parseTrustedProxies', () => {
  it('accepts IPv4 and IPv6 addresses and CIDRs', () => {
    const trusted = parseTrustedProxies(['10.0.0.5', '192.168.0.0/16', '::1', 'fd00::/8', ' 172.16.0.0/12 ']);
    expect(trusted.size).toBe(5);
    for (const ip of ['10.0.0.5', '192.168.44.1', '::1', 'fd12:3456::1', '172.31.255.255']) expect(trusted.has(ip), ip).toBe(true);
    for (const ip of ['10.0.0.6', '192.169.0.1', '::2', 'fe80::1', '172.32.0.1']) expect(trusted.has(ip), ip).toBe(false);
  });

  it('matches IPv4-mapped IPv6 spellings of trusted IPv4 and vice versa', () => {
    expect(parseTrustedProxies(['10.0.0.0/8']).has('::ffff:10.1.2.3')).toBe(true);
    expect(parseTrustedProxies(['::ffff:10.0.0.5']).has('10.0.0.5')).toBe(true);
    expect(parseTrustedProxies(['::ffff:10.0.0.0/104']).has('10.200.0.1')).toBe(true);
    expect(parseTrustedProxies(['::ffff:10.0.0.0/104']).has('11.0.0.1')).toBe(false);
  });

  it('trusts nobody when empty', () => {
    expect(NONE.size).toBe(0);
    expect(NONE.has('127.0.0.1')).toBe(false);
  });

  it.each([
    ['not-an-ip'],
    ['10.0.0.0/33'],
    ['::/129'],
    ['10.0.0.0/'],
    ['10.0.0.0/8/8'],
    ['10.0.0.0/-1'],
    ['10.0.0.1:80'],
    ['[::1]'],
    ['256.0.0.1'],
    [''],
  ])('rejects %j naming the entry index', (bad) => {
    expect(() => parseTrustedProxies(['127.0.0.1', bad])).toThrow(/#1/);
  });
});

describe('normalizeIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    [' 1.2.3.4 ', '1.2.3.4'],
    ['1.2.3.4:5678', '1.2.3.4'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:0102:0304', '1.2.3.4'],
    ['[::ffff:1.2.3.4]:80', '1.2.3.4'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::1', '::1'],
  ])('%j -> %j', (raw, expected) => {
    expect(normalizeIp(raw)).toBe(expected);
  });

  it.each([['unknown'], [''], ['1.2.3'], ['01.2.3.4'], ['1.2.3.4:'], ['1.2.3.4:99999999'], ['[1.2.3.4]'], ['[::1'], ['::1]:80'], ['example.com'], ['_hidden']])(
    'rejects %j',
    (raw) => {
      expect(normalizeIp(raw)).toBeUndefined();
    },
  );
});

describe('resolveClientIp', () => {
  it('returns the socket address of an untrusted peer and ignores its headers', () => {
    expect(resolveClientIp('203.0.113.7', { forwardedFor: '1.1.1.1', realIp: '2.2.2.2' }, LB)).toBe('203.0.113.7');
    expect(resolveClientIp('203.0.113.7', { forwardedFor: '1.1.1.1' }, NONE)).toBe('203.0.113.7');
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '1.1.1.1', realIp: '2.2.2.2' }, NONE)).toBe('10.0.0.5');
  });

  it('returns the socket address of a trusted peer that sends no forwarding header', () => {
    expect(resolveClientIp('10.0.0.5', {}, LB)).toBe('10.0.0.5');
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '' }, LB)).toBe('10.0.0.5');
  });

  it('takes the rightmost x-forwarded-for entry from a trusted peer, not a forged one to its left', () => {
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '198.51.100.1' }, LB)).toBe('198.51.100.1');
    // The client claimed 6.6.6.6; the proxy appended the address it really saw.
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '6.6.6.6, 198.51.100.1' }, LB)).toBe('198.51.100.1');
  });

  it('skips a chain of trusted proxies right to left', () => {
    const trusted = parseTrustedProxies(['10.0.0.5', '10.0.0.6', '2001:db8::5']);
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '6.6.6.6, 198.51.100.1, 2001:db8::5, 10.0.0.6' }, trusted)).toBe('198.51.100.1');
  });

  it('trusts proxies by CIDR', () => {
    const trusted = parseTrustedProxies(['10.0.0.0/8', 'fd00::/8']);
    expect(resolveClientIp('10.9.8.7', { forwardedFor: '198.51.100.1, 10.1.1.1, fd00::7' }, trusted)).toBe('198.51.100.1');
    expect(resolveClientIp('fd00::1', { forwardedFor: '2001:db8::42' }, trusted)).toBe('2001:db8::42');
    expect(resolveClientIp('11.0.0.1', { forwardedFor: '198.51.100.1' }, trusted)).toBe('11.0.0.1');
  });

  it('returns the leftmost entry when every hop is a trusted proxy', () => {
    const trusted = parseTrustedProxies(['10.0.0.0/8']);
    expect(resolveClientIp('10.0.0.1', { forwardedFor: '10.0.0.3, 10.0.0.2' }, trusted)).toBe('10.0.0.3');
  });

  it('falls back to x-real-ip only when x-forwarded-for is absent', () => {
    expect(resolveClientIp('10.0.0.5', { realIp: '198.51.100.9' }, LB)).toBe('198.51.100.9');
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '198.51.100.1', realIp: '198.51.100.9' }, LB)).toBe('198.51.100.1');
    expect(resolveClientIp('10.0.0.5', { realIp: 'garbage' }, LB)).toBe('10.0.0.5');
    expect(resolveClientIp('10.0.0.5', { realIp: '[2001:db8::9]:1234' }, LB)).toBe('2001:db8::9');
  });

  it('ignores malformed x-forwarded-for entries', () => {
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '198.51.100.1, unknown, ,' }, LB)).toBe('198.51.100.1');
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '198.51.100.1, 300.1.1.1' }, LB)).toBe('198.51.100.1');
    // Nothing usable in XFF: as if it were absent.
    expect(resolveClientIp('10.0.0.5', { forwardedFor: 'unknown, _hidden', realIp: '198.51.100.9' }, LB)).toBe('198.51.100.9');
    expect(resolveClientIp('10.0.0.5', { forwardedFor: 'unknown' }, LB)).toBe('10.0.0.5');
  });

  it('strips ports and brackets from x-forwarded-for entries', () => {
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '198.51.100.1:4711' }, LB)).toBe('198.51.100.1');
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '[2001:db8::1]:4711' }, LB)).toBe('2001:db8::1');
  });

  it('accepts repeated headers as an array', () => {
    expect(resolveClientIp('10.0.0.5', { forwardedFor: ['6.6.6.6', '198.51.100.1'] }, LB)).toBe('198.51.100.1');
  });

  it('normalises IPv4-mapped IPv6 in the socket address and the headers', () => {
    expect(resolveClientIp('::ffff:203.0.113.7', {}, NONE)).toBe('203.0.113.7');
    expect(resolveClientIp('::ffff:10.0.0.5', { forwardedFor: '::ffff:198.51.100.1' }, LB)).toBe('198.51.100.1');
    expect(resolveClientIp('10.0.0.5', { forwardedFor: '198.51.100.1, ::ffff:10.0.0.5' }, LB)).toBe('198.51.100.1');
  });

  it('returns an empty string when there is no usable socket address', () => {
    expect(resolveClientIp(undefined, { forwardedFor: '198.51.100.1' }, LB)).toBe('');
    expect(resolveClientIp('not-an-ip', { forwardedFor: '198.51.100.1' }, LB)).toBe('');
  });
});

describe('peerAddressOfGrpc', () => {
  it.each([
    // grpc-js 1.14 (ServerUnaryCall.getPeer): `${remoteAddress}:${remotePort}`, IPv6 unbracketed.
    ['127.0.0.1:54321', '127.0.0.1'],
    ['::1:5432', '::1'],
    ['::ffff:127.0.0.1:36372', '127.0.0.1'],
    ['2001:db8::1:50051', '2001:db8::1'],
    ['2001:db8:::50051', '2001:db8::'],
    ['fe80::1%eth0:5000', 'fe80::1'],
    // gRPC core style, with or without percent-encoded brackets.
    ['ipv4:127.0.0.1:54321', '127.0.0.1'],
    ['ipv6:[::1]:5432', '::1'],
    ['ipv6:%5B::1%5D:5432', '::1'],
    ['ipv6:[::ffff:198.51.100.1]:5432', '198.51.100.1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
  ])('%j -> %j', (peer, expected) => {
    expect(peerAddressOfGrpc(peer)).toBe(expected);
  });

  it.each([['unix:/var/run/auth.sock'], ['unix-abstract:auth'], ['unknown'], [''], ['ipv4:nonsense'], ['ipv6:%ZZ']])('%j has no IP', (peer) => {
    expect(peerAddressOfGrpc(peer)).toBeUndefined();
  });

  it('feeds resolveClientIp like a socket address', () => {
    const trusted = parseTrustedProxies(['127.0.0.1']);
    expect(resolveClientIp(peerAddressOfGrpc('::ffff:127.0.0.1:40000'), { forwardedFor: '198.51.100.1' }, trusted)).toBe('198.51.100.1');
    expect(resolveClientIp(peerAddressOfGrpc('unix:/tmp/s'), { forwardedFor: '198.51.100.1' }, trusted)).toBe('');
  });
});

describe('isPrivateOrLoopback', () => {
  it.each([
    '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', '127.0.0.1', '127.8.8.8',
    '169.254.169.254', '100.64.0.1', '100.127.255.255', '0.0.0.0', '::1', '::', 'fc00::1', 'fdff::1', 'fe80::1',
    'febf::1', '::ffff:192.168.1.1', '[::1]:80',
  ])('%s is not public', (ip) => {
    expect(isPrivateOrLoopback(ip)).toBe(true);
  });

  it.each([
    '8.8.8.8', '172.15.255.255', '172.32.0.1', '192.169.0.1', '100.63.255.255', '100.128.0.1', '11.0.0.1', '169.255.0.1',
    '2001:db8::1', '2a00:1450::1', 'fec0::1', '::ffff:8.8.8.8', 'not-an-ip', '',
  ])('%s is public (or no address)', (ip) => {
    expect(isPrivateOrLoopback(ip)).toBe(false);
  });
});
