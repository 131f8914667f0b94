import { availableParallelism } from 'node:os';
import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import * as argon2 from 'argon2';
import type { Gauge, Histogram } from 'prom-client';
import { BoundedQueue } from '../../common/concurrency/bounded-queue';
import { DomainError } from '../../common/errors/domain-error';
import { PASSWORD_HASH_QUEUE_DEPTH, PASSWORD_HASH_QUEUE_WAIT } from '../../common/observability/operator-metrics';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { BcryptWorkerPool } from './bcrypt-worker-pool';
import { FailureTimeFloor } from './failure-time-floor';

/** OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_PARAMS = Object.freeze({
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

const REHASH_OPTIONS = {
  memoryCost: ARGON2_PARAMS.memoryCost,
  timeCost: ARGON2_PARAMS.timeCost,
  parallelism: ARGON2_PARAMS.parallelism,
};

// libuv's default pool size. argon2 hashes run on that pool, which dns.lookup, fs and
// zlib share; one thread stays free for them so a login burst cannot stall DB reconnects.
// The pool size is not read from UV_THREADPOOL_SIZE (only config/ reads the environment):
// whoever enlarges the pool sets HASH_CONCURRENCY too.
const LIBUV_DEFAULT_POOL_SIZE = 4;

type Scheme = 'argon2' | 'bcrypt';

// A complete argon2id PHC string: version, parameters, salt and hash all present.
const ARGON2ID_PHC = /^\$argon2id\$v=\d+\$[^$]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

// A complete bcrypt hash: prefix, two-digit cost, 22 characters of salt and 31 of hash.
// $2a$ and $2y$ (PHP's name) are the same algorithm as $2b$ for passwords under 255 bytes.
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function schemeOf(hash: string): Scheme | null {
  if (/^\$argon2(id|i|d)\$/.test(hash)) return 'argon2';
  if (/^\$2[aby]\$/.test(hash)) return 'bcrypt';
  return null;
}

/**
 * What sets a hash's verify time, as a key for the failure floor: the argon2 variant and
 * parameters (the PHC string without salt and hash), or the bcrypt cost.
 */
function kindOf(hash: string): string {
  const bcryptCost = BCRYPT_HASH.exec(hash)?.[1];
  if (bcryptCost) return `bcrypt$${bcryptCost}`;
  return hash.slice(0, hash.lastIndexOf('$', hash.lastIndexOf('$') - 1));
}

/** A well-formed bcrypt hash of nothing anyone knows, to time a compare at `cost`. */
function dummyBcryptHash(cost: number): string {
  const body = Array.from({ length: 53 }, () => BCRYPT_ALPHABET[randomInt(BCRYPT_ALPHABET.length)]).join('');
  return `$2b$${String(cost).padStart(2, '0')}$${body}`;
}

/** Concurrency used when config says 0 (auto). */
export function autoHashConcurrency(): number {
  return Math.max(1, Math.min(availableParallelism(), LIBUV_DEFAULT_POOL_SIZE - 1));
}

/**
 * Hashes and verifies passwords: argon2id for new hashes, argon2 and legacy bcrypt
 * hashes accepted on verify. Every hash and verify goes through one bounded queue,
 * since each running argon2 hash holds 19 MiB and a burst would otherwise grow memory
 * without limit; when the queue is full callers get AUTH_HASHER_BUSY. argon2 runs on
 * libuv's pool, bcrypt on a pool of worker threads of the queue's size: neither runs
 * on the event loop.
 *
 * Every failed check (wrong password, unknown user via dummyVerify, unusable stored
 * hash) is held to one floor just above the slowest kind of hash in use
 * (FailureTimeFloor), so that the time of a failure does not tell which kind of hash,
 * if any, the account has: a legacy bcrypt compare at cost 10 to 12 takes 2 to 9 times
 * as long as our argon2id (BENCHMARKS.md).
 * Successes are not held: a right password is revealed by the answer anyway. The
 * wait happens after the queue slot is given back, so it costs neither CPU nor
 * hashing capacity.
 */
