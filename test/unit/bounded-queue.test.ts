import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/common/concurrency/bounded-queue';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BoundedQueue', () => {
  it('runs at most `concurrency` tasks at once and starts waiters in order', async () => {
    const q = new BoundedQueue(2, 10);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const results = gates.map((g, i) =>
      q.run(async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([q.running, q.waiting]).toEqual([2, 2]);

    gates[1].resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect([q.running, q.waiting]).toEqual([2, 1]);

    gates[0].resolve();
    gates[2].resolve();
    gates[3].resolve();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3]);
    expect([q.running, q.waiting]).toEqual([0, 0]);
  });

  it('rejects at once with the factory error when maxWaiting tasks already wait', async () => {
    const q = new BoundedQueue(1, 1, () => new Error('busy'));
    const gate = deferred();
    let ranFourth = false;
    const first = q.run(() => gate.promise.then(() => 'first'));
    const second = q.run(async () => 'second');
    await expect(q.run(async () => { ranFourth = true; })).rejects.toThrow('busy');
    expect([q.running, q.waiting]).toEqual([1, 1]);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
    expect(ranFourth).toBe(false);
  });

  it('frees the slot when a task fails, including a synchronous throw', async () => {
    const q = new BoundedQueue(1, 0);
    await expect(q.run(() => { throw new Error('sync'); })).rejects.toThrow('sync');
    await expect(q.run(() => Promise.reject(new Error('async')))).rejects.toThrow('async');
    expect(await q.run(async () => 42)).toBe(42);
    expect([q.running, q.waiting]).toEqual([0, 0]);
  });

  it('refuses nonsensical limits', () => {
    expect(() => new BoundedQueue(0, 1)).toThrow(RangeError);
    expect(() => new BoundedQueue(1, -1)).toThrow(RangeError);
  });
});
