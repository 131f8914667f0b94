import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import type { Principal } from '../../common/auth/principal';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { Db } from '../../database/db';
import { AccountMailService } from '../account-mail/account-mail.service';
import { SessionsService } from '../sessions/sessions.service';
import type { DeviceInfo } from '../sessions/session.model';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import type { AuthOutcome } from '../tokens/auth-outcome.model';
import type { IdentifierType } from '../../common/grpc/enums';
import { normalizeIdentifier } from '../credentials/identifier';
import { lockedError, UserLockout } from '../credentials/user-lockout';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordPolicy } from '../credentials/password-policy';
import { PasswordCheck } from '../credentials/password-check';
import { PasswordSignIn } from './password-sign-in';
import { TokenIssuer } from '../tokens/token-issuer';

export interface Credentials {
  readonly identifier: string;
  readonly identifierType?: IdentifierType;
  readonly password: string;
}

export interface SignUpInput extends Credentials {
  readonly displayName?: string;
  readonly locale?: string;
  readonly timezone?: string;
}

/** Sign-up, sign-in, password change: the credential use cases of auth.v1.AuthService. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersRepository,
    private readonly lockout: UserLockout,
    private readonly hasher: PasswordHasher,
    private readonly issuer: TokenIssuer,
    private readonly sessions: SessionsService,
    private readonly passwords: PasswordSignIn,
    private readonly passwordCheck: PasswordCheck,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Db,
    private readonly accountMail: AccountMailService,
    private readonly passwordPolicy: PasswordPolicy,
    private readonly activeUsers: UsersService,
  ) {}

  /**
   * Creates the user and profile together and signs in. With
   * SIGNUP_REQUIRE_VERIFICATION the answer is PENDING whether or not the
   * identifier was taken, so sign-up cannot be used to probe for accounts.
   */
  async signUp(input: SignUpInput, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    const id = normalizeIdentifier(input.identifier, input.identifierType ?? 'IDENTIFIER_TYPE_UNSPECIFIED');
    this.passwordPolicy.assert(input.password, id.value);
    const pending = this.config.signIn.signupRequireVerification;
    const passwordHash = await this.hasher.hash(input.password);
    let user: UserRecord;
    try {
      // The welcome mail (with its verification token) commits with the user or not at all.
      user = await this.db.transaction(async () => {
        const created = await this.users.create({
          [id.kind]: id.value,
          passwordHash,
          status: pending ? 'pending' : 'active',
          displayName: input.displayName?.trim() ?? '',
          locale: input.locale,
          timezone: input.timezone,
        });
        await this.accountMail.queueWelcomeVerification(created, pending ? device.installationId : null);
        return created;
      });
    } catch (e) {
      if (pending && e instanceof DomainError && e.code === 'USER_IDENTIFIER_TAKEN') {
        if (id.kind === 'email') await this.resendVerificationIfPending(id.value, passwordHash, device.installationId);
        return { status: 'PENDING' };
      }
      throw e;
    }
    if (pending) return { status: 'PENDING' };
    return { status: 'SUCCESS', tokens: await this.issuer.issue(user, device, ip), user };
  }

  /**
   * A pending account cannot sign in to ask for a new link, so signing up again
   * with its address mails a fresh one (the first may have expired). The answer
   * is PENDING either way: nothing tells the caller which case it was.
   */
  private async resendVerificationIfPending(email: string, passwordHash: string, installationId: string): Promise<void> {
    await this.db.transaction(async () => {
      const existing = await this.users.findByIdentifier('email', email);
      if (existing?.status !== 'pending' || existing.emailVerified) return;
      // The latest sign-up's password replaces the pending one, so an owner who signs up
      // after a squatter can keep their own by entering it when confirming; verification
      // drops a pending password nobody proved (EmailVerificationService: pre-hijacking).
      // Conditional: the owner may have verified meanwhile, and that account keeps its state.
      if (!(await this.users.replacePendingPasswordHash(existing.id, passwordHash))) return;
      await this.accountMail.queueVerification(existing, installationId);
    });
  }

  /**
   * Every failure (unknown identifier, wrong password, no password, inactive
   * account) answers FAILED with the same message and about the same time;
   * failures count per identifier, known or not (PasswordSignIn).
   */
  async authenticate(credentials: Credentials, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    const id = normalizeIdentifier(credentials.identifier, credentials.identifierType ?? 'IDENTIFIER_TYPE_UNSPECIFIED');
    return this.passwords.signIn(`${id.kind}:${id.value}`, () => this.users.findByIdentifier(id.kind, id.value), credentials.password, device, ip);
  }

  /**
   * Verifies the current password (failures count towards the lockout of every key
   * of the user, and LOCKED answers without looking at the password), sets the new
   * one, ends every other session.
   */
  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.activeUsers.getActiveUser(principal.userId);
    const judged = await this.lockout.judgeForUser(user, () => this.passwordCheck.matches(user, currentPassword));
    if (judged.verdict === 'locked') throw lockedError(judged.lockout);
    if (judged.verdict === 'wrong') {
      throw new DomainError('AUTH_WRONG_PASSWORD', 'The current password is incorrect', {
        violations: [{ field: 'currentPassword', description: 'is incorrect' }],
      });
    }
    try {
      this.passwordPolicy.assert(newPassword, user.email ?? user.phone ?? undefined, 'newPassword');
      const passwordHash = await this.hasher.hash(newPassword);
      const revoked = await this.db.transaction(async () => {
        await this.users.updatePasswordHash(user.id, passwordHash);
        await this.lockout.clear(user);
        await this.accountMail.queuePasswordChanged(user);
        return this.sessions.revokeAllExcept(user.id, principal.sessionId);
      });
      this.logger.log(`Password changed; ${revoked} other session(s) revoked`);
    } catch (e) {
      // The current password was right: a rejected new one does not count as a failure.
      await this.lockout.release(judged.attempt);
      throw e;
    }
  }

  /**
   * ValidateCredentials: the session must still exist and its user be active.
   * One statement checks both and reads the snapshot, so the handler can skip
   * the guard's separate session look-up (it is marked @ReadOnly for that).
   */
  async validateSession(principal: Principal): Promise<UserRecord> {
    const user = await this.sessions.findLiveOwner(principal.sessionId, principal.userId);
    if (!user || user.status === 'deleted') throw new DomainError('AUTH_SESSION_REVOKED', 'Invalid or expired access token');
    if (user.status !== 'active') throw new DomainError('AUTH_ACCOUNT_INACTIVE', 'The account is not active');
    return user;
  }

}
