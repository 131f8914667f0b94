import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { hashOpaqueToken, newOpaqueToken } from '../../common/crypto/opaque-token';
import { DomainError } from '../../common/errors/domain-error';
import type { MfaMethod } from '../../common/grpc/enums';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { Db } from '../../database/db';
import { PasswordCheck } from '../credentials/password-check';
import { SessionsService } from '../sessions/sessions.service';
import { lockedError, UserLockout } from '../credentials/user-lockout';
import type { UserRecord } from '../users/user.model';
import { UsersService } from '../users/users.service';
import { MfaCodes, type MatchedCode } from './mfa-codes';
import { MfaNotices } from './mfa-notices';
import { RecentAuthentication } from './recent-authentication';
import { MFA_NOT_CONFIGURED_MESSAGE, SecretCipher } from './secret-cipher';
import { matchTotp, newRecoveryCode, newTotpSecret, provisioningUri, RECOVERY_CODE_COUNT } from './totp-codes';
import { TotpRepository } from './totp.repository';

const SETUP_TTL_MS = 10 * 60_000;
/** Wrong confirmation codes a setup token survives; a 6-digit code must not be guessable in 10 minutes. */
const MAX_SETUP_ATTEMPTS = 5;
export const TOTP_HINT = 'Authenticator app';

export interface TotpSetup {
  readonly secret: string;
  readonly provisioningUri: string;
  readonly qrCodeSvg: string;
  readonly setupToken: string;
  readonly expiresAt: Date;
}

/** ConfirmMfaSetupResponse's oneof: a wrong code is an answer, not an error. */
export type ConfirmSetupResult =
  | { readonly ok: true; readonly recoveryCodes: readonly string[] }
  | { readonly ok: false; readonly code: 'INVALID_CODE' | 'TOO_MANY_ATTEMPTS'; readonly message: string };

export interface MfaStatus {
  readonly enabled: boolean;
  readonly methods: readonly { readonly method: MfaMethod; readonly enabled: boolean; readonly hint: string; readonly configuredAt: Date }[];
  readonly recoveryCodesRemaining: number;
}

/**
 * The signed-in user's TOTP factor: setup, confirmation (which enables it and
 * hands out recovery codes), status and disabling. Sign-in challenges are
 * answered by MfaVerificationService.
 */
@Injectable()
export class TotpService {
  private readonly logger = new Logger('Totp');

  constructor(
    private readonly totp: TotpRepository,
    private readonly cipher: SecretCipher,
    private readonly codes: MfaCodes,
    private readonly recentAuth: RecentAuthentication,
    private readonly users: UsersService,
    private readonly passwords: PasswordCheck,
    private readonly lockout: UserLockout,
    private readonly sessions: SessionsService,
    private readonly notices: MfaNotices,
    private readonly db: Db,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A new secret with its provisioning URI and QR code, and a setup token
   * (single-use, 10 minutes) to confirm it with. Nothing is enabled yet. Needs a
   * session that signed in within REAUTH_MAX_AGE_MINUTES, or the password
   * (RecentAuthentication): whoever enrols a factor decides who can sign in later.
   */
  async setup(principal: Principal, method: MfaMethod | undefined, password?: string): Promise<TotpSetup> {
    assertTotp(method, 'SetupMfa');
    if (!this.cipher.configured) throw new DomainError('MFA_NOT_CONFIGURED', MFA_NOT_CONFIGURED_MESSAGE);
    const user = await this.users.getActiveUser(principal.userId);
    if (await this.totp.isEnabled(user.id)) throw alreadyEnabled();
    await this.recentAuth.assert(principal, user, password);

    const secret = newTotpSecret();
    const uri = provisioningUri(this.config.mfa.issuer, user.email ?? user.phone ?? user.id, secret);
    // Loaded on the first enrolment only: idle processes do not need it.
    const QRCode = await import('qrcode');
    const qrCodeSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + SETUP_TTL_MS);
    const { token, hash } = newOpaqueToken();
    await this.totp.createSetup(user.id, hash, this.cipher.encrypt(secret, user.id), now, expiresAt);
    return { secret, provisioningUri: uri, qrCodeSvg, setupToken: token, expiresAt };
  }

  /**
   * A correct code enables TOTP and answers 10 recovery codes (shown only now,
   * stored only hashed); a wrong one answers the error branch and leaves TOTP
   * disabled. The code's time step is recorded, so it cannot also sign in.
   */
  async confirmSetup(principal: Principal, setupToken: string, code: string): Promise<ConfirmSetupResult> {
    const user = await this.users.getActiveUser(principal.userId);
    const now = this.clock.now();
    const setup = await this.totp.findLiveSetup(user.id, hashOpaqueToken(setupToken), now);
    if (!setup) throw setupTokenInvalid();

    const step = matchTotp(this.cipher.decrypt(setup.secret, user.id), code, now);
    if (step === null) {
      await this.totp.recordSetupFailure(setup.id, now, MAX_SETUP_ATTEMPTS);
      return setup.failedAttempts + 1 >= MAX_SETUP_ATTEMPTS
        ? { ok: false, code: 'TOO_MANY_ATTEMPTS', message: 'The code is not valid and the setup has ended; start it again' }
        : { ok: false, code: 'INVALID_CODE', message: 'The code is not valid; check the device clock and try the current code' };
    }

    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await this.db.transaction(async () => {
      // The token is consumed first (one conditional UPDATE); the primary key of
      // user_totp then refuses a second factor from another setup token.
      if (!(await this.totp.consumeSetup(setup.id, now))) throw setupTokenInvalid();
      if (!(await this.totp.enableFactor(user.id, setup.secret, step, now))) throw alreadyEnabled();
      await this.totp.replaceRecoveryCodes(user.id, this.codes.digestsForStorage(user.id, recoveryCodes), now);
    });
    this.logger.log('TOTP enabled');
    return { ok: true, recoveryCodes };
  }