@Injectable()
export class PasswordHasher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PasswordHasher.name);
  private readonly queue: BoundedQueue;
  private readonly bcryptPool: BcryptWorkerPool;
  private readonly floor = new FailureTimeFloor();
  private readonly legacyBcryptCost: number;
  private dummyHash?: Promise<string>;
  /** The kind (see kindOf) of the hashes this service writes, once the dummy hash exists: the floor's reference. */
  private currentKind?: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    // Optional: the CLI (and unit tests) build the hasher without the observability module.
    @Optional() @InjectMetric(PASSWORD_HASH_QUEUE_DEPTH) depth?: Gauge,
    @Optional() @InjectMetric(PASSWORD_HASH_QUEUE_WAIT) private readonly waitSeconds?: Histogram,
  ) {
    const { hashConcurrency, hashQueueMax, legacyBcryptCost } = config.signIn;
    const concurrency = hashConcurrency > 0 ? hashConcurrency : autoHashConcurrency();
    this.queue = new BoundedQueue(
      concurrency,
      hashQueueMax,
      () => new DomainError('AUTH_HASHER_BUSY', 'Too many sign-in attempts in progress, retry shortly', { retryAfterSeconds: 1 }),
    );
    // The queue admits `concurrency` hashes at once, so this many threads never make a compare wait.
    this.bcryptPool = new BcryptWorkerPool(concurrency);
    // Unit tests build a partial config; absent means none.
    this.legacyBcryptCost = legacyBcryptCost ?? 0;
    // Read when /metrics is scraped: no work per hash.
    if (depth) {
      Object.assign(depth, {
        collect: () => {
          depth.set({ state: 'running' }, this.queue.running);
          depth.set({ state: 'waiting' }, this.queue.waiting);
        },
      });
    }
  }

  /** A hashing slot of the bounded queue, with the time waited for it observed. */
  private inSlot<T>(fn: () => Promise<T>): Promise<T> {
    const waitSeconds = this.waitSeconds;
    if (!waitSeconds) return this.queue.run(fn);
    const queuedAt = performance.now();
    return this.queue.run(() => {
      waitSeconds.observe((performance.now() - queuedAt) / 1000);
      return fn();
    });
  }

  /** Hashes currently running and waiting, for metrics. */
  get load(): { running: number; waiting: number } {
    return { running: this.queue.running, waiting: this.queue.waiting };
  }

  /** Worker threads running bcrypt compares (they start on the first one), for metrics and tests. */
  get bcryptThreads(): number {
    return this.bcryptPool.threads;
  }

  /** How long a failed check takes at least, in ms, and the estimated verify time per kind of hash it comes from. */
  get failureFloor(): { ms: number; kinds: Record<string, number> } {
    return { ms: this.floor.ms, kinds: this.floor.kinds };
  }

  // Not awaited: readiness should not wait a bcrypt compare. Until priming is done the
  // floor holds only what real traffic has shown.
  onApplicationBootstrap(): void {
    this.prime().catch((e: unknown) => {
      this.logger.warn(`Could not prime the failure time floor: ${e instanceof Error ? e.message : 'unknown error'}`);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.bcryptPool.destroy();
  }

  /**
   * Times one dummy argon2 verify and, with LEGACY_BCRYPT_COST set, one bcrypt compare
   * at that cost, so the failure floor covers the slowest stored hash from the first
   * sign-in on rather than from the first sign-in of a legacy user.
   */
  async prime(): Promise<void> {
    const password = randomBytes(16).toString('base64');
    await this.dummyVerify(password);
    if (this.legacyBcryptCost <= 0) return;
    // bcrypt's lowest cost is 4. The first compare on a fresh thread includes its start
    // and runs before the JIT has warmed up, so every thread gets one that the floor
    // leaves out; otherwise the first legacy sign-in on a cold thread would stand out.
    const dummy = dummyBcryptHash(Math.max(4, this.legacyBcryptCost));
    await Promise.all(Array.from({ length: this.bcryptPool.size }, () => this.inSlot(() => this.bcryptPool.compare(password, dummy))));
    await this.verify(dummy, password);
  }

  /** A new argon2id PHC string with ARGON2_PARAMS. */
  hash(password: string): Promise<string> {
    return this.inSlot(() => argon2.hash(password, ARGON2_PARAMS));
  }

  /**
   * Whether `password` matches the stored `hash` (argon2 or bcrypt). A stored hash in
   * an unknown or corrupt format yields false rather than an error; the hash itself is
   * never logged. A false comes no sooner than the failure floor.
   */
  async verify(hash: string, password: string): Promise<boolean> {
    const scheme = schemeOf(hash);
    if (!scheme) {
      this.logger.warn('Stored password hash has an unrecognised format');
      await this.holdFailure(performance.now());
      return false;
    }
    let started = performance.now();
    const matched = await this.inSlot(async () => {
      started = performance.now();
      const outcome = scheme === 'argon2' ? await this.argon2Verify(hash, password) : await this.bcryptCompare(hash, password);
      if (outcome === 'unparsable') {
        this.logger.warn(`Stored ${scheme} password hash could not be parsed`);
        return false;
      }
      const kind = kindOf(hash);
      this.floor.record(kind, performance.now() - started, kind === this.currentKind);
      return outcome;
    });
    if (!matched) await this.holdFailure(started);
    return matched;
  }

  /** True unless `hash` is argon2id with exactly the current parameters. */
  needsRehash(hash: string): boolean {
    if (!ARGON2ID_PHC.test(hash)) return true;
    try {
      return argon2.needsRehash(hash, REHASH_OPTIONS);
    } catch {
      return true;
    }
  }

  /**
   * Spends the time of a failed verify when there is no stored hash (unknown user), so
   * response time does not reveal whether an account exists. Always resolves unless
   * the queue is full: a busy error is the same for known and unknown users.
   */
  async dummyVerify(password: string): Promise<void> {
    let started = performance.now();
    await this.inSlot(async () => {
      started = performance.now();
      try {
        const dummy = await this.getDummyHash();
        const verifyStarted = performance.now();
        await argon2.verify(dummy, password);
        this.floor.record(kindOf(dummy), performance.now() - verifyStarted, true);
      } catch {
        // Nothing depends on the outcome; only the time spent matters.
      }
    });
    await this.holdFailure(started);
  }

  // Measured from when the verify got its queue slot: the wait for the slot is the same
  // whatever the account, and sleeping here, after the slot is released, keeps a flood of
  // wrong passwords from holding hashing capacity while it waits.
  private async holdFailure(started: number): Promise<void> {
    const remaining = started + this.floor.ms - performance.now();
    if (remaining > 0) await sleep(remaining);
  }

  private async argon2Verify(hash: string, password: string): Promise<boolean | 'unparsable'> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return 'unparsable';
    }
  }

  // Checked here so that a malformed hash neither reaches a thread nor adds a bogus
  // (near zero) sample to the floor. A pool failure (a thread died) is an error, not a
  // wrong password: it propagates, so the lockout gives the attempt back.
  private async bcryptCompare(hash: string, password: string): Promise<boolean | 'unparsable'> {
    if (!BCRYPT_HASH.test(hash)) return 'unparsable';
    return this.bcryptPool.compare(password, hash);
  }

  // Cached as a promise so concurrent first calls share one computation; reset on
  // failure so a transient error is not cached for the life of the process.
  private getDummyHash(): Promise<string> {
    this.dummyHash ??= argon2.hash(randomBytes(16).toString('base64'), ARGON2_PARAMS).then(
      (dummy) => {
        this.currentKind = kindOf(dummy);
        return dummy;
      },
      (err: unknown) => {
        this.dummyHash = undefined;
        throw err;
      },
    );
    return this.dummyHash;
  }
}
