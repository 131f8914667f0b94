import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { Clock, SystemClock } from '../common/clock';
import { ExpirySweeper } from '../common/maintenance/expiry-sweeper';
import { DatabaseModule } from '../database/database.module';
import { AccountMailModule } from '../modules/account-mail/account-mail.module';
import { CredentialsModule } from '../modules/credentials/credentials.module';
import { AdminProvisioning } from '../modules/user-admin/admin-provisioning';
import { PgUserAdminRepository } from '../modules/user-admin/pg-user-admin.repository';
import { UserAdminRepository } from '../modules/user-admin/user-admin.repository';
import { UsersModule } from '../modules/users/users.module';

/**
 * The clock and the expiry sweeper modules register with, global as in the server
 * (CommonModule brings the HTTP/gRPC pipeline too). The sweeper's timer is unref'd:
 * it never keeps a CLI command alive.
 */
@Global()
@Module({ providers: [{ provide: Clock, useValue: new SystemClock() }, ExpirySweeper], exports: [Clock, ExpirySweeper] })
class CliCommonModule {}

/** Only what the CLI commands need: the data source and the provisioning use case; no servers. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, database: { url: string; migrate: boolean }): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        CliCommonModule,
        DatabaseModule.forRoot(database),
        UsersModule,
        CredentialsModule,
        AccountMailModule,
      ],
      providers: [{ provide: UserAdminRepository, useClass: PgUserAdminRepository }, AdminProvisioning],
    };
  }
}
