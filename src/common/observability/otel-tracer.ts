import type * as OtelApi from '@opentelemetry/api';
import type * as OtelExporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtelInstrumentation from '@opentelemetry/instrumentation';
import type * as OtelPg from '@opentelemetry/instrumentation-pg';
import type * as OtelResources from '@opentelemetry/resources';
import type * as OtelTraceNode from '@opentelemetry/sdk-trace-node';
import type * as OtelSemconv from '@opentelemetry/semantic-conventions';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { AppConfig } from '../../config/app-config';
import { SERVICE_VERSION } from '../../version';
import type { RpcCall, RpcSpan, RpcTracer, TelemetryBackend } from './telemetry';

/** gRPC codes that mean the server failed (OpenTelemetry's gRPC server conventions); the others are the caller's. */
const SERVER_FAULTS: ReadonlySet<number> = new Set([
  GrpcStatus.UNKNOWN, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.UNIMPLEMENTED,
  GrpcStatus.INTERNAL, GrpcStatus.UNAVAILABLE, GrpcStatus.DATA_LOSS,
]);

/**
 * OpenTelemetry tracing: one SERVER span per RPC on both transports (started by the
 * MetricsInterceptor) and PostgreSQL spans below it (instrumentation-pg), exported
 * over OTLP/HTTP to `{OTLP_ENDPOINT}/v1/traces`. The pg hook must be in place before
 * `pg` is required, hence the call from the --import instrument file.
 */
export function startTracing(config: AppConfig): { tracer: RpcTracer; backend: TelemetryBackend } {
  // Required here, not at the top: without OTLP_ENDPOINT no SDK module is ever loaded.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const api = require('@opentelemetry/api') as typeof OtelApi;
  const { NodeTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } =
    require('@opentelemetry/sdk-trace-node') as typeof OtelTraceNode;
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtelExporter;
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof OtelResources;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof OtelInstrumentation;
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof OtelPg;
  const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } = require('@opentelemetry/semantic-conventions') as typeof OtelSemconv;
  /* eslint-enable @typescript-eslint/no-require-imports */

  const { otlpEndpoint, traceSampleRatio } = config.observability;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: SERVICE_VERSION,
      'deployment.environment.name': config.nodeEnv,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(traceSampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpEndpoint!.replace(/\/+$/, '')}/v1/traces` }))],
  });
  // Global context manager (AsyncLocalStorage) and W3C propagator: context.with() in
  // RpcSpan.run reaches the pg spans of the handler's queries.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    // Only queries under an RPC span: the outbox poller and the sweeper would otherwise
    // export a root span per poll. Parameters are never recorded (they hold hashes,
    // tokens and addresses); the statement text is parameterised SQL.
    instrumentations: [new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false })],
  });

  const tracer = api.trace.getTracer('auth-service.rpc', SERVICE_VERSION);
  const traceIds = new WeakMap<object, string>();

  const rpcTracer: RpcTracer = {
    start(call: RpcCall): RpcSpan {
      // A caller's W3C traceparent continues its trace (only ids and the sampled flag are read).
      const parent = api.propagation.extract(api.ROOT_CONTEXT, call.carrier);
      const span = tracer.startSpan(call.method.replace(/^\//, ''), {
        kind: api.SpanKind.SERVER,
        attributes: { 'app.request_id': call.requestId, ...attributesOf(call) },
      }, parent);
      const active = api.trace.setSpan(parent, span);
      const traceId = span.spanContext().traceId;
      traceIds.set(call.key, traceId);
      let ended = false;
      return {
        traceId,
        run: (fn) => api.context.with(active, fn),
        end(grpcStatus, httpStatus) {
          if (ended) return;
          ended = true;
          span.setAttribute('rpc.grpc.status_code', grpcStatus);
          if (httpStatus !== undefined) span.setAttribute('http.response.status_code', httpStatus);
          if (SERVER_FAULTS.has(grpcStatus)) span.setStatus({ code: api.SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    traceIdOf: (key) => traceIds.get(key),
  };
  const backend: TelemetryBackend = {
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
  return { tracer: rpcTracer, backend };
}

function attributesOf(call: RpcCall): Record<string, string> {
  if (call.transport !== 'http') {
    const [, service = '', method = ''] = /^\/?([^/]+)\/([^/]+)$/.exec(call.method) ?? [];
    return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
  }
  const [method = '', route = ''] = call.method.split(' ');
  return { 'http.request.method': method, 'http.route': route };
}
