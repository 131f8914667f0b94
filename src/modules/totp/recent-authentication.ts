import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { PasswordCheck } from '../credentials/password-check';
import { lockedError, UserLockout } from '../credentials/user-lockout';
import { SessionsService } from '../sessions/sessions.service';
import type { UserRecord } from '../users/user.model';

/**
 * Proof, before a second factor is set up, that the caller is the account holder
 * now and not whoever holds a session left open or a stolen refresh token (ASVS
 * 3.7.1): the session passed a primary sign-in within REAUTH_MAX_AGE_MINUTES, or the
 * request carries the password. The sign-in time is the session's authenticated_at,
 * which refreshes never move; the access token's iat would not do, since every
 * refresh re-issues the token.
 */
@Injectable()
export class RecentAuthentication {
  constructor(
    private readonly sessions: SessionsService,
    private readonly passwords: PasswordCheck,
    private readonly lockout: UserLockout,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Passes, or throws REAUTH_REQUIRED (stale session, no password), AUTH_WRONG_PASSWORD
   * (counted towards the lockout) or AUTH_LOCKED. A password, when given, is always
   * checked, however fresh the session.
   */
  async assert(principal: Principal, user: UserRecord, password: string | undefined): Promise<void> {
    if (password) {
      await this.checkPassword(user, password);
      return;
    }
    await this.assertRecentSignIn(principal, 'sign in again, or send the current password in `password`');
  }

  /**
   * For changes that take no password (LinkOAuthProvider): passes when the session signed
   * in within REAUTH_MAX_AGE_MINUTES, else throws REAUTH_REQUIRED telling the caller `what`
   * to do.
   */
  async assertRecentSignIn(principal: Principal, what = 'sign in again'): Promise<void> {
    const maxAgeMinutes = this.config.sessions.reauthMaxAgeMinutes;
    const authenticatedAt = await this.sessions.authenticatedAt(principal.userId, principal.sessionId);
    if (authenticatedAt && this.clock.now().getTime() - authenticatedAt.getTime() <= maxAgeMinutes * 60_000) return;
    throw new DomainError('REAUTH_REQUIRED', `This session signed in more than ${maxAgeMinutes} minutes ago: ${what}`);
  }

  /** The password through the per-user lockout, like ChangePassword and DisableMfa. */
  private async checkPassword(user: UserRecord, password: string): Promise<void> {
    const judged = await this.lockout.judgeForUser(user, () => this.passwords.matches(user, password));
    if (judged.verdict === 'locked') throw lockedError(judged.lockout);
    if (judged.verdict === 'wrong') {
      throw new DomainError('AUTH_WRONG_PASSWORD', 'The password is incorrect', { violations: [{ field: 'password', description: 'is incorrect' }] });
    }
    // A right password of a user without a second factor (SetupMfa refuses the others)
    // is a full primary authentication: it clears the count, as a sign-in does.
    await this.lockout.clear(user);
  }
}
