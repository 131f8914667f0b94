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
export class MfaChallengeModule {}
