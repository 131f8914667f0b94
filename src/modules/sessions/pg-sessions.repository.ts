import { Injectable } from '@nestjs/common';
import type { LiveSession } from '../../common/auth/auth-ports';
import { MicroBatch } from '../../common/concurrency/micro-batch';
import { isUuid } from '../../common/validation/uuid';
import { Db } from '../../database/db';
import { toUserRecord, USER_COLUMNS, type UserRow } from '../users/pg-users.repository';
import type { UserRecord } from '../users/user.model';
import type { NewSession, Rotation, SessionOwner, SessionRecord } from './session.model';
import { SessionsRepository } from './sessions.repository';

interface SessionKey {
  readonly sessionId: string;
  readonly userId: string;
  readonly now: Date;
}

interface SessionRow {
  id: string;
  user_id: string;
  device_id: string;
  installation_id: string;
  device_name: string;
  device_type: string;
  client_version: string;
  metadata: Record<string, string>;
  ip_address: string;
  ip_created_by: string;
  ip_country: string;
  activity_count: number;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  refresh_token_hash: Buffer;
}

const COLUMNS = `id, user_id, device_id, installation_id, device_name, device_type, client_version, metadata,
  ip_address, ip_created_by, ip_country, activity_count, created_at, last_seen_at, expires_at, refresh_token_hash`;

function toRecord(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    deviceId: r.device_id,
    installationId: r.installation_id,
    deviceName: r.device_name,
    deviceType: r.device_type,
    clientVersion: r.client_version,
    metadata: r.metadata ?? {},
    ipAddress: r.ip_address,
    ipCreatedBy: r.ip_created_by,
    ipCountry: r.ip_country,
    activityCount: r.activity_count,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    refreshTokenHash: r.refresh_token_hash,
  };
}

