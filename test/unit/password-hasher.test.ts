import { setImmediate as tick } from 'node:timers/promises';
import * as argon2 from 'argon2';
import * as bcrypt from 'bcryptjs';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../src/common/errors/domain-error';
import type { AppConfig } from '../../src/config/app-config';
import { APP_CONFIG } from '../../src/config/config.module';
import { BcryptWorkerPool } from '../../src/modules/credentials/bcrypt-worker-pool';
import { FailureTimeFloor } from '../../src/modules/credentials/failure-time-floor';
import { ARGON2_PARAMS, PasswordHasher } from '../../src/modules/credentials/password-hasher';

const configWith = (hashConcurrency: number, hashQueueMax: number, legacyBcryptCost = 0) =>
  ({ signIn: { hashConcurrency, hashQueueMax, legacyBcryptCost } }) as unknown as AppConfig;

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
      // A hasher of its own: this slow kind would raise the shared hasher's failure floor
      // (every later failure in this file would wait as long as a verify of it).
      const own = hasherWith(2, 10);
      const old = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 });
      expect(phcParams(old)).toEqual({ m: 65536, t: 3, p: 4 });
      expect(await own.verify(old, PASSWORD)).toBe(true);
      expect(await own.verify(old, 'wrong password 1')).toBe(false);
      expect(own.needsRehash(old)).toBe(true);
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

// Hashes of nothing anyone knows: a compare of one runs every round and fails.
const randomBcrypt = (cost: number) => `$2b$${String(cost).padStart(2, '0')}$${'./AZaz09'.repeat(7).slice(0, 53)}`;

