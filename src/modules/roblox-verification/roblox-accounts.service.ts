import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import type { AuthOutcome } from '../tokens/auth-outcome.model';
import { robloxLockoutKey } from '../credentials/user-lockout';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordPolicy } from '../credentials/password-policy';
import { PasswordSignIn } from '../auth/password-sign-in';
import type { DeviceInfo } from '../sessions/session.model';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { RobloxProofService } from './roblox-proof.service';
import { RobloxVerificationRepository, type RobloxIdentityRecord } from './roblox-verification.repository';

export interface RobloxSignUpInput {
  readonly robloxUserId: string;
  /** StartVerification's verification id: the proof counts only for its holder. */
  readonly verificationId?: string;
  readonly password?: string;
  readonly displayName?: string;
}

export interface RobloxSignInInput {
  readonly robloxUserId: string;
  /** StartVerification's verification id; needed without a password, ignored with one. */
  readonly verificationId?: string;
  readonly password?: string;
}

/** SignUpWithRoblox, SignInWithRoblox, LinkRobloxAccount, UnlinkRobloxAccount, GetRobloxIdentity. */
@Injectable()
export class RobloxAccountsService {
  private readonly logger = new Logger('Roblox');

  constructor(
    private readonly proofs: RobloxProofService,
    private readonly repo: RobloxVerificationRepository,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordSignIn,
    private readonly hasher: PasswordHasher,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly passwordPolicy: PasswordPolicy,
  ) {}

  /**
   * Creates an active account linked to the proven Roblox user and signs in. The
   * code is spent in the transaction that creates the account, so a sign-up refused
   * by the unique index (ROBLOX_ALREADY_LINKED) leaves the code usable.
   */
  async signUp(input: RobloxSignUpInput, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    const password = input.password || undefined;
    if (password !== undefined) this.passwordPolicy.assert(password, undefined);
    // Only after the proof: GetProfile hides suspended and pending accounts, so whether
    // a Roblox id has an account is told only to whoever controls that Roblox profile.
    const proof = await this.proofs.check(input.robloxUserId, input.verificationId);
    if (await this.users.findByRobloxUserId(input.robloxUserId)) throw alreadyLinked();
    const passwordHash = password === undefined ? null : await this.hasher.hash(password);
    let user: UserRecord;
    try {
      user = await this.db.transaction(async () => {
        await this.proofs.consume(proof);
        return this.users.create({
          passwordHash,
          status: 'active',
          displayName: (input.displayName?.trim() || proof.user.displayName).slice(0, 100),
          roblox: { userId: proof.user.id, username: proof.user.name, linkedAt: this.clock.now() },
        });
      });
    } catch (e) {
      // The account has no email or phone: the only unique index it can hit is the Roblox one.
      if (e instanceof DomainError && e.code === 'USER_IDENTIFIER_TAKEN') throw alreadyLinked();
      throw e;
    }
    this.logger.log({ userId: user.id }, 'Account created with a Roblox identity');
    return this.passwords.complete(user, device, ip);
  }

  /**
   * With a password: exactly Authenticate's checks (lockout under `roblox:<id>`, one
   * generic FAILED; a verification id is ignored). Without one: the profile-code proof,
   * presented with its verification id, is the credential; it is checked before
   * anything about the account is answered, and spent only when the account can sign in. Accounts with TOTP get MFA_REQUIRED either way.
   */
  async signIn(input: RobloxSignInInput, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    if (input.password) {
      return this.passwords.signIn(robloxLockoutKey(input.robloxUserId), () => this.users.findByRobloxUserId(input.robloxUserId), input.password, device, ip);
    }
    const user = await this.users.findByRobloxUserId(input.robloxUserId);
    const proof = await this.proofs.check(input.robloxUserId, input.verificationId);
    if (!user) return { status: 'FAILED' };
    if (user.status === 'suspended') return { status: 'SUSPENDED' };
    if (user.status !== 'active') return { status: 'FAILED' };
    await this.proofs.consume(proof);
    await this.users.refreshRobloxUsername(user.id, proof.user.id, proof.user.name);
    return this.passwords.complete({ ...user, robloxUsername: proof.user.name }, device, ip);
  }

  /**
   * Links the proven Roblox user to the caller's account (which must have no link
   * yet); the proof must be the caller's own (`verificationId` from StartVerification).
   */
  async link(userId: string, robloxUserId: string, verificationId: string | undefined): Promise<RobloxIdentityRecord> {
    const user = await this.activeUser(userId);
    if (user.robloxUserId) {
      throw new DomainError(
        'ROBLOX_ACCOUNT_HAS_LINK',
        user.robloxUserId === robloxUserId ? 'This Roblox user is already linked to your account' : 'Your account is linked to another Roblox user; unlink it first',
      );
    }
    const proof = await this.proofs.check(robloxUserId, verificationId);
    if (await this.users.findByRobloxUserId(robloxUserId)) throw alreadyLinked();
    const identity: RobloxIdentityRecord = { robloxUserId: proof.user.id, username: proof.user.name, linkedAt: this.clock.now() };
    // Spent and linked together: a link refused by the unique index leaves the code usable.
    await this.db.transaction(async () => {
      await this.proofs.consume(proof);
      if (!(await this.linkOrRefuse(userId, identity))) {
        throw new DomainError('ROBLOX_ACCOUNT_HAS_LINK', 'Your account was linked to a Roblox user meanwhile');
      }
    });
    this.logger.log({ userId }, 'Roblox identity linked');
    return identity;
  }

  /**
   * Removes the caller's Roblox link. An account with neither a password nor an email
   * address keeps it: without it nobody could sign in to the account again.
   */
  async unlink(userId: string): Promise<void> {
    await this.activeUser(userId);
    if (!(await this.users.unlinkRoblox(userId, this.clock.now()))) {
      if (!(await this.repo.findIdentity(userId))) throw notLinked();
      throw new DomainError(
        'ROBLOX_UNLINK_LAST_SIGN_IN',
        'The Roblox identity is the only way to sign in to this account (no password, no email address); it cannot be unlinked',
      );
    }
    this.logger.log({ userId }, 'Roblox identity unlinked');
  }

  async getIdentity(userId: string): Promise<RobloxIdentityRecord> {
    const identity = await this.repo.findIdentity(userId);
    if (!identity) throw notLinked();
    return identity;
  }

  /** The link through the users' one writer; another live account holding the Roblox user is ROBLOX_ALREADY_LINKED. */
  private async linkOrRefuse(userId: string, identity: RobloxIdentityRecord): Promise<boolean> {
    try {
      return await this.users.linkRoblox(userId, identity);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'USER_IDENTIFIER_TAKEN') throw alreadyLinked();
      throw e;
    }
  }

  private async activeUser(userId: string): Promise<UserRecord> {
    const user = await this.users.findById(userId);
    if (!user || user.status === 'deleted') throw new DomainError('UNAUTHENTICATED', 'Invalid or expired access token');
    if (user.status !== 'active') throw new DomainError('AUTH_ACCOUNT_INACTIVE', 'The account is not active');
    return user;
  }
}

function notLinked(): DomainError {
  return new DomainError('ROBLOX_NOT_LINKED', 'No Roblox user is linked to this account');
}

export function alreadyLinked(): DomainError {
  return new DomainError('ROBLOX_ALREADY_LINKED', 'This Roblox user is already linked to an account');
}
