import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

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