describe('PasswordHasher: legacy bcrypt on worker threads', () => {
  const hasher = hasherWith(2, 10);
  afterAll(() => hasher.onModuleDestroy());

  it('starts no thread until the first bcrypt hash, then at most one per queue slot', async () => {
    const own = hasherWith(2, 10);
    try {
      await own.verify(await argon2.hash(PASSWORD, ARGON2_PARAMS), PASSWORD);
      await own.dummyVerify(PASSWORD);
      expect(own.bcryptThreads).toBe(0);
      const hash = await bcrypt.hash(PASSWORD, 4);
      expect(await Promise.all([own.verify(hash, PASSWORD), own.verify(hash, 'x'), own.verify(hash, PASSWORD)])).toEqual([true, false, true]);
      expect(own.bcryptThreads).toBeGreaterThanOrEqual(1);
      expect(own.bcryptThreads).toBeLessThanOrEqual(2);
    } finally {
      await own.onModuleDestroy();
    }
  });

  // OpenWall crypt_blowfish test vectors, written by a C implementation, not by bcryptjs.
  it.each([
    ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
    ['U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK'],
    ['U*U*U', '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a'],
  ])('verifies the reference vector for %s as $2a$, $2b$ and $2y$', async (password, reference) => {
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const hash = prefix + reference.slice(4);
      expect(await hasher.verify(hash, password)).toBe(true);
      expect(await hasher.verify(hash, `${password}x`)).toBe(false);
    }
  });

  it('verifies a cost-10 $2y$ hash like the migrated ones', async () => {
    const hash = (await bcrypt.hash(PASSWORD, 10)).replace(/^\$2b\$/, '$2y$');
    expect(await hasher.verify(hash, PASSWORD)).toBe(true);
    expect(await hasher.verify(hash, 'wrong password 1')).toBe(false);
  });

  it.each([
    ['cost 99', `$2b$99$${'a'.repeat(53)}`],
    ['cost 03', `$2b$03$${'a'.repeat(53)}`],
  ])('a well-formed hash bcryptjs rejects (%s) is false, logged without the hash, and not timed', async (_, hash) => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await expect(hasher.verify(hash, PASSWORD)).resolves.toBe(false);
      expect(JSON.stringify(warn.mock.calls)).toContain('could not be parsed');
      expect(JSON.stringify(warn.mock.calls)).not.toContain('aaaa');
      expect(Object.keys(hasher.failureFloor.kinds)).not.toContain(`bcrypt$${hash.slice(4, 6)}`);
    } finally {
      warn.mockRestore();
    }
  });

  it('counts bcrypt verifies in the hash queue: one runs, one waits, the rest get AUTH_HASHER_BUSY', async () => {
    const busy = hasherWith(1, 1);
    try {
      const hash = await bcrypt.hash(PASSWORD, 4);
      const calls = [busy.verify(hash, PASSWORD), busy.verify(hash, 'wrong password 1'), busy.verify(hash, PASSWORD), busy.dummyVerify(PASSWORD)];
      expect(busy.load).toEqual({ running: 1, waiting: 1 });
      const settled = await Promise.allSettled(calls);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
      expect(settled.slice(0, 2).map((s) => (s as PromiseFulfilledResult<unknown>).value)).toEqual([true, false]);
      for (const s of settled.slice(2)) expect(((s as PromiseRejectedResult).reason as DomainError).code).toBe('AUTH_HASHER_BUSY');
      expect(busy.load).toEqual({ running: 0, waiting: 0 });
    } finally {
      await busy.onModuleDestroy();
    }
  });

  it('onModuleDestroy ends the threads: a compare in flight rejects instead of hanging, later ones reject', async () => {
    const own = hasherWith(1, 10);
    expect(await own.verify(randomBcrypt(4), PASSWORD)).toBe(false);
    expect(own.bcryptThreads).toBe(1);
    // Cost 14: far longer than the terminate takes, so it is still running.
    const inFlight = own.verify(randomBcrypt(14), PASSWORD);
    await own.onModuleDestroy();
    expect(own.bcryptThreads).toBe(0);
    await expect(inFlight).rejects.toThrow('bcrypt worker exited');
    await expect(own.verify(randomBcrypt(4), PASSWORD)).rejects.toThrow('closed');
    expect(own.load).toEqual({ running: 0, waiting: 0 });
  });

  it('closing the Nest module terminates the threads', async () => {
    const moduleRef = await Test.createTestingModule({ providers: [PasswordHasher, { provide: APP_CONFIG, useValue: configWith(2, 10) }] }).compile();
    await moduleRef.init();
    const own = moduleRef.get(PasswordHasher);
    expect(await own.verify(await bcrypt.hash(PASSWORD, 4), PASSWORD)).toBe(true);
    expect(own.bcryptThreads).toBe(1);
    await moduleRef.close();
    expect(own.bcryptThreads).toBe(0);
  });

  it('a pool reports its threads and rejects after destroy', async () => {
    const pool = new BcryptWorkerPool(2);
    expect(pool.threads).toBe(0);
    expect(await pool.compare('U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(true);
    expect(await pool.compare('U*U', `$2b$99$${'a'.repeat(53)}`)).toBe('unparsable');
    expect(pool.threads).toBe(1);
    await pool.destroy();
    expect(pool.threads).toBe(0);
    await expect(pool.compare('U*U', randomBcrypt(4))).rejects.toThrow('closed');
    expect(() => new BcryptWorkerPool(0)).toThrow(RangeError);
  });
});