@Injectable()
export class PgSessionsRepository extends SessionsRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async upsertForDevice(s: NewSession): Promise<SessionRecord> {
    const d = s.device;
    // A sign-in on the device replaces its session (new id): the replaced session's
    // retired tokens go with it, like its current one, in the same statement.
    const rows = await this.db.query<SessionRow>(
      `WITH replaced AS (
         DELETE FROM session_retired_tokens
          WHERE session_id = (SELECT id FROM sessions WHERE user_id = $1 AND device_id = $2)
       )
       INSERT INTO sessions (user_id, device_id, installation_id, device_name, device_type, client_version, metadata,
                             refresh_token_hash, ip_address, ip_created_by, ip_country, created_at, last_seen_at, expires_at,
                             authenticated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $11, $12, $11)
       ON CONFLICT (user_id, device_id) DO UPDATE SET
         id = uuid_v7(), installation_id = EXCLUDED.installation_id, device_name = EXCLUDED.device_name,
         device_type = EXCLUDED.device_type, client_version = EXCLUDED.client_version, metadata = EXCLUDED.metadata,
         refresh_token_hash = EXCLUDED.refresh_token_hash, previous_token_hash = NULL, rotated_at = NULL,
         ip_address = EXCLUDED.ip_address, ip_created_by = EXCLUDED.ip_created_by, ip_country = EXCLUDED.ip_country,
         activity_count = 0, created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at,
         expires_at = EXCLUDED.expires_at, authenticated_at = EXCLUDED.authenticated_at
       RETURNING ${COLUMNS}`,
      [
        s.userId, d.deviceId, d.installationId, d.deviceName ?? '', d.deviceType ?? '', d.clientVersion ?? '',
        JSON.stringify(d.metadata ?? {}), s.refreshTokenHash, s.ip, s.ipCountry, s.now, s.expiresAt,
      ], 'sessions_upsert_for_device',
    );
    return toRecord(rows[0]);
  }

  async rotate(r: Rotation): Promise<{ session: SessionRecord; owner: SessionOwner } | null> {
    // authenticated_at is left alone on purpose: a refresh proves possession of a
    // token, not of the password (SetupMfa's recent-sign-in check reads it).
    // One statement. `cur` locks the session row the presented token opens; of requests
    // racing with one token, the first gets the lock and the others wait, then
    // re-evaluate its WHERE against the rotated row: they match only through the grace
    // branch (previous_token_hash), so after the window exactly one succeeds. `cur`
    // reads the token being replaced from the locked (latest) row: the presented one,
    // or, in the grace branch, the one the first refresh issued. `retired` keeps it, so
    // it is recognised as reuse however many rotations later it comes back.
    const rows = await this.db.query<SessionRow & { owner_status: string; owner_role: string; owner_email: string | null; owner_name: string | null }>(
      `WITH cur AS (
         SELECT id AS session_id, refresh_token_hash AS replaced_hash
           FROM sessions
          WHERE expires_at > $3
            AND created_at + $8::integer * interval '1 second' > $3
            AND (refresh_token_hash = $1 OR (previous_token_hash = $1 AND rotated_at > $4))
            FOR UPDATE
       ), s AS (
         UPDATE sessions SET
           previous_token_hash = CASE WHEN refresh_token_hash = $1 THEN $1 ELSE previous_token_hash END,
           rotated_at         = CASE WHEN refresh_token_hash = $1 THEN $3 ELSE rotated_at END,
           refresh_token_hash = $2,
           expires_at         = LEAST(GREATEST(expires_at, $5), created_at + $8::integer * interval '1 second'),
           activity_count     = activity_count + 1,
           last_seen_at       = $3,
           ip_address         = $6,
           ip_country         = $7
           FROM cur
          WHERE sessions.id = cur.session_id
         RETURNING ${COLUMNS}, cur.replaced_hash
       ), retired AS (
         INSERT INTO session_retired_tokens (token_hash, session_id, retired_at)
         SELECT replaced_hash, id, $3 FROM s
         ON CONFLICT (token_hash) DO NOTHING
       )
       SELECT s.*, u.status AS owner_status, u.role AS owner_role, u.email AS owner_email, p.display_name AS owner_name
         FROM s JOIN users u ON u.id = s.user_id LEFT JOIN user_profiles p ON p.user_id = s.user_id`,
      [r.presentedHash, r.newHash, r.now, r.graceSince, r.expiresAt, r.ip, r.ipCountry, r.maxLifetimeSeconds], 'sessions_rotate',
    );
    const row = rows[0];
    if (!row) return null;
    return {
      session: toRecord(row),
      owner: { status: row.owner_status, role: row.owner_role, email: row.owner_email, displayName: row.owner_name ?? '' },
    };
  }

  async revokeByRetiredToken(presentedHash: Buffer, retiredUpTo: Date): Promise<number> {
    // The retired rows go with the session (ON DELETE CASCADE).
    return this.db.execute(
      `DELETE FROM sessions
        WHERE id = (SELECT session_id FROM session_retired_tokens WHERE token_hash = $1 AND retired_at <= $2)`,
      [presentedHash, retiredUpTo], 'sessions_revoke_by_retired_token',
    );
  }

  async findLive(sessionId: string, userId: string, now: Date): Promise<(LiveSession & { status: string }) | null> {
    const rows = await this.db.query<{ role: string; status: string; permissions: Record<string, boolean> }>(
      `SELECT u.role, u.status, r.permissions
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN roles r ON r.name = u.role
        WHERE s.id = $1 AND s.user_id = $2 AND s.expires_at > $3`,
      [sessionId, userId, now], 'sessions_find_live',
    );
    const row = rows[0];
    return row ? { role: row.role, status: row.status, permissions: row.permissions } : null;
  }

  async findLiveOwner(sessionId: string, userId: string, now: Date): Promise<UserRecord | null> {
    // Claims come from our own signed tokens; anything else is no session (and must not fail a whole batch).
    if (!isUuid(sessionId) || !isUuid(userId)) return null;
    if (this.db.inTransaction) return (await this.findLiveOwners([{ sessionId, userId, now }]))[0];
    return this.ownerLookups.load({ sessionId, userId, now });
  }

  /** ValidateCredentials' hot path: the concurrent lookups of one event-loop turn in one statement. */
  private readonly ownerLookups = new MicroBatch<SessionKey, UserRecord | null>((keys) => this.findLiveOwners(keys));

  private async findLiveOwners(keys: readonly SessionKey[]): Promise<Array<UserRecord | null>> {
    const rows = await this.db.query<UserRow & { i: string }>(
      `SELECT k.i, ${USER_COLUMNS}
         FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) WITH ORDINALITY AS k(sid, uid, now, i)
         JOIN sessions s ON s.id = k.sid AND s.user_id = k.uid AND s.expires_at > k.now
         JOIN users u ON u.id = s.user_id
         LEFT JOIN user_profiles p ON p.user_id = u.id`,
      [keys.map((k) => k.sessionId), keys.map((k) => k.userId), keys.map((k) => k.now)], 'sessions_find_live_owners',
    );
    const found: Array<UserRecord | null> = keys.map(() => null);
    for (const r of rows) found[Number(r.i) - 1] = toUserRecord(r);
    return found;
  }

  async findAuthenticatedAt(sessionId: string, userId: string, now: Date): Promise<Date | null> {
    const rows = await this.db.query<{ authenticated_at: Date }>(
      'SELECT authenticated_at FROM sessions WHERE id = $1 AND user_id = $2 AND expires_at > $3',
      [sessionId, userId, now],
    );
    return rows[0]?.authenticated_at ?? null;
  }

  async listForUser(userId: string, now: Date): Promise<SessionRecord[]> {
    const rows = await this.db.query<SessionRow>(
      `SELECT ${COLUMNS} FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id DESC`,
      [userId, now],
    );
    return rows.map(toRecord);
  }

  async deleteById(userId: string, sessionId: string): Promise<number> {
    return this.db.execute('DELETE FROM sessions WHERE user_id = $1 AND id = $2', [userId, sessionId]);
  }

  async deleteByDevice(userId: string, deviceId: string): Promise<number> {
    return this.db.execute('DELETE FROM sessions WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
  }

  async deleteAllExcept(userId: string, keepSessionId: string | null): Promise<number> {
    return this.db.execute('DELETE FROM sessions WHERE user_id = $1 AND ($2::uuid IS NULL OR id <> $2::uuid)', [userId, keepSessionId]);
  }

  async deleteExpired(now: Date, batch: number): Promise<number> {
    return this.db.execute(
      `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, batch],
    );
  }
}
