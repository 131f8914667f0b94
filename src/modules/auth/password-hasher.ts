import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import * as argon2 from 'argon2';
import * as bcrypt from 'bcryptjs';
import { BoundedQueue } from '../../common/concurrency/bounded-queue';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

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

function schemeOf(hash: string): Scheme | null {
  if (/^\$argon2(id|i|d)\$/.test(hash)) return 'argon2';
  if (/^\$2[aby]\$/.test(hash)) return 'bcrypt';
  return null;
}

/** Concurrency used when config says 0 (auto). */
export function autoHashConcurrency(): number {
  return Math.max(1, Math.min(availableParallelism(), LIBUV_DEFAULT_POOL_SIZE - 1));
}

/**
 * Hashes and verifies passwords: argon2id for new hashes, argon2 and legacy bcrypt
 * hashes accepted on verify. Every hash and verify goes through one bounded queue,
 * since each running argon2 hash holds 19 MiB and a burst would otherwise grow memory
 * without limit; when the queue is full callers get AUTH_HASHER_BUSY.
 */
@Injectable()
export class PasswordHasher {
  private readonly logger = new Logger(PasswordHasher.name);
  private readonly queue: BoundedQueue;
  private dummyHash?: Promise<string>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { hashConcurrency, hashQueueMax } = config.signIn;
    this.queue = new BoundedQueue(
      hashConcurrency > 0 ? hashConcurrency : autoHashConcurrency(),
      hashQueueMax,
      () => new DomainError('AUTH_HASHER_BUSY', 'Too many sign-in attempts in progress, retry shortly', { retryAfterSeconds: 1 }),
    );
  }

  /** Hashes currently running and waiting, for metrics. */
  get load(): { running: number; waiting: number } {
    return { running: this.queue.running, waiting: this.queue.waiting };
  }

  /** A new argon2id PHC string with ARGON2_PARAMS. */
  hash(password: string): Promise<string> {
    return this.queue.run(() => argon2.hash(password, ARGON2_PARAMS));
  }

  /**
   * Whether `password` matches the stored `hash` (argon2 or bcrypt). A stored hash in
   * an unknown or corrupt format yields false rather than an error; the hash itself is
   * never logged.
   */
  async verify(hash: string, password: string): Promise<boolean> {
    const scheme = schemeOf(hash);
    if (!scheme) {
      this.logger.warn('Stored password hash has an unrecognised format');
      return false;
    }
    return this.queue.run(async () => {
      try {
        // bcryptjs accepts $2y$ (PHP's name for the same algorithm as $2b$) as is.
        return scheme === 'argon2' ? await argon2.verify(hash, password) : await bcrypt.compare(password, hash);
      } catch {
        this.logger.warn(`Stored ${scheme} password hash could not be parsed`);
        return false;
      }
    });
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
   * Spends the time of a real verify when there is no stored hash (unknown user), so
   * response time does not reveal whether an account exists. Always resolves unless
   * the queue is full: a busy error is the same for known and unknown users.
   */
  async dummyVerify(password: string): Promise<void> {
    await this.queue.run(async () => {
      try {
        await argon2.verify(await this.getDummyHash(), password);
      } catch {
        // Nothing depends on the outcome; only the time spent matters.
      }
    });
  }

  // Cached as a promise so concurrent first calls share one computation; reset on
  // failure so a transient error is not cached for the life of the process.
  private getDummyHash(): Promise<string> {
    this.dummyHash ??= argon2.hash(randomBytes(16).toString('base64'), ARGON2_PARAMS).catch((err: unknown) => {
      this.dummyHash = undefined;
      throw err;
    });
    return this.dummyHash;
  }
}
