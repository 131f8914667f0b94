import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Observable, tap } from 'rxjs';
import { toErrorView } from '../errors/error-view';
import { requestContext, requestIdFrom } from './request-context';
import { RpcMetrics } from './rpc-metrics';

/**
 * One interceptor for both transports: binds the request id to the async
 * context (for log lines), echoes it to gRPC clients, and records metrics.
 */
@Injectable()
export class MetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: RpcMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.metrics.markStart(context);
    const requestId = this.requestIdOf(context);
    const echo = this.echoOf(context, requestId);
    const observe = tap<unknown>({
      next: echo,
      complete: () => this.metrics.record(context, GrpcStatus.OK),
      error: (e: unknown) => {
        echo();
        this.metrics.record(context, toErrorView(e).grpcStatus);
      },
    });
    return new Observable((subscriber) =>
      requestContext.run({ requestId }, () => next.handle().pipe(observe).subscribe(subscriber)),
    );
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

  private requestIdOf(context: ExecutionContext): string {
    if (context.getType() === 'rpc') {
      const metadata = context.getArgByIndex(1) as Metadata | undefined;
      return requestIdFrom(metadata?.get('x-request-id')[0]);
    }
    const req = context.switchToHttp().getRequest<{ raw?: { id?: unknown }; id?: unknown }>();
    return requestIdFrom(req.raw?.id ?? req.id);
  }
}
