import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import { RecoveryTokensRepository, type ConsumedVerification, type DeadTokenState } from './recovery-tokens.repository';

interface StateRow {
  used_at: Date | null;
  expires_at: Date;
}

@Injectable()
export class PgRecoveryTokensRepository extends RecoveryTokensRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async replaceVerificationToken(
    userId: string, email: string, hash: Buffer, now: Date, expiresAt: Date, signupInstallationId: string | null = null,
  ): Promise<void> {
    await this.db.transaction(async () => {
      await this.lockUser(userId);
      await this.db.execute('DELETE FROM email_verification_tokens WHERE user_id = $1 AND used_at IS NULL', [userId]);
      await this.db.execute(
        `INSERT INTO email_verification_tokens (user_id, email, token_hash, created_at, expires_at, signup_installation_id)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [userId, email, hash, now, expiresAt, signupInstallationId],
      );
    });
  }

  async findLiveVerificationToken(hash: Buffer, now: Date): Promise<ConsumedVerification | null> {
    const rows = await this.db.query<VerificationRow>(
      `SELECT user_id, email, signup_installation_id FROM email_verification_tokens
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
      [hash, now],
    );
    return rows[0] ? verificationOf(rows[0]) : null;
  }

  async consumeVerificationToken(hash: Buffer, now: Date): Promise<ConsumedVerification | null> {
    // One conditional UPDATE: of requests racing with one token only the first still
    // sees used_at IS NULL and gets the row back.
    const rows = await this.db.query<VerificationRow>(
      `UPDATE email_verification_tokens SET used_at = $2
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
        RETURNING user_id, email, signup_installation_id`,
      [hash, now],
    );
    return rows[0] ? verificationOf(rows[0]) : null;
  }

  async verificationTokenState(hash: Buffer, now: Date): Promise<DeadTokenState> {
    const rows = await this.db.query<StateRow>('SELECT used_at, expires_at FROM email_verification_tokens WHERE token_hash = $1', [hash]);
    return stateOf(rows[0], now);
  }

  async replaceResetToken(userId: string, email: string, hash: Buffer, now: Date, expiresAt: Date): Promise<boolean> {
    return this.db.transaction(async () => {
      // Locks the user like lockUser, and only while the address is still the one the link goes to.
      const current = await this.db.query('SELECT 1 FROM users WHERE id = $1 AND email = $2 FOR NO KEY UPDATE', [userId, email]);
      if (current.length === 0) return false;
      await this.db.execute('DELETE FROM password_reset_tokens WHERE user_id = $1 AND used_at IS NULL', [userId]);
      await this.db.execute(
        'INSERT INTO password_reset_tokens (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [userId, hash, now, expiresAt],
      );
      return true;
    });
  }

  async findLiveResetToken(hash: Buffer, now: Date): Promise<string | null> {
    const rows = await this.db.query<{ user_id: string }>(
      'SELECT user_id FROM password_reset_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2',
      [hash, now],
    );
    return rows[0]?.user_id ?? null;
  }

  async consumeResetToken(hash: Buffer, now: Date): Promise<string | null> {
    const rows = await this.db.query<{ user_id: string }>(
      `UPDATE password_reset_tokens SET used_at = $2
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
        RETURNING user_id`,
      [hash, now],
    );
    return rows[0]?.user_id ?? null;
  }

  async resetTokenState(hash: Buffer, now: Date): Promise<DeadTokenState> {
    const rows = await this.db.query<StateRow>('SELECT used_at, expires_at FROM password_reset_tokens WHERE token_hash = $1', [hash]);
    return stateOf(rows[0], now);
  }

  async invalidateAllForUser(userId: string): Promise<number> {
    return this.db.transaction(async () => {
      // The same per-user lock as issuance: a link being issued concurrently is either deleted here or sees the change.
      await this.lockUser(userId);
      const resets = await this.db.execute('DELETE FROM password_reset_tokens WHERE user_id = $1 AND used_at IS NULL', [userId]);
      const verifications = await this.db.execute('DELETE FROM email_verification_tokens WHERE user_id = $1 AND used_at IS NULL', [userId]);
      return resets + verifications;
    });
  }

  /**
   * Serialises token issuance per user: two concurrent requests would otherwise
   * each delete the other's not-yet-committed token and leave two live ones.
   * NO KEY UPDATE does not block inserts that only reference the user (sessions, tokens).
   */
  async lockUser(userId: string): Promise<void> {
    await this.db.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
  }

  async deleteExpired(now: Date, batch: number): Promise<number> {
    let deleted = 0;
    for (const table of ['password_reset_tokens', 'email_verification_tokens']) {
      deleted += await this.db.execute(
        `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE expires_at <= $1 LIMIT $2)`,
        [now, batch],
      );
    }
    return deleted;
  }
}

function stateOf(row: StateRow | undefined, now: Date): DeadTokenState {
  return row && row.used_at === null && row.expires_at.getTime() <= now.getTime() ? 'expired' : 'invalid';
}

interface VerificationRow {
  user_id: string;
  email: string;
  signup_installation_id: string | null;
}

function verificationOf(row: VerificationRow): ConsumedVerification {
  return { userId: row.user_id, email: row.email, signupInstallationId: row.signup_installation_id };
}
