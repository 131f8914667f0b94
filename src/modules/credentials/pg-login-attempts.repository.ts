import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import { LoginAttemptsRepository, type AttemptState } from './login-attempts.repository';

interface Row {
  failed_attempts: number;
  locked_until: Date | null;
}

const toState = (r: Row): AttemptState => ({ failedAttempts: r.failed_attempts, lockedUntil: r.locked_until });

// Pieces of the reservation statement: $2 is now, $3 the threshold, $4 the lockout in milliseconds.
const LOCKOUT = "$4::bigint * interval '1 millisecond'";
const LOCK_END = `$2::timestamptz + ${LOCKOUT}`;
/** After an expired lock, or a lockout window without failures, the count starts again at 1. */
const NEXT_COUNT = `CASE WHEN a.locked_until IS NOT NULL OR a.last_failed_at <= $2::timestamptz - ${LOCKOUT} THEN 1 ELSE a.failed_attempts + 1 END`;

/**
 * The one order every statement locks counter rows in: sorted (JavaScript's order, the
 * same for every caller), so statements over overlapping keys (a sign-in's identifier and
 * account keys, ChangePassword's every key of the user) queue instead of deadlocking.
 */
function lockOrder(identifiers: readonly string[]): string[] {
  return [...new Set(identifiers)].sort();
}

/** The existing rows of the keys in $1 (in lock order), locked one after the other in that order. */
const LOCKED_IN_ORDER = `SELECT l.identifier FROM unnest($1::text[]) WITH ORDINALITY AS k (identifier, n)
    JOIN login_attempts l ON l.identifier = k.identifier ORDER BY k.n FOR UPDATE OF l`;

@Injectable()
export class PgLoginAttemptsRepository extends LoginAttemptsRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async findAll(identifiers: readonly string[]): Promise<AttemptState[]> {
    if (identifiers.length === 0) return [];
    const rows = await this.db.query<Row>(
      'SELECT failed_attempts, locked_until FROM login_attempts WHERE identifier = ANY($1::text[])',
      [[...new Set(identifiers)]],
      'login_attempts_find_all',
    );
    return rows.map(toState);
  }

  async reserve(identifiers: readonly string[], now: Date, threshold: number, lockoutMs: number): Promise<AttemptState[] | null> {
    // Sorted, so two reservations over the same keys lock their rows in the same order.
    const keys = lockOrder(identifiers);
    // One upsert per key: concurrent reservations serialise on the row and each sees
    // the count the previous one left, so of 50 parallel attempts exactly `threshold`
    // are let through. A locked row is left alone (the DO UPDATE condition) and
    // returns nothing; NOT EXISTS spares the other keys when one is already locked.
    const rows = await this.db.query<Row>(
      `INSERT INTO login_attempts AS a (identifier, failed_attempts, locked_until, last_failed_at)
       SELECT k.identifier, 1, CASE WHEN 1 >= $3 THEN ${LOCK_END} END, $2::timestamptz
         FROM unnest($1::text[]) WITH ORDINALITY AS k (identifier, n)
        WHERE NOT EXISTS (SELECT 1 FROM login_attempts l WHERE l.identifier = ANY($1::text[]) AND l.locked_until > $2::timestamptz)
        ORDER BY k.n
       ON CONFLICT (identifier) DO UPDATE SET
         failed_attempts = ${NEXT_COUNT},
         locked_until = CASE WHEN ${NEXT_COUNT} >= $3 THEN ${LOCK_END} END,
         last_failed_at = $2::timestamptz
       WHERE a.locked_until IS NULL OR a.locked_until <= $2::timestamptz
       RETURNING a.failed_attempts, a.locked_until`,
      [keys, now, threshold, lockoutMs],
      'login_attempts_reserve',
    );
    return rows.length === keys.length ? rows.map(toState) : null;
  }

  async release(identifiers: readonly string[], threshold: number): Promise<void> {
    const keys = lockOrder(identifiers);
    // Each statement takes its row locks in reserve's order (LOCKED_IN_ORDER): a plain
    // `WHERE identifier = ANY(...)` locks in scan order and could deadlock with a
    // reservation that holds one of the keys and waits for another.
    await this.db.execute(
      `UPDATE login_attempts a SET failed_attempts = GREATEST(a.failed_attempts - 1, 0),
              locked_until = CASE WHEN a.failed_attempts - 1 < $2 THEN NULL ELSE a.locked_until END
         FROM (${LOCKED_IN_ORDER}) locked WHERE a.identifier = locked.identifier`,
      [keys, threshold],
    );
    // A zero count says nothing a missing row does not; a reservation racing in between
    // has made it non-zero again, and the condition is re-checked on the row it left.
    await this.db.execute(
      `DELETE FROM login_attempts d USING (${LOCKED_IN_ORDER}) locked WHERE d.identifier = locked.identifier AND d.failed_attempts = 0`,
      [keys],
    );
  }

  async clear(identifiers: readonly string[]): Promise<void> {
    if (identifiers.length === 0) return;
    // Rows locked in reserve's order first, as in release.
    await this.db.execute(
      `DELETE FROM login_attempts d USING (${LOCKED_IN_ORDER}) locked WHERE d.identifier = locked.identifier`,
      [lockOrder(identifiers)],
    );
  }

  async deleteStale(now: Date, quietSince: Date, batch: number): Promise<number> {
    return this.db.execute(
      `DELETE FROM login_attempts WHERE identifier IN (
         SELECT identifier FROM login_attempts
          WHERE (locked_until IS NULL OR locked_until <= $1) AND last_failed_at <= $2 LIMIT $3
            -- A counter a sign-in is working on is left for the next sweep (no waiting, no deadlock).
            FOR UPDATE SKIP LOCKED)`,
      [now, quietSince, batch],
    );
  }
}
