import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import { RobloxVerificationRepository, type RobloxIdentityRecord } from './roblox-verification.repository';

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
