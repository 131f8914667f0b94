import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { LockoutDetails } from '../auth/auth.model';
import { identifierKeysOf } from '../auth/auth.service';
import { LoginAttemptsRepository, type AttemptState } from '../auth/login-attempts.repository';
import type { UserRecord } from '../users/user.model';

/**
 * Wrong MFA codes and wrong passwords at DisableMfa count towards the sign-in
 * lockout (MAX_FAILED_LOGIN_ATTEMPTS / LOCKOUT_DURATION_MINUTES) under every
 * identifier of the user, exactly like wrong passwords at Authenticate: someone
 * who knows the password cannot guess codes faster than the lockout allows.
 */
@Injectable()
export class MfaLockout {
  constructor(
    private readonly attempts: LoginAttemptsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The lock on any of the user's identifiers, or null. */
  async lockOf(user: UserRecord): Promise<LockoutDetails | null> {
    for (const key of identifierKeysOf(user)) {
      const locked = this.detailsOf(await this.attempts.find(key));
      if (locked) return locked;
    }
    return null;
  }

  /** Counts one failure under each identifier; the lock it caused, if any. */
  async recordFailure(user: UserRecord): Promise<LockoutDetails | null> {
    let locked: LockoutDetails | null = null;
    const lockoutMs = this.config.signIn.lockoutMinutes * 60_000;
    for (const key of identifierKeysOf(user)) {
      const state = await this.attempts.recordFailure(key, this.clock.now(), this.config.signIn.maxFailedAttempts, lockoutMs);
      locked ??= this.detailsOf(state);
    }
    return locked;
  }

  async clear(user: UserRecord): Promise<void> {
    await this.attempts.clear(identifierKeysOf(user));
  }

  private detailsOf(state: AttemptState | null): LockoutDetails | null {
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
