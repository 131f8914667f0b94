import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import type { UserRecord } from './user.model';
import { UsersRepository } from './users.repository';

/** What other modules ask of user data beyond the repository's reads and writes. */
@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  /** The caller of an authenticated RPC, who must still exist and be active. */
  async getActiveUser(userId: string): Promise<UserRecord> {
    const user = await this.users.findById(userId);
    if (!user || user.status === 'deleted') throw new DomainError('UNAUTHENTICATED', 'Invalid or expired access token');
    if (user.status !== 'active') throw new DomainError('AUTH_ACCOUNT_INACTIVE', 'The account is not active');
    return user;
  }
}
