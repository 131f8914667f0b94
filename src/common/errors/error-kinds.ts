import { status as GrpcStatus } from '@grpc/grpc-js';

/** What kind of failure a domain error is; each kind has exactly one status per transport. */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'precondition'
  | 'rate_limited'
  | 'unimplemented'
  | 'unavailable'
  | 'internal';

/** An unmapped kind does not compile. */
export const GRPC_STATUS = {
  invalid: GrpcStatus.INVALID_ARGUMENT,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  permission_denied: GrpcStatus.PERMISSION_DENIED,
  not_found: GrpcStatus.NOT_FOUND,
  already_exists: GrpcStatus.ALREADY_EXISTS,
  precondition: GrpcStatus.FAILED_PRECONDITION,
  rate_limited: GrpcStatus.RESOURCE_EXHAUSTED,
  unimplemented: GrpcStatus.UNIMPLEMENTED,
  unavailable: GrpcStatus.UNAVAILABLE,
  internal: GrpcStatus.INTERNAL,
} as const satisfies Record<ErrorKind, GrpcStatus>;

/** The standard gRPC-to-HTTP mapping of API.md. */
export const HTTP_STATUS_OF_GRPC: Readonly<Record<number, number>> = {
  [GrpcStatus.OK]: 200,
  [GrpcStatus.CANCELLED]: 499,
  [GrpcStatus.UNKNOWN]: 500,
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.PERMISSION_DENIED]: 403,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 400,
  [GrpcStatus.ABORTED]: 409,
  [GrpcStatus.OUT_OF_RANGE]: 400,
  [GrpcStatus.UNIMPLEMENTED]: 501,
  [GrpcStatus.INTERNAL]: 500,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.DATA_LOSS]: 500,
  [GrpcStatus.UNAUTHENTICATED]: 401,
};

/** HTTP statuses raised by the framework itself (404 route, 405, 413 body...) mapped back to gRPC codes. */
export function grpcStatusOfHttp(httpStatus: number): GrpcStatus {
  switch (httpStatus) {
    case 400: return GrpcStatus.INVALID_ARGUMENT;
    case 401: return GrpcStatus.UNAUTHENTICATED;
    case 403: return GrpcStatus.PERMISSION_DENIED;
    case 404: return GrpcStatus.NOT_FOUND;
    case 405: return GrpcStatus.UNIMPLEMENTED;
    case 409: return GrpcStatus.ALREADY_EXISTS;
    case 413: return GrpcStatus.INVALID_ARGUMENT;
    case 415: return GrpcStatus.INVALID_ARGUMENT;
    case 429: return GrpcStatus.RESOURCE_EXHAUSTED;
    case 501: return GrpcStatus.UNIMPLEMENTED;
    case 503: return GrpcStatus.UNAVAILABLE;
    case 504: return GrpcStatus.DEADLINE_EXCEEDED;
    default: return httpStatus >= 500 ? GrpcStatus.INTERNAL : GrpcStatus.INVALID_ARGUMENT;
  }
}

export const GRPC_STATUS_NAME: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(GrpcStatus).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]),
);
