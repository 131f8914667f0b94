import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import { LoginAttemptsRepository, type AttemptState } from './login-attempts.repository';

interface Row {
  failed_attempts: number;
  locked_until: Date | null;
}

const toState = (r: Row): AttemptState => ({ failedAttempts: r.failed_attempts, lockedUntil: r.locked_until });

@Injectable()
export class PgLoginAttemptsRepository extends LoginAttemptsRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async find(identifier: string): Promise<AttemptState | null> {
    const rows = await this.db.query<Row>('SELECT failed_attempts, locked_until FROM login_attempts WHERE identifier = $1', [identifier], 'login_attempts_find');
    return rows[0] ? toState(rows[0]) : null;
  }

  async recordFailure(identifier: string, now: Date, threshold: number, lockoutMs: number): Promise<AttemptState> {
    // One upsert: concurrent failures serialise on the row, each sees the previous
    // count, so 50 parallel wrong passwords lock at exactly `threshold`.
    const rows = await this.db.query<Row>(
      `WITH params AS (SELECT $2::timestamptz AS now, $3::int AS threshold, ($4::bigint * interval '1 millisecond') AS lockout)
       INSERT INTO login_attempts AS a (identifier, failed_attempts, locked_until, last_failed_at)
       SELECT $1, 1, CASE WHEN 1 >= threshold THEN now + lockout END, now FROM params
       ON CONFLICT (identifier) DO UPDATE SET
         failed_attempts = CASE
             WHEN a.locked_until > (SELECT now FROM params) THEN a.failed_attempts
             WHEN a.locked_until IS NOT NULL OR a.last_failed_at <= (SELECT now - lockout FROM params) THEN 1
             ELSE a.failed_attempts + 1 END,
         locked_until = CASE
             WHEN a.locked_until > (SELECT now FROM params) THEN a.locked_until
             WHEN (a.locked_until IS NOT NULL OR a.last_failed_at <= (SELECT now - lockout FROM params))
               THEN CASE WHEN 1 >= (SELECT threshold FROM params) THEN (SELECT now + lockout FROM params) END
             WHEN a.failed_attempts + 1 >= (SELECT threshold FROM params) THEN (SELECT now + lockout FROM params)
             ELSE NULL END,
         last_failed_at = CASE WHEN a.locked_until > (SELECT now FROM params) THEN a.last_failed_at ELSE (SELECT now FROM params) END
       RETURNING a.failed_attempts, a.locked_until`,
      [identifier, now, threshold, lockoutMs],
    );
    return toState(rows[0]);
  }

  async clear(identifiers: readonly string[]): Promise<void> {
    if (identifiers.length === 0) return;
    await this.db.execute('DELETE FROM login_attempts WHERE identifier = ANY($1::text[])', [identifiers]);
  }
  async deleteStale(now: Date, quietSince: Date, batch: number): Promise<number> {
    return this.db.execute(
      `DELETE FROM login_attempts WHERE identifier IN (
         SELECT identifier FROM login_attempts
          WHERE (locked_until IS NULL OR locked_until <= $1) AND last_failed_at <= $2 LIMIT $3)`,
      [now, quietSince, batch],
    );
  }
}
