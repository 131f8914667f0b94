import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { UserRecord } from '../users/user.model';
import type { LockoutDetails } from './auth.model';
import { LoginAttemptsRepository, type AttemptState } from './login-attempts.repository';

/**
 * The lockout keys of a user: the same `kind:value` strings sign-in counts under
 * (Authenticate by email or phone, SignInWithRoblox by Roblox user id).
 */
export function identifierKeysOf(user: Pick<UserRecord, 'email' | 'phone'> & Partial<Pick<UserRecord, 'robloxUserId'>>): string[] {
  const keys: string[] = [];
  if (user.email) keys.push(`email:${user.email}`);
  if (user.phone) keys.push(`phone:${user.phone}`);
  if (user.robloxUserId) keys.push(robloxLockoutKey(user.robloxUserId));
  return keys;
}

/** The lockout key of SignInWithRoblox with a password. */
export function robloxLockoutKey(robloxUserId: string): string {
  return `roblox:${robloxUserId}`;
}

/**
 * The one lockout policy (MAX_FAILED_LOGIN_ATTEMPTS / LOCKOUT_DURATION_MINUTES) over
 * login_attempts: per key for sign-in, and per user (every key of the user) for wrong
 * passwords at ChangePassword and DisableMfa and wrong MFA codes, so someone who knows
 * the password cannot guess codes faster than the lockout allows.
 */
@Injectable()
export class UserLockout {
  constructor(
    private readonly attempts: LoginAttemptsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    sweeper: ExpirySweeper,
  ) {
    // A counter with no lock in force and no failure for a lockout window would restart at 1 anyway.
    sweeper.register({
      name: 'sign-in failure counters',
      sweep: (now, batch) => this.attempts.deleteStale(now, new Date(now.getTime() - this.lockoutMs()), batch),
    });
  }

  /** The lock in force on one key, or null. */
  async lockOfKey(key: string): Promise<LockoutDetails | null> {
    return this.lockoutOf(await this.attempts.find(key));
  }

  /** Counts one failure under one key; the lock in force afterwards, if any. */
  async recordKeyFailure(key: string): Promise<LockoutDetails | null> {
    return this.lockoutOf(await this.attempts.recordFailure(key, this.clock.now(), this.config.signIn.maxFailedAttempts, this.lockoutMs()));
  }

  /** The lock on any of the user's identifiers, or null. */
  async lockOf(user: UserRecord): Promise<LockoutDetails | null> {
    for (const key of identifierKeysOf(user)) {
      const locked = await this.lockOfKey(key);
      if (locked) return locked;
    }
    return null;
  }

  /** Counts one failure under each identifier; the lock it caused, if any. */
  async recordFailure(user: UserRecord): Promise<LockoutDetails | null> {
    let locked: LockoutDetails | null = null;
    for (const key of identifierKeysOf(user)) locked = (await this.recordKeyFailure(key)) ?? locked;
    return locked;
  }

  async clear(user: Pick<UserRecord, 'email' | 'phone'> & Partial<Pick<UserRecord, 'robloxUserId'>>): Promise<void> {
    await this.attempts.clear(identifierKeysOf(user));
  }

  async clearKey(key: string): Promise<void> {
    await this.attempts.clear([key]);
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
