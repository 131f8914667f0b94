import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { isUniqueViolation } from '../../database/pg-errors';
import type { OAuthProviderName } from '../../config/oauth-config';
import type { LinkedIdentity, ProviderIdentity } from './oauth.model';
import { OAuthAccountsRepository } from './oauth-accounts.repository';

@Injectable()
export class PgOAuthAccountsRepository extends OAuthAccountsRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async findOwner(provider: OAuthProviderName, subject: string): Promise<string | null> {
    const rows = await this.db.query<{ user_id: string }>(
      `SELECT o.user_id FROM oauth_accounts o JOIN users u ON u.id = o.user_id
        WHERE o.provider = $1 AND o.subject = $2 AND u.deleted_at IS NULL`,
      [provider, subject],
    );
    return rows[0]?.user_id ?? null;
  }

  async listForUser(userId: string): Promise<LinkedIdentity[]> {
    const rows = await this.db.query<{ provider: OAuthProviderName; subject: string; email: string | null; linked_at: Date }>(
      'SELECT provider, subject, email, linked_at FROM oauth_accounts WHERE user_id = $1 ORDER BY provider',
      [userId],
    );
    return rows.map((r) => ({ provider: r.provider, subject: r.subject, email: r.email, linkedAt: r.linked_at }));
  }

  async link(userId: string, identity: ProviderIdentity, now: Date): Promise<void> {
    let count: number;
    try {
      // The identity row of a soft-deleted account moves to the new owner; a live owner's stays (0 rows).
      count = await this.db.execute(
        `INSERT INTO oauth_accounts (user_id, provider, subject, email, linked_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ON CONSTRAINT oauth_accounts_identity_key DO UPDATE
           SET user_id = EXCLUDED.user_id, email = EXCLUDED.email, linked_at = EXCLUDED.linked_at
           WHERE oauth_accounts.user_id IN (SELECT id FROM users WHERE deleted_at IS NOT NULL)`,
        [userId, identity.provider, identity.subject, identity.email, now],
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw providerHasLink();
      throw e;
    }
    if (count === 0) throw identityTaken();
  }

  async unlinkUnlessLast(userId: string, provider: OAuthProviderName): Promise<'unlinked' | 'not_linked' | 'last'> {
    const rows = await this.db.query<{ linked: boolean; other_way: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM oauth_accounts WHERE user_id = $1 AND provider = $2) AS linked,
              EXISTS (SELECT 1 FROM oauth_accounts WHERE user_id = $1 AND provider <> $2)
              OR EXISTS (SELECT 1 FROM users WHERE id = $1 AND (password_hash IS NOT NULL OR roblox_user_id IS NOT NULL)) AS other_way`,
      [userId, provider],
    );
    if (!rows[0]?.linked) return 'not_linked';
    if (!rows[0].other_way) return 'last';
    await this.db.execute('DELETE FROM oauth_accounts WHERE user_id = $1 AND provider = $2', [userId, provider]);
    return 'unlinked';
  }
}

export function identityTaken(): DomainError {
  return new DomainError('OAUTH_IDENTITY_TAKEN', 'This provider account is already linked to another account');
}

export function providerHasLink(): DomainError {
  return new DomainError('OAUTH_PROVIDER_HAS_LINK', 'Your account is linked to another account of this provider; unlink it first');
}
