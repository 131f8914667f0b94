import type { GrpcWebMode } from './grpc-web-bridge';

/** Every gRPC-Web content type, whatever the codec: the ones this service cannot serve are answered, not passed on. */
export const GRPC_WEB_CONTENT_TYPE = /^application\/grpc-web/i;

const SERVED = /^application\/grpc-web(-text)?(\+proto)?\s*(;.*)?$/i;

/**
 * binary (`application/grpc-web`, `+proto`), text (`application/grpc-web-text`, `+proto`),
 * 'unsupported' for another gRPC-Web codec (+json), undefined when it is not gRPC-Web.
 */
export function grpcWebModeOf(contentType: unknown): GrpcWebMode | 'unsupported' | undefined {
  if (typeof contentType !== 'string' || !GRPC_WEB_CONTENT_TYPE.test(contentType)) return undefined;
  const m = SERVED.exec(contentType);
  if (!m) return 'unsupported';
  return m[1] ? 'text' : 'binary';
}

/** Response headers a browser's gRPC-Web client must read (exposed by CORS). */
export const GRPC_WEB_EXPOSED_HEADERS = ['grpc-status', 'grpc-message', 'grpc-status-details-bin', 'x-request-id'] as const;
