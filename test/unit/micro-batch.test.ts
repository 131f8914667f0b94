import { describe, expect, it } from 'vitest';
import { MicroBatch } from '../../src/common/concurrency/micro-batch';

describe('MicroBatch', () => {
  it('answers the calls of one event-loop turn with one run, each with its own result', async () => {
    const runs: number[][] = [];
    const batch = new MicroBatch<number, string>(async (keys) => {
      runs.push([...keys]);
      return keys.map((k) => `v${k}`);
    });
    const first = await Promise.all([1, 2, 3, 2].map((k) => batch.load(k)));
    expect(first).toEqual(['v1', 'v2', 'v3', 'v2']);
    expect(runs).toEqual([[1, 2, 3, 2]]);
    expect(await batch.load(9)).toBe('v9');
    expect(runs).toEqual([[1, 2, 3, 2], [9]]);
  });

  it('runs a full batch at once and starts a new one', async () => {
    const sizes: number[] = [];
    const batch = new MicroBatch<number, number>(async (keys) => {
      sizes.push(keys.length);
      return keys.map((k) => k * 2);
    }, 4);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batch.load(i)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('fails every call of a failed run, and only those', async () => {
    let fail = true;
    const batch = new MicroBatch<number, number>(async (keys) => {
      if (fail) throw new Error('database unavailable');
      return [...keys];
    });
    const failed = await Promise.allSettled([batch.load(1), batch.load(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason.message).toBe('database unavailable');
    fail = false;
    expect(await batch.load(3)).toBe(3);
  });

  it('refuses a run that answers the wrong number of results rather than mismatching them', async () => {
    const batch = new MicroBatch<number, number>(async (keys) => keys.slice(1));
    const results = await Promise.allSettled([batch.load(1), batch.load(2)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });
});
