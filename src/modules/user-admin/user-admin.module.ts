import { Module } from '@nestjs/common';
import { AccountMailModule } from '../account-mail/account-mail.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { SessionsModule } from '../sessions/sessions.module';
import { AdminProvisioning } from './admin-provisioning';
import { AvatarStorage } from './avatar-storage';
import { AvatarsService } from './avatars.service';
import { BootstrapAdminService } from './bootstrap-admin.service';
import { PgUserAdminRepository } from './pg-user-admin.repository';
import { S3AvatarStorage } from './s3-avatar-storage';
import { UserAccess } from './user-access';
import { UserAdminRepository } from './user-admin.repository';
import { UserAdminService } from './user-admin.service';
import { UserListService } from './user-list.service';
import { UsersGrpcController } from './users.grpc.controller';
import { UsersHttpController } from './users.http.controller';
import { UsersModule } from '../users/users.module';

/**
 * users.v1/v2 UserService: streaming lists, administration, avatars, the first
 * administrator (BootstrapAdminService) and the provisioning the CLI shares. User data
 * itself is UsersModule's; this feature module builds on it and on credentials.
 */
@Module({
  imports: [UsersModule, CredentialsModule, SessionsModule, AccountMailModule],
  controllers: [UsersGrpcController, UsersHttpController],
  providers: [
    { provide: UserAdminRepository, useClass: PgUserAdminRepository },
    { provide: AvatarStorage, useClass: S3AvatarStorage },
    UserAccess,
    UserAdminService,
    UserListService,
    AvatarsService,
    AdminProvisioning,
    BootstrapAdminService,
  ],
})
export class UserAdminModule {}
