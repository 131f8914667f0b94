import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Reader, type CountryResponse } from 'maxmind';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { GeoIpService, MaxMindCountryLookup, type CountryLookup } from '../../src/common/network/geoip.service';
import { buildMmdb, type MmdbNetwork } from '../support/mmdb-writer';

// The records follow MaxMind's GeoIP2-Country-Test.mmdb for these networks.
const country = (isoCode: string, name: string, continent: string) => ({
  continent: { code: continent, names: { en: continent } },
  country: { iso_code: isoCode, names: { en: name } },
  registered_country: { iso_code: isoCode, names: { en: name } },
});
const NETWORKS: readonly MmdbNetwork[] = [
  { cidr: '81.2.69.0/24', data: country('GB', 'United Kingdom', 'EU') },
  { cidr: '2.125.160.0/24', data: country('GB', 'United Kingdom', 'EU') },
  { cidr: '89.160.20.0/24', data: country('SE', 'Sweden', 'EU') },
  { cidr: '2001:218::/32', data: country('JP', 'Japan', 'AS') },
  // An anonymous proxy: no `country`, only where the network is registered.
  { cidr: '67.43.156.0/24', data: { registered_country: { iso_code: 'BT', names: { en: 'Bhutan' } }, traits: { is_anonymous_proxy: true } } },
];

let dir: string;
let dbPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'geoip-test-'));
  dbPath = join(dir, 'Test-Country.mmdb');
  await writeFile(dbPath, buildMmdb(NETWORKS, { databaseType: 'GeoIP2-Country', description: 'auth-service test database' }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function startedService(env: Record<string, string>): Promise<GeoIpService> {
  const service = new GeoIpService(loadConfig({ NODE_ENV: 'test', ...env }));
  await service.onModuleInit();
  return service;
}

describe('GeoIpService with a MaxMind database', () => {
  it('gives the country of public addresses in the database, IPv4 and IPv6', async () => {
    const geo = await startedService({ GEOIP_DB_PATH: dbPath });
    expect(geo.countryOf('81.2.69.160')).toBe('GB');
    expect(geo.countryOf('2.125.160.216')).toBe('GB');
    expect(geo.countryOf('89.160.20.112')).toBe('SE');
    expect(geo.countryOf('2001:218:85a3::8a2e:370:7334')).toBe('JP');
    expect(geo.countryOf('::ffff:81.2.69.160')).toBe('GB');
  });

  it('falls back to the registered country when there is no country', async () => {
    const geo = await startedService({ GEOIP_DB_PATH: dbPath });
    expect(geo.countryOf('67.43.156.1')).toBe('BT');
  });

  it('gives ZZ for private, loopback and link-local addresses', async () => {
    const geo = await startedService({ GEOIP_DB_PATH: dbPath });
    for (const ip of ['10.1.2.3', '172.16.5.4', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '0.0.0.0', '::']) {
      expect(geo.countryOf(ip), ip).toBe('ZZ');
    }
  });

  it('gives an empty country for public addresses not in the database and for non-addresses', async () => {
    const geo = await startedService({ GEOIP_DB_PATH: dbPath });
    expect(geo.countryOf('8.8.8.8')).toBe('');
    expect(geo.countryOf('81.2.70.1')).toBe('');
    expect(geo.countryOf('2001:db8::1')).toBe('');
    expect(geo.countryOf('')).toBe('');
    expect(geo.countryOf('not-an-ip')).toBe('');
    expect(geo.countryOf('999.1.1.1')).toBe('');
  });

  it('forgets the database on shutdown', async () => {
    const geo = await startedService({ GEOIP_DB_PATH: dbPath });
    geo.onModuleDestroy();
    expect(geo.countryOf('81.2.69.160')).toBe('');
  });

  it('is built and opened by Nest DI from APP_CONFIG', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadConfig({ NODE_ENV: 'test', GEOIP_DB_PATH: dbPath }))],
      providers: [GeoIpService],
    }).compile();
    await moduleRef.init();
    const geo: CountryLookup = moduleRef.get(GeoIpService);
    expect(geo.countryOf('89.160.20.112')).toBe('SE');
    await moduleRef.close();
  });
});

describe('GeoIpService without a usable database', () => {
  it('without GEOIP_DB_PATH gives an empty country for public addresses and ZZ for private ones', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const geo = await startedService({});
    expect(geo.countryOf('81.2.69.160')).toBe('');
    expect(geo.countryOf('192.168.0.10')).toBe('ZZ');
    expect(warn).not.toHaveBeenCalled();
  });

  it('logs a warning naming an unreadable path and starts without a database', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const missing = join(dir, 'missing.mmdb');
    const geo = await startedService({ GEOIP_DB_PATH: missing });
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0]![0])).toContain(missing);
    expect(geo.countryOf('81.2.69.160')).toBe('');
    expect(geo.countryOf('127.0.0.1')).toBe('ZZ');
  });

  it('logs a warning for a file that is not a MaxMind database', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const junk = join(dir, 'junk.mmdb');
    await writeFile(junk, 'this is not a database');
    const geo = await startedService({ GEOIP_DB_PATH: junk });
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0]![0])).toContain(junk);
    expect(geo.countryOf('81.2.69.160')).toBe('');
  });
});

describe('MaxMindCountryLookup', () => {
  it('reads country.iso_code, then registered_country.iso_code, else empty', () => {
    const lookup = new MaxMindCountryLookup(new Reader<CountryResponse>(buildMmdb(NETWORKS, { databaseType: 'GeoIP2-Country' })));
    expect(lookup.countryOf('81.2.69.1')).toBe('GB');
    expect(lookup.countryOf('67.43.156.200')).toBe('BT');
    expect(lookup.countryOf('1.1.1.1')).toBe('');
  });
});

describe('test MMDB writer', () => {
  it('writes a database that maxmind reads with the metadata the format requires', () => {
    const reader = new Reader<CountryResponse>(buildMmdb(NETWORKS, { databaseType: 'GeoIP2-Country', buildEpochSeconds: 1_700_000_000 }));
    expect(reader.metadata).toMatchObject({
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      databaseType: 'GeoIP2-Country',
      ipVersion: 6,
      recordSize: 24,
      languages: ['en'],
      buildEpoch: new Date(1_700_000_000_000),
    });
    expect(reader.getWithPrefixLength('81.2.69.160')).toEqual([NETWORKS[0]!.data, 24]);
    expect(reader.getWithPrefixLength('2001:218::1')).toEqual([NETWORKS[3]!.data, 32]);
  });
});
