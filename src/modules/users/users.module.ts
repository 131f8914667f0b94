import { Module } from '@nestjs/common';
import { PgUsersRepository } from './pg-users.repository';
import { UsersRepository } from './users.repository';

/** User data. The administration API (issue: users module) builds on this. */
@Module({
  providers: [{ provide: UsersRepository, useClass: PgUsersRepository }],
  exports: [UsersRepository],
})
export class UsersModule {}