describe('PasswordHasher: failure time floor', () => {
  it('times every kind of hash it verifies and sets the floor just above the slowest', async () => {
    const own = hasherWith(2, 10);
    try {
      expect(own.failureFloor).toEqual({ ms: 0, kinds: {} });
      await own.dummyVerify(PASSWORD);
      await own.verify(await bcrypt.hash(PASSWORD, 4), 'wrong password 1');
      await own.verify(randomBcrypt(6), PASSWORD);
      const { ms, kinds } = own.failureFloor;
      expect(Object.keys(kinds).sort()).toEqual(['$argon2id$v=19$m=19456,p=1,t=2', 'bcrypt$04', 'bcrypt$06']);
      expect(ms).toBeCloseTo(1.1 * Math.max(...Object.values(kinds)), 6);
    } finally {
      await own.onModuleDestroy();
    }
  });

  it('prime times a dummy argon2 verify and LEGACY_BCRYPT_COST, warming every thread', async () => {
    const own = new PasswordHasher(configWith(2, 10, 5));
    try {
      await own.prime();
      expect(Object.keys(own.failureFloor.kinds).sort()).toEqual(['$argon2id$v=19$m=19456,p=1,t=2', 'bcrypt$05']);
      expect(own.bcryptThreads).toBe(2);
      const bare = hasherWith(1, 10);
      await bare.prime();
      expect(Object.keys(bare.failureFloor.kinds)).toEqual(['$argon2id$v=19$m=19456,p=1,t=2']);
      expect(bare.bcryptThreads).toBe(0);
    } finally {
      await own.onModuleDestroy();
    }
  });

  it('a failure waits for the floor after giving its queue slot back', async () => {
    // One slot, nobody may wait: a call made while the slot is taken fails at once.
    const own = hasherWith(1, 0);
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      // Raise the floor to a cost-10 compare (100 ms or more).
      expect(await own.verify(randomBcrypt(10), PASSWORD)).toBe(false);
      let settled = false;
      const failing = own.verify('$2b$10$tooShort', PASSWORD).finally(() => (settled = true));
      await tick();
      await tick();
      expect(own.load).toEqual({ running: 0, waiting: 0 });
      expect(settled).toBe(false);
      expect(await own.verify(await bcrypt.hash(PASSWORD, 4), PASSWORD)).toBe(true);
      expect(await failing).toBe(false);
    } finally {
      warn.mockRestore();
      await own.onModuleDestroy();
    }
  });
});

describe('FailureTimeFloor', () => {
  it('is 0 until something is recorded, then 1.1 times the slowest of the last 8 samples of the slowest kind', () => {
    const floor = new FailureTimeFloor();
    expect(floor.ms).toBe(0);
    for (let ms = 1; ms <= 16; ms++) floor.record('a', ms);
    expect(floor.kinds).toEqual({ a: 16 });
    expect(floor.ms).toBeCloseTo(17.6, 9);
    floor.record('b', 40);
    expect(floor.ms).toBeCloseTo(44, 9);
  });

  it('keeps the last 8 samples of a kind and never forgets a kind', () => {
    const floor = new FailureTimeFloor();
    floor.record('slow', 100);
    for (let i = 0; i < 8; i++) floor.record('a', 1000);
    expect(floor.kinds).toEqual({ slow: 100, a: 1000 });
    for (let i = 0; i < 8; i++) floor.record('a', 10);
    expect(floor.kinds).toEqual({ slow: 100, a: 10 });
    expect(floor.ms).toBeCloseTo(110, 9);
  });

  it('scales a rarely seen kind with the reference kind, so the floor follows the load', () => {
    const floor = new FailureTimeFloor();
    for (let i = 0; i < 5; i++) floor.record('ref', 10, true);
    floor.record('legacy', 40); // 4 times the reference
    expect(floor.kinds).toEqual({ ref: 10, legacy: 40 });
    // The machine gets twice as slow: the reference shows it, the legacy kind has no new sample.
    for (let i = 0; i < 3; i++) floor.record('ref', 20, true);
    expect(floor.kinds).toEqual({ ref: 20, legacy: 80 });
    expect(floor.ms).toBeCloseTo(88, 9);
    // Faster again: the legacy kind's own last sample still holds the floor up.
    for (let i = 0; i < 5; i++) floor.record('ref', 5, true);
    expect(floor.kinds).toEqual({ ref: 20, legacy: 40 });
  });

  it('tracks at most 32 kinds', () => {
    const floor = new FailureTimeFloor();
    for (let i = 0; i < 40; i++) floor.record(`k${i}`, i);
    expect(Object.keys(floor.kinds)).toHaveLength(32);
    expect(floor.kinds.k39).toBeUndefined();
  });
});
