import { describe, expect, it } from 'vitest';
import { deepestPathBeyond, MAX_NESTING } from '../../src/common/validation/validation.pipe';

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('request nesting depth', () => {
  it('accepts what the contract nests (a few levels) and names the field of a body nested too deep', () => {
    expect(deepestPathBeyond({ clientInfo: { metadata: { k: 'v' } } }, MAX_NESTING)).toBeNull();
    expect(deepestPathBeyond({ identifier: nested(MAX_NESTING - 1) }, MAX_NESTING)).toBeNull();
    expect(deepestPathBeyond({ identifier: nested(MAX_NESTING) }, MAX_NESTING)).toMatch(/^identifier(\.a)+$/);
  });

  it('walks 100,000 levels without recursion (no stack overflow) and skips byte buffers', () => {
    expect(deepestPathBeyond({ x: nested(100_000) }, MAX_NESTING)).toMatch(/^x\.a/);
    expect(deepestPathBeyond({ data: Buffer.alloc(1_000_000) }, MAX_NESTING)).toBeNull();
  });
});
