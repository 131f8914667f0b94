import { HttpException } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { DomainError, type FieldViolation } from './domain-error';
import { GRPC_STATUS, grpcStatusOfHttp, HTTP_STATUS_OF_GRPC } from './error-kinds';

/** A transport-neutral view of any error: what both transports render. */
export interface ErrorView {
  readonly grpcStatus: GrpcStatus;
  readonly httpStatus: number;
  /** Stable reason (ErrorCode or a framework reason). */
  readonly reason: string;
  readonly message: string;
  readonly violations: readonly FieldViolation[];
  readonly retryAfterSeconds?: number;
  /** True when the error was not anticipated and must be logged with its stack. */
  readonly unexpected: boolean;
}

const INTERNAL_MESSAGE = 'Internal error';

function fromStatus(grpcStatus: GrpcStatus, reason: string, message: string, extra: Partial<ErrorView> = {}): ErrorView {
  return {
    grpcStatus,
    httpStatus: HTTP_STATUS_OF_GRPC[grpcStatus] ?? 500,
    reason,
    message,
    violations: [],
    unexpected: false,
    ...extra,
  };
}

function messageOfHttpException(e: HttpException): string {
  const body = e.getResponse();
  if (typeof body === 'string') return body;
  const m = (body as { message?: unknown }).message;
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return m.join('; ');
  return e.message;
}

/** Maps anything thrown to an ErrorView; unknown errors become INTERNAL without their detail. */
export function toErrorView(error: unknown): ErrorView {
  if (error instanceof DomainError) {
    const grpcStatus = GRPC_STATUS[error.kind];
    if (error.kind === 'internal') return fromStatus(grpcStatus, error.code, INTERNAL_MESSAGE, { unexpected: true });
    return fromStatus(grpcStatus, error.code, error.message, {
      violations: error.violations,
      retryAfterSeconds: error.retryAfterSeconds,
    });
  }
  if (error instanceof HttpException) {
    const httpStatus = error.getStatus();
    const grpcStatus = grpcStatusOfHttp(httpStatus);
    if (httpStatus >= 500) return fromStatus(grpcStatus, 'INTERNAL', INTERNAL_MESSAGE, { unexpected: httpStatus === 500 });
    const retry = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    return fromStatus(grpcStatus, httpStatus === 429 ? 'RATE_LIMITED' : 'HTTP_' + httpStatus, messageOfHttpException(error), {
      httpStatus: httpStatus === 405 ? 405 : HTTP_STATUS_OF_GRPC[grpcStatus],
      retryAfterSeconds: retry,
    });
  }
  // Errors raised by Fastify itself (malformed JSON, body too large, bad content type) carry a 4xx statusCode.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const grpcStatus = grpcStatusOfHttp(statusCode);
    const code = (error as { code?: unknown }).code;
    return fromStatus(grpcStatus, typeof code === 'string' ? code : 'HTTP_' + statusCode, sanitizeFrameworkMessage(error), {
      httpStatus: statusCode,
    });
  }
  if (isDatabaseUnavailable(error)) {
    return fromStatus(GrpcStatus.UNAVAILABLE, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry shortly', {
      retryAfterSeconds: 1,
    });
  }
  return fromStatus(GrpcStatus.INTERNAL, 'INTERNAL', INTERNAL_MESSAGE, { unexpected: true });
}

/** SQLSTATE classes 08 (connection) and 57P (shutdown), and the pg pool's own connection failures. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);

/** The database cannot be reached right now: a retryable UNAVAILABLE, not an INTERNAL bug. */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message)) return true;
  }
  return false;
}

/** Framework messages can quote the offending input (for example JSON parse errors); keep them short. */
function sanitizeFrameworkMessage(error: unknown): string {
  const m = (error as { message?: unknown }).message;
  if (typeof m !== 'string') return 'Bad request';
  return m.length > 200 ? m.slice(0, 200) : m;
}
