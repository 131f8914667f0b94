import { Global, Module, type DynamicModule } from '@nestjs/common';
import { PrometheusModule, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { MetricsController } from './metrics.controller';
import { MetricsInterceptor } from './metrics.interceptor';
import { OPERATOR_METRIC_PROVIDERS } from './operator-metrics';
import { RPC_REQUEST_DURATION, RPC_REQUESTS_TOTAL, RpcMetrics } from './rpc-metrics';
import { telemetryState } from './telemetry';

@Global()
@Module({
  imports: [PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: true } })],
  providers: [
    makeCounterProvider({ name: RPC_REQUESTS_TOTAL, help: 'Requests by transport, method and gRPC status code', labelNames: ['transport', 'method', 'code'] }),
    makeHistogramProvider({
      name: RPC_REQUEST_DURATION,
      help: 'Request duration in seconds by transport, method and gRPC status code',
      labelNames: ['transport', 'method', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    ...OPERATOR_METRIC_PROVIDERS,
    RpcMetrics,
    MetricsInterceptor,
  ],
  exports: [RpcMetrics, MetricsInterceptor, ...OPERATOR_METRIC_PROVIDERS],
})
export class ObservabilityModule {
  /** Adds the modules of the telemetry backends started before the app (SentryModule when SENTRY_DSN is set). */
  static forRoot(): DynamicModule {
    return { module: ObservabilityModule, imports: [...telemetryState().modules] };
  }
}
