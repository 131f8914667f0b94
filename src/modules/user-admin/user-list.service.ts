import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import type { UserRole, UserStatus } from '../../common/grpc/enums';
import { decodePageToken } from './page-token';
import { USERS_READ, UserAccess } from './user-access';
import type { UserListFilter, UserStatusName } from './user-admin.model';
import { UserAdminRepository } from './user-admin.repository';
import { roleFromProto, statusFromProto } from './user-roles';
import type { UserRecord } from '../users/user.model';

/** Rows read per query: the most a stream holds in memory at once. */
export const LIST_BATCH_SIZE = 500;

const LIVE_STATUSES: readonly UserStatusName[] = ['pending', 'active', 'suspended'];

export interface ListUsersInput {
  readonly userId?: string;
  readonly userIds?: readonly string[];
  readonly statuses?: readonly UserStatus[];
  readonly roles?: readonly UserRole[];
  readonly query?: string;
  /** 0 or absent: no limit. */
  readonly pageSize?: number;
  readonly pageToken?: string;
  /** SSE `Last-Event-ID`: resume after this id (wins over pageToken). */
  readonly afterId?: string;
}

/** ListUsers and ListUsersInfo: one filter, read in keyset batches. */
@Injectable()
export class UserListService {
  constructor(
    private readonly repo: UserAdminRepository,
    private readonly access: UserAccess,
  ) {}

  /**
   * The users the caller may see that match every filter, in id order. Without
   * `users:read` that is at most the caller. Soft-deleted users appear only when
   * `statuses` asks for USER_STATUS_DELETED. Validates eagerly (a bad page token
   * throws here, before anything is streamed), then reads lazily: the next batch
   * is queried only when the consumer pulls past the current one, so a consumer
   * that waits for the network (back-pressure) holds the database reads too, and
   * one that stops iterating stops them.
   */
  list(actor: Principal, input: ListUsersInput): AsyncIterable<UserRecord> {
    const filter = this.filterOf(actor, input);
    const after = input.afterId ?? (input.pageToken ? decodePageToken(input.pageToken) : null);
    const limit = input.pageSize && input.pageSize > 0 ? input.pageSize : Number.POSITIVE_INFINITY;
    const repo = this.repo;
    return {
      async *[Symbol.asyncIterator]() {
        if (!filter) return;
        let cursor = after;
        let remaining = limit;
        while (remaining > 0) {
          const want = Math.min(LIST_BATCH_SIZE, remaining);
          const batch = await repo.listBatch(filter, cursor, want);
          yield* batch;
          remaining -= batch.length;
          if (batch.length < want) return;
          cursor = batch[batch.length - 1].id;
        }
      },
    };
  }

  /** null: nothing can match. */
  private filterOf(actor: Principal, input: ListUsersInput): UserListFilter | null {
    let ids: string[] | undefined;
    const requested = [...(input.userId ? [input.userId] : []), ...(input.userIds ?? [])].map((id) => id.toLowerCase());
    if (requested.length) ids = [...new Set(requested)];
    if (!this.access.can(actor, USERS_READ)) {
      // Without users:read the list is the caller alone (further narrowed by the filters).
      if (ids && !ids.includes(actor.userId)) return null;
      ids = [actor.userId];
    }
    const statuses = (input.statuses ?? []).map(statusFromProto).filter((s): s is UserStatusName => s !== null);
    const roles = (input.roles ?? []).map(roleFromProto).filter((r): r is string => r !== null);
    const query = input.query?.trim();
    return {
      ids,
      statuses: statuses.length ? [...new Set(statuses)] : LIVE_STATUSES,
      roles: roles.length ? [...new Set(roles)] : undefined,
      query: query ? query : undefined,
    };
  }
}
