import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';

/** The transports a gRPC call can arrive on; the gRPC-Web ones reach grpc-js through the bridge. */
export type GrpcTransport = 'grpc' | 'grpc-web' | 'grpc-web-text';

/**
 * Metadata key the gRPC-Web bridge sets on every call it forwards into the in-process
 * grpc-js server: `<secret> <transport> <client ip>`. A bridged call's socket peer is the
 * bridge itself, so the client's address (for rate limits and sign-in records) and the
 * transport (for rpc_requests_total) travel here. The secret is random per process and
 * never leaves it: a native gRPC client sending this key cannot pass it, and its value is
 * ignored (see bridgedCallOf).
 */
export const BRIDGE_METADATA_KEY = 'x-auth-service-bridge';

const SECRET = randomBytes(24).toString('base64url');
const SECRET_BYTES = Buffer.from(SECRET);

export interface BridgedCall {
  readonly transport: Exclude<GrpcTransport, 'grpc'>;
  /** The client IP as the HTTP side resolved it ('' when unknown). */
  readonly clientIp: string;
}

/** The marker value for a call the bridge forwards. */
export function bridgeMarker(transport: BridgedCall['transport'], clientIp: string): string {
  return `${SECRET} ${transport} ${clientIp}`;
}

const cache = new WeakMap<Metadata, BridgedCall | null>();

/** What the bridge said about this call, or undefined for a native gRPC call (or a forged marker). */
export function bridgedCallOf(metadata: Metadata | undefined): BridgedCall | undefined {
  if (!metadata) return undefined;
  const cached = cache.get(metadata);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parse(metadata.get(BRIDGE_METADATA_KEY));
  cache.set(metadata, parsed ?? null);
  return parsed;
}

function parse(values: readonly unknown[]): BridgedCall | undefined {
  // Exactly one value: the bridge replaces whatever the browser sent under this key.
  if (values.length !== 1 || typeof values[0] !== 'string') return undefined;
  const [secret, transport, clientIp = ''] = values[0].split(' ');
  const given = Buffer.from(secret ?? '');
  if (given.length !== SECRET_BYTES.length || !timingSafeEqual(given, SECRET_BYTES)) return undefined;
  if (transport !== 'grpc-web' && transport !== 'grpc-web-text') return undefined;
  return { transport, clientIp };
}
