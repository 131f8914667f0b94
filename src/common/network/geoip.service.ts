import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import maxmind, { type CountryResponse, type Reader } from 'maxmind';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { isPrivateOrLoopback, normalizeIp } from './client-ip';

/** IP to ISO 3166-1 alpha-2 country code; '' when unknown. */
export interface CountryLookup {
  countryOf(ip: string): string;
}

/** Lookups in an opened MaxMind-format country (or city) database. */
export class MaxMindCountryLookup implements CountryLookup {
  constructor(private readonly reader: Reader<CountryResponse>) {}

  countryOf(ip: string): string {
    const record = this.reader.get(ip);
    // Anonymous proxies and satellite providers have no `country`; the country the
    // network is registered in is the best remaining answer.
    return record?.country?.iso_code ?? record?.registered_country?.iso_code ?? '';
  }
}

const NO_DATABASE: CountryLookup = { countryOf: () => '' };

/**
 * The `ip_country` of sessions: 'ZZ' for private, loopback and link-local addresses,
 * the country of GEOIP_DB_PATH's database otherwise, '' without a database or a match.
 */
@Injectable()
export class GeoIpService implements CountryLookup, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('GeoIp');
  private lookup: CountryLookup = NO_DATABASE;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    const path = this.config.network.geoipDbPath;
    if (!path) return;
    try {
      const reader = await maxmind.open<CountryResponse>(path);
      this.lookup = new MaxMindCountryLookup(reader);
      this.logger.log(`GeoIP database ${path} opened (${reader.metadata.databaseType}, built ${reader.metadata.buildEpoch.toISOString()})`);
    } catch (err) {
      // The country is an annotation of sessions: a missing or damaged file must not keep
      // the service from signing anyone in.
      this.logger.warn(`GeoIP database ${path} could not be opened, ip_country stays empty: ${(err as Error).message}`);
    }
  }

  onModuleDestroy(): void {
    this.lookup = NO_DATABASE;
  }

  /** The ISO country code of `ip`: 'ZZ' for non-public addresses, '' when unknown or invalid. */
  countryOf(ip: string): string {
    const address = normalizeIp(ip);
    if (address === undefined) return '';
    if (isPrivateOrLoopback(address)) return 'ZZ';
    try {
      return this.lookup.countryOf(address);
    } catch (err) {
      // Same reasoning as at startup: a bad record costs the annotation, not the request.
      this.logger.warn(`GeoIP lookup failed: ${(err as Error).message}`);
      return '';
    }
  }
}
