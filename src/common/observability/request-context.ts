import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { ArgumentsHost } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';

export interface RequestContext {
  readonly requestId: string;
}

/** Carries the request id through async work so every log line of a gRPC call can name it. */
export const requestContext = new AsyncLocalStorage<RequestContext>();

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A client-supplied id is kept only when it is short and plain, so it cannot forge log lines. */
export function requestIdFrom(candidate: unknown): string {
  const value = Array.isArray(candidate) ? candidate[0] : candidate;
  return typeof value === 'string' && SAFE_ID.test(value) ? value : randomUUID();
}

/**
 * The request id of a call on either transport: the one Fastify assigned (and echoed)
 * for HTTP, the x-request-id metadata entry (or a fresh id) for gRPC.
 */
export function requestIdOfCall(host: ArgumentsHost): string {
  if (host.getType() === 'rpc') {
    const metadata = host.getArgByIndex(1) as Metadata | undefined;
    return requestIdFrom(metadata?.get('x-request-id')[0]);
  }
  const req = host.switchToHttp().getRequest<{ raw?: { id?: unknown }; id?: unknown }>();
  return requestIdFrom(req.raw?.id ?? req.id);
}
