// The benchmark database: a fresh one per run on BENCH_DB_URL's server.
import pg from 'pg';

export const BENCH_ADMIN_URL = process.env.BENCH_DB_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function urlOf(name) {
  const u = new URL(BENCH_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function freshDatabase(baseName) {
  // With BENCH_PORT_OFFSET (another checkout benchmarking at the same time) the databases differ too.
  const name = process.env.BENCH_PORT_OFFSET ? `${baseName}_${Number(process.env.BENCH_PORT_OFFSET)}` : baseName;
  const admin = new pg.Client({ connectionString: BENCH_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return urlOf(name);
}

export async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** `count` active users bench-<i>@example.com sharing one password hash, in one statement. */
export async function seedUsers(url, count, passwordHash) {
  await withClient(url, (c) =>
    c.query(
      `WITH u AS (
         INSERT INTO users (email, password_hash, status)
         SELECT 'bench-' || i || '@example.com', $2, 'active' FROM generate_series(1, $1) AS i
         ON CONFLICT DO NOTHING
         RETURNING id)
       INSERT INTO user_profiles (user_id, display_name) SELECT id, 'Bench user' FROM u`,
      [count, passwordHash],
    ),
  );
}

export async function postgresVersion() {
  return withClient(BENCH_ADMIN_URL, async (c) => (await c.query('SHOW server_version')).rows[0].server_version);
}
