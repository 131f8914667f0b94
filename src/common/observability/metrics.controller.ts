import { Controller, Get, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';

/** /metrics, public like the probes (scrapers carry no tokens); off with METRICS_ENABLED=false. */
@ApiExcludeController()
@Controller()
export class MetricsController extends PrometheusController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  @Public()
  @Get()
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    if (!this.config.observability.metricsEnabled) throw new NotFoundException();
    return super.index(response);
  }
}
