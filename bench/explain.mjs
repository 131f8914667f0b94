// EXPLAIN ANALYZE of the hot queries on a seeded database (npm run bench:explain).
// Prints markdown for BENCHMARKS.md. The statements are copied from the repositories.
import { randomUUID } from 'node:crypto';
import { freshDatabase, withClient } from './lib/db.mjs';
import { startServer } from './lib/server.mjs';

export async function run() {
  const url = await freshDatabase('auth_bench_explain');
  const server = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true' } });
  await server.stop();
  return withClient(url, async (c) => {
    await c.query(`WITH u AS (INSERT INTO users (email, status) SELECT 'e-' || i || '@example.com', 'active' FROM generate_series(1, 100000) i RETURNING id)
                   INSERT INTO user_profiles (user_id) SELECT id FROM u`);
    await c.query(`INSERT INTO sessions (user_id, device_id, installation_id, refresh_token_hash, expires_at)
                   SELECT id, 'd', gen_random_uuid(), sha256(id::text::bytea), now() + interval '90 days' FROM users`);
    await c.query('ANALYZE');
    const { rows: [s] } = await c.query('SELECT id, user_id, refresh_token_hash FROM sessions OFFSET 500 LIMIT 1');
    const now = new Date();
    const { rows: batch } = await c.query('SELECT id, user_id FROM sessions ORDER BY random() LIMIT 64');
    const queries = {
      'ValidateCredentials: owners of 64 live sessions in one batch (sessions.findLiveOwners)': [
        `SELECT k.i, u.id, u.email, u.status, p.display_name
           FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) WITH ORDINALITY AS k(sid, uid, now, i)
           JOIN sessions s ON s.id = k.sid AND s.user_id = k.uid AND s.expires_at > k.now
           JOIN users u ON u.id = s.user_id LEFT JOIN user_profiles p ON p.user_id = u.id`,
        [batch.map((b) => b.id), batch.map((b) => b.user_id), batch.map(() => now)]],
      'Guard on state-changing calls (sessions.findLive)': [
        `SELECT u.role, u.status, r.permissions FROM sessions s JOIN users u ON u.id = s.user_id JOIN roles r ON r.name = u.role
          WHERE s.id = $1 AND s.user_id = $2 AND s.expires_at > $3`, [s.id, s.user_id, now]],
      'RefreshTokens rotation (sessions.rotate, rolled back)': [
        `UPDATE sessions SET previous_token_hash = CASE WHEN refresh_token_hash = $1 THEN $1 ELSE previous_token_hash END,
           refresh_token_hash = $2, last_seen_at = $3, activity_count = activity_count + 1
         WHERE expires_at > $3 AND (refresh_token_hash = $1 OR (previous_token_hash = $1 AND rotated_at > $4))`,
        [s.refresh_token_hash, Buffer.from(randomUUID()), now, new Date(now.getTime() - 10_000)]],
      'Authenticate: user by email (users.findByIdentifier)': [
        `SELECT u.id, u.password_hash, u.status FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id WHERE u.email = $1 AND u.deleted_at IS NULL`, ['e-5000@example.com']],
      'Authenticate: lockout state (login_attempts.find)': ['SELECT failed_attempts, locked_until FROM login_attempts WHERE identifier = $1', ['email:e-5000@example.com']],
    };
    const out = ['100,000 users with one session each, ANALYZEd.', ''];
    for (const [name, [sql, params]] of Object.entries(queries)) {
      await c.query('BEGIN');
      const { rows } = await c.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${sql}`, params);
      await c.query('ROLLBACK');
      out.push(`### ${name}`, '', '```', ...rows.map((r) => r['QUERY PLAN']), '```', '');
    }
    return out.join('\n');
  });
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
