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
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
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
