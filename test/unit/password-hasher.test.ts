import * as argon2 from 'argon2';
import * as bcrypt from 'bcryptjs';
import { Logger } from '@nestjs/common';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../src/common/errors/domain-error';
import type { AppConfig } from '../../src/config/app-config';
import { ARGON2_PARAMS, PasswordHasher } from '../../src/modules/auth/password-hasher';

const hasherWith = (hashConcurrency: number, hashQueueMax: number) =>
  new PasswordHasher({ signIn: { hashConcurrency, hashQueueMax } } as unknown as AppConfig);

const PASSWORD = 'correct horse battery 9';

// node-argon2 writes the parameters as m,p,t (the reference CLI writes m,t,p); both
// parse the same, so the tests compare the parsed values rather than the order.
function phcParams(hash: string): Record<string, number> {
  const segment = hash.split('$')[3] ?? '';
  return Object.fromEntries(segment.split(',').map((kv) => { const [k, v] = kv.split('='); return [k, Number(v)]; }));
}

describe('PasswordHasher', () => {
  const hasher = hasherWith(2, 10);
  let current: string;

  beforeAll(async () => {
    current = await hasher.hash(PASSWORD);
  });

  describe('argon2id with the current parameters', () => {
    it('produces an argon2id PHC string with m=19456,t=2,p=1', () => {
      expect(ARGON2_PARAMS).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
      expect(current.startsWith('$argon2id$')).toBe(true);
      expect(phcParams(current)).toEqual({ m: 19456, t: 2, p: 1 });
      expect(current).toContain('$v=19$');
    });

    it('round-trips and rejects a wrong password', async () => {
      expect(await hasher.verify(current, PASSWORD)).toBe(true);
      expect(await hasher.verify(current, `${PASSWORD}x`)).toBe(false);
      expect(await hasher.verify(current, '')).toBe(false);
    });

    it('salts every hash', async () => {
      expect(await hasher.hash(PASSWORD)).not.toBe(current);
    });

    it('does not need a rehash', () => {
      expect(hasher.needsRehash(current)).toBe(false);
    });
  });

  describe('argon2 hashes with other parameters or variants', () => {
    it('verifies argon2id m=65536,t=3,p=4 and asks for a rehash', async () => {
      const old = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 });
      expect(phcParams(old)).toEqual({ m: 65536, t: 3, p: 4 });
      expect(await hasher.verify(old, PASSWORD)).toBe(true);
      expect(await hasher.verify(old, 'wrong password 1')).toBe(false);
      expect(hasher.needsRehash(old)).toBe(true);
    });

    it('verifies argon2i with the current parameters but asks for a rehash to argon2id', async () => {
      const argon2i = await argon2.hash(PASSWORD, { ...ARGON2_PARAMS, type: argon2.argon2i });
      expect(argon2i.startsWith('$argon2i$')).toBe(true);
      expect(await hasher.verify(argon2i, PASSWORD)).toBe(true);
      expect(hasher.needsRehash(argon2i)).toBe(true);
    });
  });

  describe('legacy bcrypt hashes', () => {
    let b2b: string;

    beforeAll(async () => {
      b2b = await bcrypt.hash(PASSWORD, 4);
    });

    // $2a$ and $2y$ differ from $2b$ only in the prefix for passwords under 255 bytes;
    // PHP's password_hash writes $2y$.
    it.each([
      ['$2b$', ''],
      ['$2a$', '$2a$'],
      ['$2y$', '$2y$'],
    ])('verifies %s and asks for a rehash', async (prefix, rewrite) => {
      const hash = rewrite ? rewrite + b2b.slice(4) : b2b;
      expect(hash.startsWith(prefix)).toBe(true);
      expect(await hasher.verify(hash, PASSWORD)).toBe(true);
      expect(await hasher.verify(hash, 'wrong password 1')).toBe(false);
      expect(hasher.needsRehash(hash)).toBe(true);
    });

    it('verifies a $2a$ hash bcryptjs made from a $2a$ salt', async () => {
      const hash = await bcrypt.hash(PASSWORD, `$2a$${b2b.slice(4, 29)}`);
      expect(hash.startsWith('$2a$04$')).toBe(true);
      expect(await hasher.verify(hash, PASSWORD)).toBe(true);
    });
  });

  describe('unusable stored hashes', () => {
    beforeAll(() => {
      const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      return () => warn.mockRestore();
    });

    it.each([
      ['empty', ''],
      ['plain text', PASSWORD],
      ['unknown scheme', '$6$rounds=5000$salt$abcdef'],
      ['truncated argon2id', '$argon2id$v=19$m=19456,t=2,p=1$'],
      ['garbled argon2id', '$argon2id$v=19$m=abc$###$###'],
      ['truncated bcrypt', '$2b$10$tooShort'],
      ['garbled bcrypt', `$2b$99$${'!'.repeat(53)}`],
    ])('%s: verify is false and needsRehash is true', async (_, hash) => {
      await expect(hasher.verify(hash, PASSWORD)).resolves.toBe(false);
      expect(hasher.needsRehash(hash)).toBe(true);
    });
  });

  it('never logs a stored hash', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      for (const hash of ['$argon2id$v=19$m=abc$MARKER$MARKER', '$2b$10$MARKER', 'MARKER']) {
        expect(await hasher.verify(hash, PASSWORD)).toBe(false);
      }
      expect(warn).toHaveBeenCalled();
      expect(JSON.stringify(warn.mock.calls)).not.toContain('MARKER');
    } finally {
      warn.mockRestore();
    }
  });

  describe('dummyVerify', () => {
    it('resolves for any password, repeatedly and concurrently', async () => {
      await expect(Promise.all([hasher.dummyVerify(PASSWORD), hasher.dummyVerify(''), hasher.dummyVerify('x')])).resolves.toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      await expect(hasher.dummyVerify(PASSWORD)).resolves.toBeUndefined();
    });
  });

  describe('bounded queue', () => {
    it('runs one, queues one and rejects the rest with AUTH_HASHER_BUSY', async () => {
      const busy = hasherWith(1, 1);
      const calls = [
        busy.verify(current, PASSWORD),
        busy.verify(current, 'wrong password 1'),
        busy.hash(PASSWORD),
        busy.dummyVerify(PASSWORD),
      ];
      expect(busy.load).toEqual({ running: 1, waiting: 1 });
      const settled = await Promise.allSettled(calls);

      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
      expect(settled.slice(0, 2).map((s) => (s as PromiseFulfilledResult<unknown>).value)).toEqual([true, false]);
      for (const s of settled.slice(2)) {
        const e = (s as PromiseRejectedResult).reason as DomainError;
        expect(e).toBeInstanceOf(DomainError);
        expect(e.code).toBe('AUTH_HASHER_BUSY');
        expect(e.kind).toBe('rate_limited');
        expect(e.retryAfterSeconds).toBe(1);
      }
      expect(busy.load).toEqual({ running: 0, waiting: 0 });

      // Capacity comes back once the burst has drained.
      expect(await busy.verify(current, PASSWORD)).toBe(true);
    });

    it('uses an automatic concurrency when configured with 0', async () => {
      const auto = hasherWith(0, 10);
      expect(await auto.verify(current, PASSWORD)).toBe(true);
    });
  });
});
