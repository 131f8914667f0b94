import { Module } from '@nestjs/common';
import { PgUsersRepository } from './pg-users.repository';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * User data, the bottom building block: every module that reads or writes users goes
 * through UsersRepository or UsersService. The UserService RPCs live in UserAdminModule.
 */
@Module({
  providers: [{ provide: UsersRepository, useClass: PgUsersRepository }, UsersService],
  exports: [UsersRepository, UsersService],
})
export class UsersModule {}