  async status(principal: Principal): Promise<MfaStatus> {
    const factor = await this.totp.findFactor(principal.userId);
    if (!factor) return { enabled: false, methods: [], recoveryCodesRemaining: 0 };
    return {
      enabled: true,
      methods: [{ method: 'MFA_METHOD_TOTP', enabled: true, hint: TOTP_HINT, configuredAt: factor.configuredAt }],
      recoveryCodesRemaining: await this.totp.countRecoveryCodes(principal.userId),
    };
  }

  /**
   * Needs the current password and a current second factor: a TOTP code the replay
   * guard still accepts, or an unused recovery code (spent here). Both are judged as
   * one guess through the per-user lockout: a wrong one counts, LOCKED answers
   * without looking at them. Removes the secret and the recovery codes, ends every
   * other session and queues a notice, all in one transaction.
   */
  async disable(principal: Principal, method: MfaMethod | undefined, password: string, code: string): Promise<void> {
    assertTotp(method, 'DisableMfa');
    const user = await this.users.getActiveUser(principal.userId);
    if (!(await this.totp.isEnabled(user.id))) throw notEnabled();
    const now = this.clock.now();
    // The code is looked at only after the password was right; matching spends nothing.
    const proof: { passwordRight: boolean; matched: MatchedCode | null } = { passwordRight: false, matched: null };
    const judged = await this.lockout.judgeForUser(user, async () => {
      proof.passwordRight = await this.passwords.matches(user, password);
      if (proof.passwordRight) proof.matched = await this.codes.match(user, code, now);
      return proof.matched !== null;
    });
    if (judged.verdict === 'locked') throw lockedError(judged.lockout);
    if (judged.verdict === 'wrong' || !proof.matched) throw proof.passwordRight ? wrongCode() : wrongPassword();
    let revoked: number;
    try {
      revoked = await this.disableWith(user, proof.matched, principal.sessionId, now);
    } catch (e) {
      // Another request spent the code between the match and now: a wrong code after
      // all, and its attempt stays counted. Anything else was not the caller's fault.
      if (!(e instanceof DomainError && e.code === 'MFA_CODE_INVALID')) await this.lockout.release(judged.attempt);
      throw e;
    }
    await this.lockout.clear(user);
    this.logger.log(`TOTP disabled; ${revoked} other session(s) revoked`);
  }

  private async disableWith(user: UserRecord, matched: MatchedCode, keepSessionId: string, now: Date): Promise<number> {
    return this.db.transaction(async () => {
      // The factor row first, as VerifyMfa and new challenges take it: no deadlock with
      // them, and a VerifyMfa racing with the same code is judged before or after, whole.
      if (!(await this.totp.lockFactor(user.id))) throw notEnabled();
      // Spent with the removal: if the removal rolls back, the code is still unused.
      if (!(await this.codes.spend(user.id, matched, now))) throw wrongCode();
      if (!(await this.totp.removeAll(user.id))) throw notEnabled();
      await this.notices.mfaDisabled(user, now);
      return this.sessions.revokeAllExcept(user.id, keepSessionId);
    });
  }
}

/** Only TOTP is built; UNSPECIFIED means TOTP, so clients that omit the method keep working. */
function assertTotp(method: MfaMethod | undefined, rpc: string): void {
  if (method === 'MFA_METHOD_SMS' || method === 'MFA_METHOD_EMAIL') {
    throw new DomainError('NOT_IMPLEMENTED', `${rpc} with ${method} is not available: only MFA_METHOD_TOTP is supported`);
  }
  if (method === 'MFA_METHOD_RECOVERY_CODE') {
    throw DomainError.validation([{ field: 'method', description: 'recovery codes come with TOTP; use MFA_METHOD_TOTP' }]);
  }
}

function setupTokenInvalid(): DomainError {
  return new DomainError('MFA_SETUP_TOKEN_INVALID', 'Invalid, used or expired setup token; start the setup again');
}

function alreadyEnabled(): DomainError {
  return new DomainError('TOTP_ALREADY_ENABLED', 'TOTP is already enabled; disable it first to set up a new secret');
}

function wrongPassword(): DomainError {
  return new DomainError('AUTH_WRONG_PASSWORD', 'The password is incorrect', { violations: [{ field: 'password', description: 'is incorrect' }] });
}

function wrongCode(): DomainError {
  return new DomainError('MFA_CODE_INVALID', 'The code is incorrect or already used: send a current authenticator code or an unused recovery code', {
    violations: [{ field: 'code', description: 'is incorrect or already used' }],
  });
}

function notEnabled(): DomainError {
  return new DomainError('TOTP_NOT_ENABLED', 'TOTP is not enabled');
}
