import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import { Module } from '@nestjs/common';
import { MfaChallengeService } from './mfa-challenge.service';
import { PgTotpRepository } from './pg-totp.repository';
import { TotpRepository } from './totp.repository';

/**
 * The part of the totp module sign-in flows need (AuthModule, later Roblox
 * sign-in): deciding whether a second factor is due and opening the challenge.
 * Kept apart from TotpModule, which itself needs AuthModule (tokens, password
 * checks, lockout), so the two never import each other.
 */
@Module({
  providers: [{ provide: TotpRepository, useClass: PgTotpRepository }, MfaChallengeService],
  exports: [TotpRepository, MfaChallengeService],
})
export class MfaChallengeModule {
  constructor(sweeper: ExpirySweeper, totp: TotpRepository) {
    sweeper.register({ name: 'MFA setup tokens and challenges', sweep: (now, batch) => totp.deleteExpired(new Date(now.getTime() - 86_400_000), batch) });
  }
}
