import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import type { ChallengeRecord, EncryptedSecret, NewChallenge, PendingSetup, RecoveryCodeDigest, TotpFactor } from './totp.model';
import { TotpRepository } from './totp.repository';

interface FactorRow {
  user_id: string;
  secret_ciphertext: Buffer;
  key_id: string;
  last_used_step: string;
  configured_at: Date;
}

interface SetupRow {
  id: string;
  user_id: string;
  secret_ciphertext: Buffer;
  key_id: string;
  failed_attempts: number;
}

interface ChallengeRow {
  id: string;
  user_id: string;
  device_id: string;
  installation_id: string;
  device_name: string;
  device_type: string;
  client_version: string;
  metadata: Record<string, string> | null;
  ip_address: string;
  failed_attempts: number;
  expires_at: Date;
}

@Injectable()
export class PgTotpRepository extends TotpRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async findFactor(userId: string): Promise<TotpFactor | null> {
    const rows = await this.db.query<FactorRow>(
      'SELECT user_id, secret_ciphertext, key_id, last_used_step, configured_at FROM user_totp WHERE user_id = $1',
      [userId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      userId: r.user_id,
      secret: { ciphertext: r.secret_ciphertext, keyId: r.key_id },
      lastUsedStep: Number(r.last_used_step),
      configuredAt: r.configured_at,
    };
  }

  async isEnabled(userId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM user_totp WHERE user_id = $1', [userId])).length > 0;
  }

  async lockFactor(userId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM user_totp WHERE user_id = $1 FOR UPDATE', [userId])).length > 0;
  }

