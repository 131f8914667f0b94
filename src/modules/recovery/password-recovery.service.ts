import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { hashOpaqueToken } from '../../common/crypto/opaque-token';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import type { IdentifierType } from '../../common/grpc/enums';
import { normalizeIdentifier } from '../credentials/identifier';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordPolicy } from '../credentials/password-policy';
import { UserLockout } from '../credentials/user-lockout';
import { SessionsService } from '../sessions/sessions.service';
import { UsersRepository } from '../users/users.repository';
import { AccountMailService } from '../account-mail/account-mail.service';
import { BackgroundTasks } from './background-tasks';
import { RecoveryTokensRepository } from '../account-mail/recovery-tokens.repository';

/** RecoveryStart and RecoveryConfirm. */
@Injectable()
export class PasswordRecoveryService {
  private readonly logger = new Logger('PasswordRecovery');

  constructor(
    private readonly db: Db,
    private readonly users: UsersRepository,
    private readonly tokens: RecoveryTokensRepository,
    private readonly accountMail: AccountMailService,
    private readonly lockout: UserLockout,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly background: BackgroundTasks,
    private readonly clock: Clock,
    private readonly passwordPolicy: PasswordPolicy,
  ) {}

  /**
   * Answers at once, the same for every well-formed identifier: the lookup and
   * the mail run in the background, so neither the answer nor its latency tells
   * whether an account exists. Only active users with that email get a link.
   * A malformed identifier is INVALID_ARGUMENT (that reveals nothing).
   */
  start(identifier: string, identifierType: IdentifierType | undefined): void {
    const id = normalizeIdentifier(identifier, identifierType ?? 'IDENTIFIER_TYPE_UNSPECIFIED');
    if (id.kind === 'phone') {
      this.logger.log('Password recovery asked for a phone number: not supported (no SMS), nothing sent');
      return;
    }
    this.background.run('Password recovery start', async () => {
      const user = await this.users.findByIdentifier('email', id.value);
      if (!user || user.status !== 'active') {
        this.logger.log('Password recovery: no active account with this email, nothing sent');
        return;
      }
      await this.accountMail.queuePasswordReset(user);
      this.logger.log('Password recovery: reset link queued');
    });
  }

  /**
   * Sets a new password with a reset token. The policy is checked before the
   * token is used, so a rejected password leaves the link working. Then, in one
   * transaction: the token is used up (one conditional UPDATE, so of parallel
   * requests exactly one wins), the password set, the lockout cleared, every
   * session ended and the "password changed" mail queued.
   */
  async confirm(token: string, newPassword: string): Promise<void> {
    const hash = hashOpaqueToken(token);
    const userId = await this.tokens.findLiveResetToken(hash, this.clock.now());
    if (!userId) return this.rejectToken(hash);
    const user = await this.users.findById(userId);
    if (!user || user.status !== 'active') throw new DomainError('AUTH_ACCOUNT_INACTIVE', 'The account is not active');
    this.passwordPolicy.assert(newPassword, user.email ?? user.phone ?? undefined, 'newPassword');
    const passwordHash = await this.hasher.hash(newPassword);

    const revoked = await this.db.transaction(async () => {
      if ((await this.tokens.consumeResetToken(hash, this.clock.now())) !== userId) return null;
      await this.users.updatePasswordHash(userId, passwordHash);
      await this.lockout.clear(user);
      const n = await this.sessions.revokeAllExcept(userId, null);
      await this.accountMail.queuePasswordChanged(user);
      return n;
    });
    if (revoked === null) return this.rejectToken(hash);
    this.logger.log(`Password reset; ${revoked} session(s) revoked`);
  }

  private async rejectToken(hash: Buffer): Promise<never> {
    if ((await this.tokens.resetTokenState(hash, this.clock.now())) === 'expired') {
      throw new DomainError('RECOVERY_TOKEN_EXPIRED', 'The reset link has expired; ask for a new one');
    }
    throw new DomainError('RECOVERY_TOKEN_INVALID', 'The reset link is invalid or was already used');
  }
}
