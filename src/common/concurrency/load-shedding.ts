import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../errors/domain-error';
import { toErrorView } from '../errors/error-view';
import { toRestErrorBody } from '../errors/rest-error-body';
import { heapPressure, type HeapPressure } from './heap-pressure';
import { lingerBeforeClose } from '../network/lingering-close';

/** The answer to a request refused for memory: retryable, on this replica a second later or on another one now. */
export function overloaded(): DomainError {
  return new DomainError('SERVICE_UNAVAILABLE', 'The service is overloaded; retry shortly', { retryAfterSeconds: 1 });
}

/** Probes and scrapes are answered even under pressure: operators must see the state. */
function isOperational(url: string): boolean {
  return url === '/metrics' || url.startsWith('/health');
}

/** Request body bytes the REST side holds at once, at most (HTTP_BODY_LIMIT each). */
export const IN_FLIGHT_BODY_BUDGET_BYTES = 8 * 1024 * 1024;

/**
 * REST: refused in onRequest, before the body is read or parsed, when the heap is near
 * its cap (HeapPressure) or when the bodies of the requests already admitted would pass
 * `budgetBytes`. Heap pressure alone is sampled, so it cannot stop a burst that arrives
 * within one sample; the byte budget can: each request reserves its Content-Length (a
 * chunked one reserves the body limit) until its response is done or its connection closes.
 */
export function shedHttpUnderHeapPressure(
  fastify: FastifyInstance,
  pressure: HeapPressure = heapPressure,
  budgetBytes = IN_FLIGHT_BODY_BUDGET_BYTES,
): void {
  const view = toErrorView(overloaded());
  const body = toRestErrorBody(view);
  const bodyLimit = fastify.initialConfig.bodyLimit ?? 1024 * 1024;
  let reserved = 0;
  fastify.addHook('onRequest', (req, reply, done) => {
    if (isOperational(req.url)) return done();
    const cost = bodyCost(req.headers, bodyLimit);
    if (!pressure.overloaded && (cost === 0 || reserved + cost <= budgetBytes)) {
      if (cost > 0) {
        reserved += cost;
        reply.raw.once('close', () => (reserved -= cost));
      }
      return done();
    }
    // The body is never read: the connection closes after the answer, so the client cannot
    // keep sending it, but only once the client had time to read the answer.
    reply.raw.once('finish', () => lingerBeforeClose(req.raw.socket));
    void reply.status(503).header('retry-after', '1').header('error-code', view.reason).header('connection', 'close').type('application/json').send(body);
  });
}

function bodyCost(headers: Record<string, string | string[] | undefined>, bodyLimit: number): number {
  const length = headers['content-length'];
  if (typeof length === 'string') return Math.min(Number(length) || 0, bodyLimit);
  return headers['transfer-encoding'] !== undefined ? bodyLimit : 0;
}

/**
 * gRPC: grpc-js has decoded the message already (at most maxReceiveMessageLength), but
 * the call does no further work: no database query, no hashing, no response. The first
 * global guard, so the refusal costs less than any other check. REST was refused earlier.
 */
@Injectable()
export class LoadShedGuard implements CanActivate {
  constructor(private readonly pressure: HeapPressure = heapPressure) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() === 'rpc' && this.pressure.overloaded) throw overloaded();
    return true;
  }
}
