import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import type { FastifyReply } from 'fastify';
import { toErrorView, type ErrorView } from './error-view';
import { toGrpcServiceError } from './grpc-status-details';
import { toRestErrorBody } from './rest-error-body';
import { RpcMetrics, callKeyOf, methodOf } from '../observability/rpc-metrics';
import { requestContext, requestIdOfCall } from '../observability/request-context';
import { errorReporter, rpcTracer } from '../observability/telemetry';

/**
 * The one filter for both transports. Anything unknown is logged (message and
 * stack only: driver errors carry query parameters, which may hold hashes),
 * reported to Sentry when SENTRY_DSN is set, and answered as INTERNAL without detail.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly metrics: RpcMetrics) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const view = toErrorView(exception);
    if (view.unexpected) {
      this.logUnexpected(exception);
      this.report(exception, host);
    }
    this.metrics.recordFailureIfUnrecorded(host, view);
    if (host.getType() === 'rpc') {
      return throwError(() => toGrpcServiceError(view));
    }
    if (host.getType() === 'http') {
      const reply = host.switchToHttp().getResponse<FastifyReply>();
      this.sendHttp(reply, view);
    }
  }

  private sendHttp(reply: FastifyReply, view: ErrorView): void {
    if (reply.sent) return;
    if (view.retryAfterSeconds !== undefined) reply.header('retry-after', String(view.retryAfterSeconds));
    reply.header('error-code', view.reason);
    reply.status(view.httpStatus).type('application/json').send(toRestErrorBody(view));
  }

  /** Every INTERNAL error, once: request id, method and trace id name it; sentry-scrub.ts strips what it must not carry. */
  private report(exception: unknown, host: ArgumentsHost): void {
    const reporter = errorReporter();
    if (!reporter || (host.getType() !== 'rpc' && host.getType() !== 'http')) return;
    const { transport, method } = methodOf(host);
    const key = callKeyOf(host);
    const traceId = key ? rpcTracer()?.traceIdOf(key) : undefined;
    const requestId = requestContext.getStore()?.requestId ?? requestIdOfCall(host);
    reporter.report(exception, { requestId, transport, method, traceId });
  }

  private logUnexpected(exception: unknown): void {
    if (exception instanceof Error) {
      this.logger.error({ err: { type: exception.name, message: exception.message, stack: exception.stack } }, 'Unhandled error');
    } else {
      this.logger.error({ err: { type: typeof exception } }, 'Unhandled non-error thrown');
    }
  }
}
