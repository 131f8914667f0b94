import { Injectable, type ArgumentsHost } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { GRPC_STATUS_NAME } from '../errors/error-kinds';
import type { ErrorView } from '../errors/error-view';
import type { Metadata } from '@grpc/grpc-js';
import { bridgedCallOf, type GrpcTransport } from '../grpc-web/bridge-marker';

export const RPC_REQUESTS_TOTAL = 'rpc_requests_total';
export const RPC_REQUEST_DURATION = 'rpc_request_duration_seconds';

/** `http` is REST; gRPC-Web calls are counted under their own transport (they run on the gRPC server). */
type Transport = GrpcTransport | 'http';

/** The request object of a call on either transport: the key under which the call is tracked. */
export function callKeyOf(host: ArgumentsHost): object | undefined {
  if (host.getType() === 'rpc') return host.getArgByIndex(2) as object | undefined;
  if (host.getType() === 'http') return host.switchToHttp().getRequest<object>();
  return undefined;
}

export function methodOf(host: ArgumentsHost): { transport: Transport; method: string } {
  if (host.getType() === 'rpc') {
    const call = host.getArgByIndex(2) as { getPath?: () => string } | undefined;
    const transport = bridgedCallOf(host.getArgByIndex(1) as Metadata | undefined)?.transport ?? 'grpc';
    return { transport, method: call?.getPath?.() ?? 'unknown' };
  }
  const req = host.switchToHttp().getRequest<{ method: string; routeOptions?: { url?: string } }>();
  return { transport: 'http', method: `${req.method} ${req.routeOptions?.url ?? 'unmatched'}` };
}

/**
 * rpc_requests_total{transport,method,code} and rpc_request_duration_seconds for
 * both transports, codes named as gRPC statuses so one dashboard reads both.
 */
@Injectable()
export class RpcMetrics {
  private readonly started = new WeakMap<object, bigint>();
  private readonly recorded = new WeakSet<object>();

  constructor(
    @InjectMetric(RPC_REQUESTS_TOTAL) private readonly total: Counter<string>,
    @InjectMetric(RPC_REQUEST_DURATION) private readonly duration: Histogram<string>,
  ) {}

  markStart(host: ArgumentsHost): void {
    const key = callKeyOf(host);
    if (key && !this.started.has(key)) this.started.set(key, process.hrtime.bigint());
  }

  record(host: ArgumentsHost, grpcStatus: number): void {
    const key = callKeyOf(host);
    if (!key || this.recorded.has(key)) return;
    this.recorded.add(key);
    const { transport, method } = methodOf(host);
    const labels = { transport, method, code: GRPC_STATUS_NAME[grpcStatus] ?? 'UNKNOWN' };
    this.total.inc(labels);
    const start = this.started.get(key);
    if (start !== undefined) this.duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
  }

  /** Errors raised before the interceptor ran (guard, route not found) are counted here. */
  recordFailureIfUnrecorded(host: ArgumentsHost, view: ErrorView): void {
    this.record(host, view.grpcStatus);
  }
}
