import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { hashOpaqueToken } from '../../common/crypto/opaque-token';
import { DomainError } from '../../common/errors/domain-error';
import type { VerificationType } from '../../common/grpc/enums';
import { Db } from '../../database/db';
import type { IssuedTokens } from '../tokens/auth-outcome.model';
import { PasswordHasher } from '../credentials/password-hasher';
import { TokenIssuer } from '../tokens/token-issuer';
import type { DeviceInfo } from '../sessions/session.model';
import { SessionsService } from '../sessions/sessions.service';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { AccountMailService } from '../account-mail/account-mail.service';
import { RecoveryTokensRepository } from '../account-mail/recovery-tokens.repository';

/** The answer of ConfirmVerification: the verified user, and tokens unless a second factor is still owed. */
export interface VerificationOutcome {
  readonly user: UserRecord;
  readonly tokens?: IssuedTokens;
}

/** What the link route redirects with (`status=error&code=...`). */
export type VerificationLinkResult = 'success' | 'invalid_token' | 'expired_token' | 'account_suspended';

/**
 * RequestVerification, ConfirmVerification and the verification link.
 *
 * A pending account (SIGNUP_REQUIRE_VERIFICATION) holds the password of whoever
 * signed up with the address, which proves nothing about who owns it: an attacker
 * can sign up with someone else's address, and the owner (or the owner's mail
 * scanner) then uses the link. So verifying a pending account keeps its password only
 * when the request that uses the link also proves knowledge of it (the `password`
 * field of the confirmation page), or when ConfirmVerification comes from the app
 * installation whose sign-up set that password and asked for the link (the link is
 * bound to it; whoever squatted the address never receives the link, and the owner's
 * installation is another one); otherwise the account is activated without a
 * password (and without sessions) and its owner chooses one through recovery.
 */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger('EmailVerification');

  constructor(
    private readonly db: Db,
    private readonly users: UsersRepository,
    private readonly tokens: RecoveryTokensRepository,
    private readonly accountMail: AccountMailService,
    private readonly activeUsers: UsersService,
    private readonly issuer: TokenIssuer,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly clock: Clock,
  ) {}

  /**
   * Queues a new verification link for the signed-in user; earlier links stop
   * working. FAILED_PRECONDITION without an email or when it is already verified.
   */
  async request(principal: Principal, type: VerificationType | undefined): Promise<void> {
    assertEmailChannel(type);
    const user = await this.activeUsers.getActiveUser(principal.userId);
    if (!user.email) throw new DomainError('VERIFICATION_NO_EMAIL', 'The account has no email address to verify');
    if (user.emailVerified) throw new DomainError('VERIFICATION_ALREADY_DONE', 'The email address is already verified');
    await this.accountMail.queueVerification(user);
  }

  /**
   * Uses the token up, marks the address verified, activates a pending user and
   * signs in on the given device. With two-factor authentication on, the answer
   * carries no tokens: a mailbox alone must not get past the second factor.
   * A pending user keeps its sign-up password only when the link was asked for by a
   * sign-up from this same installation (the one that chose that password).
   */
  async confirm(token: string, type: VerificationType | undefined, device: DeviceInfo, ip: string): Promise<VerificationOutcome> {
    assertEmailChannel(type);
    const user = await this.verify(token, null, device.installationId);
    if (user.mfaEnabled) return { user };
    await this.users.recordLogin(user.id, this.clock.now());
    return { user, tokens: await this.issuer.issue(user, device, ip) };
  }

  /**
   * The button of the link's confirmation page: the same as confirm() without
   * signing in, reduced to what the redirect says. `password`, when it is the one
   * the pending account was signed up with, is kept; any other value is ignored.
   */
  async confirmLink(token: string | undefined, password: string | undefined): Promise<VerificationLinkResult> {
    if (!token) return 'invalid_token';
    try {
      await this.verify(token, password ? await this.provenPendingPassword(token, password) : null);
      return 'success';
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      switch (e.code) {
        case 'VERIFICATION_TOKEN_EXPIRED': return 'expired_token';
        case 'AUTH_ACCOUNT_INACTIVE': return 'account_suspended';
        case 'VERIFICATION_TOKEN_INVALID':
        case 'VALIDATION_FAILED': return 'invalid_token';
        default: throw e;
      }
    }
  }

  /**
   * The password hash of the pending account the token belongs to, when `password`
   * matches it; null otherwise. Checked before the transaction (hashing is slow)
   * and compared again inside it, so a sign-up replacing the password meanwhile wins nothing.
   */
  private async provenPendingPassword(token: string, password: string): Promise<string | null> {
    const live = await this.tokens.findLiveVerificationToken(hashOpaqueToken(token), this.clock.now());
    if (!live) return null;
    const user = await this.users.findById(live.userId);
    if (user?.status !== 'pending' || !user.passwordHash) return null;
    return (await this.hasher.verify(user.passwordHash, password)) ? user.passwordHash : null;
  }

  /**
   * Consumes the token and verifies the address in one transaction: a suspended
   * or deleted user rolls it back (the token stays as it was) and is told so.
   * A pending user's password survives only if it is `provenPasswordHash`.
   */
  private async verify(token: string, provenPasswordHash: string | null, installationId?: string): Promise<UserRecord> {
    const hash = hashOpaqueToken(token);
    const now = this.clock.now();
    let droppedPassword = false;
    const verified = await this.db.transaction(async () => {
      const live = await this.tokens.findLiveVerificationToken(hash, now);
      if (!live) return null;
      // The user row is locked before the token (the order sign-up and token issuance
      // use too, so no deadlock): a repeated sign-up replacing the pending password
      // either finished before and is seen here, or waits and then finds the user active.
      await this.tokens.lockUser(live.userId);
      const consumed = await this.tokens.consumeVerificationToken(hash, now);
      if (!consumed) return null;
      const user = await this.users.findById(consumed.userId);
      if (!user || user.status === 'suspended' || user.status === 'deleted') {
        throw new DomainError('AUTH_ACCOUNT_INACTIVE', 'The account is suspended or deleted');
      }
      // The address changed since the link was sent: the link verifies nothing.
      if (user.email !== consumed.email) return null;
      const updated = await this.users.confirmEmail(user.id, consumed.email, now);
      if (!updated) throw new DomainError('AUTH_ACCOUNT_INACTIVE', 'The account is suspended or deleted');
      if (user.status !== 'pending' || user.passwordHash === null || user.passwordHash === provenPasswordHash) return updated;
      if (installationId && consumed.signupInstallationId === installationId) return updated;
      // Pre-hijacking: the password was chosen by someone who never proved the address.
      await this.users.clearPasswordHash(user.id);
      await this.sessions.revokeAllExcept(user.id, null);
      droppedPassword = true;
      return { ...updated, passwordHash: null };
    });
    if (verified) {
      this.logger.log(droppedPassword
        ? 'Email address verified; the unproven sign-up password was removed (the owner sets one through recovery)'
        : 'Email address verified');
      return verified;
    }
    if ((await this.tokens.verificationTokenState(hash, now)) === 'expired') {
      throw new DomainError('VERIFICATION_TOKEN_EXPIRED', 'The verification link has expired; ask for a new one');
    }
    throw new DomainError('VERIFICATION_TOKEN_INVALID', 'The verification link is invalid or was already used');
  }
}

/** Email is the only channel: this service sends no SMS. UNSPECIFIED means email. */
function assertEmailChannel(type: VerificationType | undefined): void {
  if (type === 'VERIFICATION_TYPE_PHONE') {
    throw new DomainError('NOT_IMPLEMENTED', 'Phone verification is not available: this service sends no SMS; verify an email address instead');
  }
}
