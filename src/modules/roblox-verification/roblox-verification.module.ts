import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { UsersModule } from '../users/users.module';
import { PgRobloxVerificationRepository } from './pg-roblox-verification.repository';
import { RobloxAccountsService } from './roblox-accounts.service';
import { RobloxProofService } from './roblox-proof.service';
import { FetchRobloxUsersApi, RobloxUsersApi } from './roblox-users.api';
import { RobloxVerificationRepository } from './roblox-verification.repository';
import { RobloxGrpcController } from './roblox.grpc.controller';
import { RobloxHttpController } from './roblox.http.controller';

/**
 * roblox.v1.RobloxService: Roblox identity proven by a code in the Roblox profile,
 * sign-up and sign-in with it (through the auth module's PasswordSignIn), linking.
 */
@Module({
  imports: [AuthModule, CredentialsModule, UsersModule],
  controllers: [RobloxGrpcController, RobloxHttpController],
  providers: [
    RobloxProofService,
    RobloxAccountsService,
    { provide: RobloxVerificationRepository, useClass: PgRobloxVerificationRepository },
    { provide: RobloxUsersApi, useClass: FetchRobloxUsersApi },
  ],
})
export class RobloxVerificationModule {
  constructor(sweeper: ExpirySweeper, codes: RobloxVerificationRepository) {
    sweeper.register({ name: 'Roblox verification codes', sweep: (now, batch) => codes.deleteExpired(new Date(now.getTime() - 86_400_000), batch) });
  }
}
