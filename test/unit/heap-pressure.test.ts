import { describe, expect, it } from 'vitest';
import { HeapPressure } from '../../src/common/concurrency/heap-pressure';

describe('HeapPressure', () => {
  it('is overloaded exactly while the sampled heap use is above the threshold share of the limit', () => {
    let used = 50;
    const pressure = new HeapPressure(0.85, () => ({ used_heap_size: used, heap_size_limit: 100 }));
    expect(pressure.sample()).toBe(false);
    used = 85;
    expect(pressure.sample()).toBe(false);
    used = 86;
    expect(pressure.sample()).toBe(true);
    expect(pressure.overloaded).toBe(true);
    used = 40; // V8 collected: admitted work finished and freed its memory
    pressure.sample();
    expect(pressure.overloaded).toBe(false);
  });

  it('refuses a threshold outside (0, 1]', () => {
    expect(() => new HeapPressure(0)).toThrow(RangeError);
    expect(() => new HeapPressure(1.5)).toThrow(RangeError);
  });
});
