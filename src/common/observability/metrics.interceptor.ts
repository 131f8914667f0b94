import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { Metadata } from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { finalize, Observable, tap } from 'rxjs';
import { toErrorView } from '../errors/error-view';
import { requestContext, requestIdOfCall } from './request-context';
import { AUTH_SIGN_IN_OUTCOMES } from './operator-metrics';
import { callKeyOf, methodOf, RpcMetrics } from './rpc-metrics';
import { rpcTracer, type RpcSpan } from './telemetry';

/**
 * One interceptor for both transports: binds the request id to the async
 * context (for log lines), echoes it to gRPC clients, records metrics and,
 * with OTLP_ENDPOINT, runs the handler inside the RPC's server span.
 */
@Injectable()
export class MetricsInterceptor implements NestInterceptor {
  constructor(
    private readonly metrics: RpcMetrics,
    @InjectMetric(AUTH_SIGN_IN_OUTCOMES) private readonly signInOutcomes: Counter<string>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.metrics.markStart(context);
    const requestId = requestIdOfCall(context);
    const echo = this.echoOf(context, requestId);
    const span = this.spanOf(context, requestId);
    const observe = tap<unknown>({
      next: (value) => {
        echo();
        this.countSignInOutcome(value);
      },
      complete: () => {
        this.metrics.record(context, GrpcStatus.OK);
        span?.end(GrpcStatus.OK);
      },
      error: (e: unknown) => {
        echo();
        const view = toErrorView(e);
        this.metrics.record(context, view.grpcStatus);
        span?.end(view.grpcStatus, context.getType() === 'http' ? view.httpStatus : undefined);
      },
    });
    // next.handle() binds the async context it is called in (Nest wraps the handler in
    // AsyncResource.bind), so it is called inside both the request context and the span.
    return new Observable((subscriber) =>
      requestContext.run({ requestId }, () => {
        if (!span) return next.handle().pipe(observe).subscribe(subscriber);
        // A cancelled call (client gone, stream abandoned) ends its span too.
        return span.run(() => next.handle().pipe(observe, finalize(() => span.end(GrpcStatus.CANCELLED))).subscribe(subscriber));
      }),
    );
  }

  /**
   * Every method answering auth.v1.AuthResponse (password, MFA, verification link, Roblox)
   * is a sign-in: counted here by its status, the same on both transports.
   */
  private countSignInOutcome(value: unknown): void {
    const status = (value as { status?: unknown } | null)?.status;
    if (typeof status === 'string' && status.startsWith('AUTH_STATUS_')) this.signInOutcomes.inc({ outcome: status.slice(12).toLowerCase() });
  }

  /** Undefined unless tracing is configured: then the only cost is this check. */
  private spanOf(context: ExecutionContext, requestId: string): RpcSpan | undefined {
    const tracer = rpcTracer();
    const key = callKeyOf(context);
    if (!tracer || !key) return undefined;
    const { transport, method } = methodOf(context);
    const carrier = context.getType() === 'rpc'
      ? ((context.getArgByIndex(1) as Metadata | undefined)?.getMap() ?? {})
      : context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers;
    return tracer.start({ transport, method, requestId, carrier, key });
  }

  /**
   * gRPC: the id goes back in the response headers, sent with the first answer
   * rather than at once: headers sent early are a frame (and a socket write) of
   * their own, which cost a fifth of ValidateCredentials' throughput (BENCHMARKS.md).
   * HTTP: Fastify's onRequest hook already set the header.
   */
  private echoOf(context: ExecutionContext, requestId: string): () => void {
    if (context.getType() !== 'rpc') return () => undefined;
    const call = context.getArgByIndex(2) as { sendMetadata?: (m: Metadata) => void } | undefined;
    let sent = false;
    return () => {
      if (sent) return;
      sent = true;
      const echo = new Metadata();
      echo.set('x-request-id', requestId);
      call?.sendMetadata?.(echo);
    };
  }
}
