import Fastify, { type FastifyInstance } from 'fastify';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ExecutionContext } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { HeapPressure } from '../../src/common/concurrency/heap-pressure';
import { LoadShedGuard, shedHttpUnderHeapPressure } from '../../src/common/concurrency/load-shedding';
import { DomainError } from '../../src/common/errors/domain-error';
import { toErrorView } from '../../src/common/errors/error-view';

/** A HeapPressure whose heap use the test sets. */
function pressureAt(share: { used: number }): HeapPressure {
  const p = new HeapPressure(0.85, () => ({ used_heap_size: share.used, heap_size_limit: 100 }));
  p.sample();
  return p;
}

async function serverWith(pressure: HeapPressure, budgetBytes: number, handled: string[]): Promise<{ app: FastifyInstance; url: string; release: () => void }> {
  const app = Fastify();
  shedHttpUnderHeapPressure(app, pressure, budgetBytes);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  app.post('/work', async (req) => {
    handled.push('work');
    if ((req.body as { hold?: boolean }).hold) await held;
    return { ok: true };
  });
  app.get('/health/ready', async () => ({ status: 'ok' }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, release };
}

describe('load shedding', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('REST near the heap cap: 503 with Retry-After and the error envelope, handler not run; health still answers', async () => {
    const share = { used: 90 };
    const handled: string[] = [];
    const s = await serverWith(pressureAt(share), 1 << 20, handled);
    app = s.app;
    const res = await fetch(`${s.url}/work`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('UNAVAILABLE');
    expect(handled).toEqual([]);
    expect((await fetch(`${s.url}/health/ready`)).status).toBe(200);
  });

  it('REST bodies in flight: a request that would pass the byte budget is refused until earlier ones finish', async () => {
    const handled: string[] = [];
    const s = await serverWith(pressureAt({ used: 10 }), 100, handled);
    app = s.app;
    const body = JSON.stringify({ hold: true, pad: 'x'.repeat(60) }); // ~80 bytes reserved until answered
    const first = fetch(`${s.url}/work`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    while (handled.length === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await fetch(`${s.url}/work`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(second.status).toBe(503);
    s.release();
    expect((await first).status).toBe(200);
    // The first request's reservation was returned with its answer.
    const third = await fetch(`${s.url}/work`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(60) }) });
    expect(third.status).toBe(200);
  });

  it('gRPC near the heap cap: the first guard refuses with UNAVAILABLE and Retry-After; HTTP is left to the onRequest hook', () => {
    const share = { used: 90 };
    const guard = new LoadShedGuard(pressureAt(share));
    const rpc = { getType: () => 'rpc' } as unknown as ExecutionContext;
    const http = { getType: () => 'http' } as unknown as ExecutionContext;
    let thrown: unknown;
    try {
      guard.canActivate(rpc);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(toErrorView(thrown)).toMatchObject({ grpcStatus: GrpcStatus.UNAVAILABLE, httpStatus: 503, retryAfterSeconds: 1 });
    expect(guard.canActivate(http)).toBe(true);
    expect(new LoadShedGuard(pressureAt({ used: 50 })).canActivate(rpc)).toBe(true);
  });
});
