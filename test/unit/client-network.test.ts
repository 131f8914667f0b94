import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { clientNetworkOf } from '../../src/common/network/client-network';

describe('clientNetworkOf (the key per-client rate limits count under)', () => {
  it.each([
    // Any spelling of one /64 gives one canonical key.
    ['2001:db8:1:2::1', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::9', 64, '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:FFFF:0000:0000:0009', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:3:4:5:6', 64, '2001:db8:1:2::/64'],
    ['[2001:db8:1:2::1]:443', 64, '2001:db8:1:2::/64'],
    ['[2001:db8:1:2::1]', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1%eth0', 64, '2001:db8:1:2::/64'],
    ['fe80::1%25en0', 64, 'fe80::/64'],
    ['2001:db8:1:3::1', 64, '2001:db8:1:3::/64'],
    ['::1', 64, '::/64'],
    ['2001:db8::1.2.3.4', 64, '2001:db8::/64'],
    // Other prefix lengths, including ones that cut a group in two.
    ['2001:db8:1:2:ffff::9', 48, '2001:db8:1::/48'],
    ['2001:db8:1:2ff::1', 56, '2001:db8:1:200::/56'],
    ['2001:db8:abcd:1234::1', 36, '2001:db8:a000::/36'],
    ['2001:db8:1:2:ffff::9', 127, '2001:db8:1:2:ffff::8/127'],
    ['ffff:db8::1', 1, '8000::/1'],
    ['7fff:db8::1', 1, '::/1'],
    // 128: per address, the bare canonical address.
    ['2001:db8:1:2:ffff::9', 128, '2001:db8:1:2:ffff::9'],
    ['2001:DB8:1:2:0:0:0:1', 128, '2001:db8:1:2::1'],
    ['2001:db8:1:2::1%eth0', 128, '2001:db8:1:2::1'],
  ])('%s /%i -> %s', (ip, prefix, key) => {
    expect(clientNetworkOf(ip, prefix)).toBe(key);
  });

  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['198.51.100.7:5000', '198.51.100.7'],
    // IPv4-mapped IPv6 (dual-stack sockets, proxies) is the IPv4 client, not a /64 of them all.
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['::FFFF:c633:6407', '198.51.100.7'],
    ['[::ffff:198.51.100.7]:80', '198.51.100.7'],
    ['0:0:0:0:0:ffff:198.51.100.7', '198.51.100.7'],
  ])('keys IPv4 %s by its address %s, whatever the IPv6 prefix', (ip, key) => {
    for (const prefix of [1, 48, 64, 128]) expect(clientNetworkOf(ip, prefix)).toBe(key);
  });

  it('keeps distinct IPv4 addresses apart (no IPv4 masking)', () => {
    expect(clientNetworkOf('198.51.100.7', 64)).not.toBe(clientNetworkOf('198.51.100.8', 64));
    expect(clientNetworkOf('::ffff:198.51.100.7', 64)).not.toBe(clientNetworkOf('::ffff:198.51.100.8', 64));
  });

  it('keeps a /64 and the mapped-IPv4 range apart: ::ffff:0:0/96 addresses are not one network', () => {
    expect(clientNetworkOf('::ffff:1.2.3.4', 64)).not.toBe(clientNetworkOf('::ffff:5.6.7.8', 64));
    expect(clientNetworkOf('::ffff:1.2.3.4', 64)).not.toBe(clientNetworkOf('::1', 64));
  });

  it.each([[''], ['unknown'], ['not-an-ip'], ['2001:db8::1::2'], ['256.1.1.1'], ['[2001:db8::1']])('answers "" for %j (no address)', (raw) => {
    expect(clientNetworkOf(raw, 64)).toBe('');
  });
});

describe('RATE_LIMIT_IPV6_PREFIX', () => {
  it('defaults to 64 and accepts 1 to 128', () => {
    expect(loadConfig({}).rateLimit.ipv6Prefix).toBe(64);
    expect(loadConfig({ RATE_LIMIT_IPV6_PREFIX: '48' }).rateLimit.ipv6Prefix).toBe(48);
    expect(loadConfig({ RATE_LIMIT_IPV6_PREFIX: '128' }).rateLimit.ipv6Prefix).toBe(128);
    expect(loadConfig({ RATE_LIMIT_IPV6_PREFIX: '1' }).rateLimit.ipv6Prefix).toBe(1);
  });

  it.each([['0'], ['129'], ['64.5'], ['sixty-four']])('refuses %j, naming the variable', (bad) => {
    let error: unknown;
    try {
      loadConfig({ RATE_LIMIT_IPV6_PREFIX: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join()).toContain('RATE_LIMIT_IPV6_PREFIX');
  });
});
