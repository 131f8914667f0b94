import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/auth/public.decorator';
import { ReadinessService } from './readiness.service';
import { SERVICE_VERSION } from '../../version';

/** Probes and service identity; all public, none touches anything but the readiness check. */
@ApiExcludeController()
@Controller()
export class HealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessService,
  ) {}

  @Public()
  @Get()
  root(): { service: string; version: string } {
    return { service: 'auth-service', version: SERVICE_VERSION };
  }

  /** Liveness: the process answers. Never depends on the database, so a DB outage does not restart pods. */
  @Public()
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('health/ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    await this.sendReadiness(reply);
  }

  @Public()
  @Get('health')
  async overall(@Res() reply: FastifyReply): Promise<void> {
    await this.sendReadiness(reply);
  }

  private async sendReadiness(reply: FastifyReply): Promise<void> {
    const report = await this.readiness.check();
    const database = this.indicators.check('database');
    const migrations = this.indicators.check('migrations');
    const lifecycle = this.indicators.check('lifecycle');
    let result: HealthCheckResult;
    try {
      result = await this.health.check([
        () => (report.database.up ? database.up() : database.down({ message: 'unreachable' })),
        () => {
          if (!report.database.up) return migrations.down({ message: 'unknown: database unreachable' });
          return report.migrations.up ? migrations.up() : migrations.down({ pending: report.migrations.pending });
        },
        () => (this.readiness.isShuttingDown ? lifecycle.down({ message: 'shutting down' }) : lifecycle.up()),
      ]);
    } catch (e) {
      // Terminus signals "down" by throwing a 503 exception that carries the report.
      const body = (e as { getResponse?: () => unknown }).getResponse?.();
      if (body === undefined) throw e;
      reply.status(503).header('cache-control', 'no-store').send(body);
      return;
    }
    reply.status(200).header('cache-control', 'no-store').send(result);
  }
}
