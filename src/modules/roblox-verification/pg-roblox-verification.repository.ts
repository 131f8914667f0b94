import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { isUniqueViolation } from '../../database/pg-errors';
import { RobloxVerificationRepository, type RobloxIdentityRecord, type UnlinkResult } from './roblox-verification.repository';

/** Expired codes deleted per StartVerification: enough to outpace creation, small enough to stay cheap. */
const CLEANUP_BATCH = 100;

@Injectable()
export class PgRobloxVerificationRepository extends RobloxVerificationRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async saveCode(robloxUserId: string, codeHash: Buffer, verificationHash: Buffer, now: Date, expiresAt: Date): Promise<void> {
    // Code and verification id are replaced together: the id of a replaced code proves nothing.
    await this.db.execute(
      `INSERT INTO roblox_verification_codes (roblox_user_id, code_hash, verification_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (roblox_user_id) DO UPDATE
         SET code_hash = EXCLUDED.code_hash, verification_hash = EXCLUDED.verification_hash,
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, used_at = NULL`,
      [robloxUserId, codeHash, verificationHash, now, expiresAt],
    );
    await this.db.execute(
      `DELETE FROM roblox_verification_codes
        WHERE roblox_user_id IN (SELECT roblox_user_id FROM roblox_verification_codes WHERE expires_at <= $1 LIMIT ${CLEANUP_BATCH})`,
      [now],
    );
  }

  async findLiveCodeHash(robloxUserId: string, verificationHash: Buffer, now: Date): Promise<Buffer | null> {
    // The verification hash is compared in SQL, on the row found by the (public) Roblox id:
    // a wrong id and no live code take the same path and answer the same null.
    const rows = await this.db.query<{ code_hash: Buffer }>(
      `SELECT code_hash FROM roblox_verification_codes
        WHERE roblox_user_id = $1 AND verification_hash = $2 AND used_at IS NULL AND expires_at > $3`,
      [robloxUserId, verificationHash, now],
    );
    return rows[0]?.code_hash ?? null;
  }

  async consumeCode(robloxUserId: string, codeHash: Buffer, verificationHash: Buffer, now: Date): Promise<boolean> {
    // Of requests racing with one code, only the first still sees used_at IS NULL.
    const count = await this.db.execute(
      `UPDATE roblox_verification_codes SET used_at = $4
        WHERE roblox_user_id = $1 AND code_hash = $2 AND verification_hash = $3 AND used_at IS NULL AND expires_at > $4`,
      [robloxUserId, codeHash, verificationHash, now],
    );
    return count === 1;
  }

  async link(userId: string, identity: RobloxIdentityRecord): Promise<boolean> {
    try {
      const count = await this.db.execute(
        `UPDATE users SET roblox_user_id = $2, roblox_username = $3, roblox_linked_at = $4, updated_at = $4
          WHERE id = $1 AND roblox_user_id IS NULL AND deleted_at IS NULL`,
        [userId, identity.robloxUserId, identity.username, identity.linkedAt],
      );
      return count === 1;
    } catch (e) {
      if (isUniqueViolation(e)) throw alreadyLinked();
      throw e;
    }
  }

  async refreshUsername(userId: string, robloxUserId: string, username: string): Promise<void> {
    await this.db.execute(
      `UPDATE users SET roblox_username = $3
        WHERE id = $1 AND roblox_user_id = $2 AND roblox_username IS DISTINCT FROM $3`,
      [userId, robloxUserId, username],
    );
  }

  async unlink(userId: string, now: Date): Promise<UnlinkResult> {
    // The "another way in" condition is part of the UPDATE, so it holds at the moment of the change.
    const count = await this.db.execute(
      `UPDATE users SET roblox_user_id = NULL, roblox_username = NULL, roblox_linked_at = NULL, updated_at = $2
        WHERE id = $1 AND roblox_user_id IS NOT NULL AND (password_hash IS NOT NULL OR email IS NOT NULL)`,
      [userId, now],
    );
    if (count === 1) return 'unlinked';
    return (await this.findIdentity(userId)) ? 'last_sign_in_method' : 'not_linked';
  }

  async findIdentity(userId: string): Promise<RobloxIdentityRecord | null> {
    const rows = await this.db.query<{ roblox_user_id: string; roblox_username: string; roblox_linked_at: Date }>(
      'SELECT roblox_user_id, roblox_username, roblox_linked_at FROM users WHERE id = $1 AND roblox_user_id IS NOT NULL',
      [userId],
    );
    const row = rows[0];
    return row ? { robloxUserId: String(row.roblox_user_id), username: row.roblox_username, linkedAt: row.roblox_linked_at } : null;
  }
  async deleteExpired(now: Date, batch: number): Promise<number> {
    return this.db.execute(
      `DELETE FROM roblox_verification_codes WHERE roblox_user_id IN (SELECT roblox_user_id FROM roblox_verification_codes WHERE expires_at <= $1 LIMIT $2)`,
      [now, batch],
    );
  }
}

export function alreadyLinked(): DomainError {
  return new DomainError('ROBLOX_ALREADY_LINKED', 'This Roblox user is already linked to an account');
}
