import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import { AUTH_LOCKOUTS } from '../../common/observability/operator-metrics';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { UserRecord } from '../users/user.model';
import type { LockoutDetails } from './lockout.model';
import { LoginAttemptsRepository, type AttemptState } from './login-attempts.repository';

type LockoutSubject = Pick<UserRecord, 'email' | 'phone'> & Partial<Pick<UserRecord, 'id' | 'robloxUserId'>>;

/**
 * The lockout keys of a user: the same `kind:value` strings sign-in counts under
 * (Authenticate by email or phone, SignInWithRoblox by Roblox user id), plus the
 * user id, so an account without any of those identifiers is still counted.
 */
export function identifierKeysOf(user: LockoutSubject): string[] {
  const keys: string[] = [];
  if (user.email) keys.push(`email:${user.email}`);
  if (user.phone) keys.push(`phone:${user.phone}`);
  if (user.robloxUserId) keys.push(robloxLockoutKey(user.robloxUserId));
  if (user.id) keys.push(accountLockoutKey(user.id));
  return keys;
}

/**
 * The lockout key of an account: a failed sign-in by any of its identifiers counts
 * here as well as under the identifier, so knowing three identifiers of one account
 * does not give three times the guesses.
 */
export function accountLockoutKey(userId: string): string {
  return `user:${userId}`;
}

/** The lockout key of SignInWithRoblox with a password. */
export function robloxLockoutKey(robloxUserId: string): string {
  return `roblox:${robloxUserId}`;
}

/** An attempt that was let through and judged right: the caller clears the count or gives the attempt back. */
export interface ReservedAttempt {
  readonly keys: readonly string[];
}

/** How a guarded guess (password, TOTP or recovery code) came out. */
export type Judgement =
  /** Locked: the guess was not looked at. */
  | { readonly verdict: 'locked'; readonly lockout: LockoutDetails }
  /** Wrong, and already counted; `lockout` when this failure reached the threshold. */
  | { readonly verdict: 'wrong'; readonly lockout: LockoutDetails | null }
  | { readonly verdict: 'right'; readonly attempt: ReservedAttempt };

/** The error of an RPC that needs the password or a code again while the user is locked out. */
export function lockedError(lockout: LockoutDetails): DomainError {
  return new DomainError('AUTH_LOCKED', 'Too many failed attempts; try again later', { retryAfterSeconds: lockout.retryAfterSeconds });
}

/** Refusals in a row that find no lock before giving up (the lock was lifted between two statements each time). */
const MAX_RESERVE_TRIES = 3;

/**
 * The one lockout policy (MAX_FAILED_LOGIN_ATTEMPTS / LOCKOUT_DURATION_MINUTES) over
 * login_attempts: for sign-in per identifier key and, when the identifier belongs to
 * an account, per account key too (`user:<id>`, one counter for all its identifiers);
 * per user (every key of the user) for the password at ChangePassword and DisableMfa
 * and for MFA codes, so someone who knows the password cannot guess codes faster than
 * the lockout allows.
 *
 * Every guess is judged inside `judge`: the attempt is counted as a failure before
 * the guess is looked at, in one statement over all its keys, and refused when a key is locked.
 * So however many guesses run at once, at most the threshold of them are judged in a
 * lockout window; the threshold-th sets the lock and every later one answers LOCKED
 * unjudged, even when it carries the right answer. A right answer then clears the
 * count, or gives its own attempt back.
 */
