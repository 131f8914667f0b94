import { ERROR_DOMAIN } from './grpc-status-details';
import { GRPC_STATUS_NAME } from './error-kinds';
import type { ErrorView } from './error-view';

/** The REST error envelope of API.md, details in the google.rpc JSON shapes. */
export function toRestErrorBody(view: ErrorView): { error: { code: number; status: string; message: string; details: object[] } } {
  const details: object[] = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: view.reason, domain: ERROR_DOMAIN }];
  if (view.violations.length > 0) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: view.violations.map((v) => ({ field: v.field, description: v.description })),
    });
  }
  if (view.retryAfterSeconds !== undefined) {
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${view.retryAfterSeconds}s` });
  }
  return {
    error: { code: view.httpStatus, status: GRPC_STATUS_NAME[view.grpcStatus] ?? 'UNKNOWN', message: view.message, details },
  };
}
