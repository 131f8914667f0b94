import { Global, Module } from '@nestjs/common';
import { GeoIpService } from './geoip.service';
import { RequestOrigin } from './request-origin';

@Global()
@Module({ providers: [RequestOrigin, GeoIpService], exports: [RequestOrigin, GeoIpService] })
export class NetworkModule {}