@Injectable()
export class UserLockout {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly attempts: LoginAttemptsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    sweeper: ExpirySweeper,
    // Optional: the CLI builds its modules without the observability module.
    @Optional() @InjectMetric(AUTH_LOCKOUTS) private readonly lockouts?: Counter,
  ) {
    // A counter with no lock in force and no failure for a lockout window would restart at 1 anyway.
    sweeper.register({
      name: 'sign-in failure counters',
      sweep: (now, batch) => this.attempts.deleteStale(now, new Date(now.getTime() - this.lockoutMs()), batch),
    });
  }

  /**
   * Judges a password sign-in by an identifier: under its key and, when `account` (the
   * identifier's owner) is known, under the account key as well, both reserved in one
   * statement (rows locked in one sorted order), so a burst spread over all the
   * identifiers of one account is judged at most the threshold times in all.
   *
   * An unknown identifier has only its own key. A burst against one identifier moves
   * its key and its account key in step (they are reserved and locked together), so
   * the FAILED / LOCKED answers and lockout_info are those of an unknown identifier:
   * LOCKED still reveals nothing about whether an account exists.
   */
  judgeSignIn(key: string, account: Pick<UserRecord, 'id'> | null, check: () => Promise<boolean>): Promise<Judgement> {
    return this.judge(account ? [key, accountLockoutKey(account.id)] : [key], check);
  }

  /** Judges a guess about the user (password re-entry, MFA code) under every key of the user. */
  judgeForUser(user: UserRecord, check: () => Promise<boolean>): Promise<Judgement> {
    return this.judge(identifierKeysOf(user), check);
  }

  /**
   * Gives back the attempt of a right answer that must not reset the count (the
   * password of an MFA user) or that could not be completed, lifting the lock the
   * attempt itself may have set.
   */
  async release(attempt: ReservedAttempt): Promise<void> {
    await this.attempts.release(attempt.keys, this.config.signIn.maxFailedAttempts);
  }

  /**
   * Lifts the lock and the count of every key of the user (and of `alsoKeys`). After a
   * successful sign-in every identifier's count goes, not just the one signed in with:
   * they all fed the one account count the owner has just reset.
   */
  async clear(user: LockoutSubject, ...alsoKeys: string[]): Promise<void> {
    await this.attempts.clear([...new Set([...identifierKeysOf(user), ...alsoKeys])]);
  }

  private async judge(keys: readonly string[], check: () => Promise<boolean>): Promise<Judgement> {
    for (let tries = 1; ; tries++) {
      const states = await this.attempts.reserve(keys, this.clock.now(), this.config.signIn.maxFailedAttempts, this.lockoutMs());
      if (states) return this.judgeReserved(keys, states, check);
      const locked = await this.lockOfKeys(keys);
      if (locked) return { verdict: 'locked', lockout: locked };
      // Refused, yet no lock by now: it was lifted in between. Try again; refuse in the end.
      if (tries === MAX_RESERVE_TRIES) return { verdict: 'locked', lockout: this.freshLock() };
    }
  }

  private async judgeReserved(keys: readonly string[], states: AttemptState[], check: () => Promise<boolean>): Promise<Judgement> {
    let right: boolean;
    try {
      right = await check();
    } catch (e) {
      // Not judged (hasher busy, database error): the attempt is given back. Inside a
      // transaction that is failing anyway this may fail too; the rollback undoes it.
      await this.attempts.release(keys, this.config.signIn.maxFailedAttempts).catch((err: unknown) => {
        this.logger.warn(`Could not give back an unjudged attempt: ${err instanceof Error ? err.message : 'unknown error'}`);
      });
      throw e;
    }
    if (right) return { verdict: 'right', attempt: { keys } };
    // This wrong guess was the threshold-th on a key: it imposed the lock.
    if (states.some((s) => s.lockedUntil && s.failedAttempts === this.config.signIn.maxFailedAttempts)) this.lockouts?.inc();
    return { verdict: 'wrong', lockout: this.latestLock(states) };
  }

  /** The lock in force on any of the keys (the one that ends last), or null. */
  private async lockOfKeys(keys: readonly string[]): Promise<LockoutDetails | null> {
    // One query however many keys: a known identifier (two keys) answers LOCKED as fast as an unknown one.
    return this.latestLock(await this.attempts.findAll(keys));
  }

  /** A full lockout window from now. */
  private freshLock(): LockoutDetails {
    const { maxFailedAttempts } = this.config.signIn;
    const lockedUntil = new Date(this.clock.now().getTime() + this.lockoutMs());
    return { failedAttempts: maxFailedAttempts, maxAttempts: maxFailedAttempts, lockedUntil, retryAfterSeconds: Math.ceil(this.lockoutMs() / 1000) };
  }

  private latestLock(states: readonly (AttemptState | null)[]): LockoutDetails | null {
    let latest: LockoutDetails | null = null;
    for (const state of states) {
      const lock = this.lockoutOf(state);
      if (lock && (!latest || lock.lockedUntil > latest.lockedUntil)) latest = lock;
    }
    return latest;
  }

  private lockoutMs(): number {
    return this.config.signIn.lockoutMinutes * 60_000;
  }

  private lockoutOf(state: AttemptState | null): LockoutDetails | null {
    const now = this.clock.now().getTime();
    if (!state?.lockedUntil || state.lockedUntil.getTime() <= now) return null;
    return {
      failedAttempts: state.failedAttempts,
      maxAttempts: this.config.signIn.maxFailedAttempts,
      lockedUntil: state.lockedUntil,
      retryAfterSeconds: Math.ceil((state.lockedUntil.getTime() - now) / 1000),
    };
  }
}