  async createSetup(userId: string, tokenHash: Buffer, secret: EncryptedSecret, now: Date, expiresAt: Date): Promise<void> {
    await this.db.execute(
      `WITH stale AS (DELETE FROM mfa_setup_tokens WHERE user_id = $1 AND (used_at IS NOT NULL OR expires_at <= $5))
       INSERT INTO mfa_setup_tokens (user_id, token_hash, secret_ciphertext, key_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [userId, tokenHash, secret.ciphertext, secret.keyId, now, expiresAt],
    );
  }

  async findLiveSetup(userId: string, tokenHash: Buffer, now: Date): Promise<PendingSetup | null> {
    const rows = await this.db.query<SetupRow>(
      `SELECT id, user_id, secret_ciphertext, key_id, failed_attempts FROM mfa_setup_tokens
        WHERE token_hash = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3`,
      [tokenHash, userId, now],
    );
    const r = rows[0];
    return r
      ? { id: r.id, userId: r.user_id, secret: { ciphertext: r.secret_ciphertext, keyId: r.key_id }, failedAttempts: r.failed_attempts }
      : null;
  }

  async consumeSetup(setupId: string, now: Date): Promise<boolean> {
    // Of two confirmations racing with one token, only the first still sees used_at IS NULL.
    const n = await this.db.execute(
      'UPDATE mfa_setup_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2',
      [setupId, now],
    );
    return n === 1;
  }

  async recordSetupFailure(setupId: string, now: Date, max: number): Promise<void> {
    await this.db.execute(
      `UPDATE mfa_setup_tokens SET failed_attempts = failed_attempts + 1,
              used_at = CASE WHEN failed_attempts + 1 >= $3 THEN $2::timestamptz ELSE used_at END
        WHERE id = $1 AND used_at IS NULL`,
      [setupId, now, max],
    );
  }

  async enableFactor(userId: string, secret: EncryptedSecret, acceptedStep: number, now: Date): Promise<boolean> {
    const n = await this.db.execute(
      `INSERT INTO user_totp (user_id, secret_ciphertext, key_id, last_used_step, configured_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (user_id) DO NOTHING`,
      [userId, secret.ciphertext, secret.keyId, acceptedStep, now],
    );
    return n === 1;
  }

  async replaceRecoveryCodes(userId: string, codes: readonly RecoveryCodeDigest[], now: Date): Promise<void> {
    await this.db.execute(
      `WITH old AS (DELETE FROM mfa_recovery_codes WHERE user_id = $1)
       INSERT INTO mfa_recovery_codes (user_id, code_hash, scheme, key_id, created_at)
       SELECT $1, h, s, k, $5 FROM unnest($2::bytea[], $3::text[], $4::text[]) AS c(h, s, k)`,
      [userId, codes.map((c) => c.hash), codes.map((c) => c.scheme), codes.map((c) => c.keyId), now],
    );
  }

  async advanceStep(userId: string, step: number, now: Date): Promise<boolean> {
    // The replay guard in one statement: concurrent requests with the same code
    // serialise on the row, and only the first still sees a smaller last_used_step.
    const n = await this.db.execute(
      'UPDATE user_totp SET last_used_step = $2, last_used_at = $3 WHERE user_id = $1 AND last_used_step < $2',
      [userId, step, now],
    );
    return n === 1;
  }

  async consumeRecoveryCode(userId: string, candidates: readonly RecoveryCodeDigest[], now: Date): Promise<boolean> {
    // One conditional UPDATE: of requests racing with one code, only the first still
    // sees used_at IS NULL. A row matches only a candidate of its own scheme and key.
    const n = await this.db.execute(
      `UPDATE mfa_recovery_codes SET used_at = $5
        WHERE user_id = $1 AND used_at IS NULL
          AND (code_hash, scheme, coalesce(key_id, '')) IN (SELECT * FROM unnest($2::bytea[], $3::text[], $4::text[]))`,
      [userId, ...candidateColumns(candidates), now],
    );
    return n > 0;
  }

  async hasUnusedRecoveryCode(userId: string, candidates: readonly RecoveryCodeDigest[]): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM mfa_recovery_codes
        WHERE user_id = $1 AND used_at IS NULL
          AND (code_hash, scheme, coalesce(key_id, '')) IN (SELECT * FROM unnest($2::bytea[], $3::text[], $4::text[]))`,
      [userId, ...candidateColumns(candidates)],
    );
    return rows.length > 0;
  }

  async countRecoveryCodes(userId: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return rows[0]?.n ?? 0;
  }

  async createChallenge(c: NewChallenge, maxLive: number): Promise<void> {
    const d = c.device;
    // Keeps the newest maxLive - 1 live challenges, then adds this one. created_at
    // comes from the application clock; the id (UUIDv7, database time) breaks ties.
    await this.db.execute(
      `WITH stale AS (DELETE FROM mfa_challenges WHERE user_id = $1 AND (used_at IS NOT NULL OR expires_at <= $10)),
            retired AS (DELETE FROM mfa_challenges WHERE id IN (
              SELECT id FROM mfa_challenges WHERE user_id = $1 AND used_at IS NULL AND expires_at > $10
               ORDER BY created_at DESC, id DESC OFFSET $12::int - 1))
       INSERT INTO mfa_challenges (user_id, token_hash, device_id, installation_id, device_name, device_type, client_version,
                                   metadata, ip_address, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        c.userId, c.tokenHash, d.deviceId, d.installationId, d.deviceName ?? '', d.deviceType ?? '', d.clientVersion ?? '',
        JSON.stringify(d.metadata ?? {}), c.ip, c.now, c.expiresAt, maxLive,
      ],
    );
  }

  async findLiveChallenge(tokenHash: Buffer, now: Date): Promise<ChallengeRecord | null> {
    const rows = await this.db.query<ChallengeRow>(
      `SELECT id, user_id, device_id, installation_id, device_name, device_type, client_version, metadata, ip_address,
              failed_attempts, expires_at
         FROM mfa_challenges WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
      [tokenHash, now],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      userId: r.user_id,
      device: {
        deviceId: r.device_id,
        installationId: r.installation_id,
        deviceName: r.device_name,
        deviceType: r.device_type,
        clientVersion: r.client_version,
        metadata: r.metadata ?? {},
      },
      ip: r.ip_address,
      failedAttempts: r.failed_attempts,
      expiresAt: r.expires_at,
    };
  }

  async endChallenge(challengeId: string, now: Date): Promise<boolean> {
    const n = await this.db.execute(
      'UPDATE mfa_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2',
      [challengeId, now],
    );
    return n === 1;
  }

  async recordChallengeFailure(challengeId: string, now: Date, max: number): Promise<void> {
    await this.db.execute(
      `UPDATE mfa_challenges SET failed_attempts = failed_attempts + 1,
              used_at = CASE WHEN failed_attempts + 1 >= $3 THEN $2::timestamptz ELSE used_at END
        WHERE id = $1 AND used_at IS NULL`,
      [challengeId, now, max],
    );
  }

  async removeAll(userId: string): Promise<boolean> {
    // Data-modifying CTEs all run, referenced or not: one atomic statement.
    const rows = await this.db.query<{ n: number }>(
      `WITH f AS (DELETE FROM user_totp WHERE user_id = $1 RETURNING 1),
            r AS (DELETE FROM mfa_recovery_codes WHERE user_id = $1),
            s AS (DELETE FROM mfa_setup_tokens WHERE user_id = $1),
            c AS (DELETE FROM mfa_challenges WHERE user_id = $1)
       SELECT count(*)::int AS n FROM f`,
      [userId],
    );
    return (rows[0]?.n ?? 0) > 0;
  }
  async deleteExpired(now: Date, batch: number): Promise<number> {
    let deleted = 0;
    for (const table of ['mfa_setup_tokens', 'mfa_challenges']) {
      deleted += await this.db.execute(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE expires_at <= $1 LIMIT $2)`, [now, batch]);
    }
    return deleted;
  }
}

/** The candidates as three parallel arrays for unnest (a NULL key id compared as ''). */
function candidateColumns(candidates: readonly RecoveryCodeDigest[]): [Buffer[], string[], string[]] {
  return [candidates.map((c) => c.hash), candidates.map((c) => c.scheme), candidates.map((c) => c.keyId ?? '')];
}
