import { ERROR_KIND, type ErrorCode } from './error-codes';
import type { ErrorKind } from './error-kinds';

/** One invalid field, named by its path in the request (proto JSON name). */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

export interface DomainErrorOptions {
  readonly violations?: readonly FieldViolation[];
  /** Sent as RetryInfo and, on REST, as a Retry-After header. */
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

/** The only error services throw; the exception filter maps it to each transport. */
export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly violations: readonly FieldViolation[];
  readonly retryAfterSeconds?: number;

  constructor(readonly code: ErrorCode, message: string, options: DomainErrorOptions = {}) {
    // No stack trace: a DomainError is an answer (wrong password, expired token), never
    // logged with a stack (the filter logs only unexpected errors), and capturing the
    // stack was most of what building one cost under a flood of refusals (BENCHMARKS.md).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.name = 'DomainError';
    this.kind = ERROR_KIND[code];
    this.violations = options.violations ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  static validation(violations: readonly FieldViolation[]): DomainError {
    const fields = [...new Set(violations.map((v) => v.field))].join(', ');
    return new DomainError('VALIDATION_FAILED', `Invalid request: ${fields}`, { violations });
  }

  static notImplemented(method: string, capability: string): DomainError {
    return new DomainError('NOT_IMPLEMENTED', `${method} is not available yet: ${capability} has not been built`);
  }
}
