import type { DataSource } from 'typeorm';
import type { Client, ClientConfig, Pool } from 'pg';

/**
 * A PostgreSQL session-level advisory lock, named by a string, that lets one
 * holder at a time run a job: across replicas (they share the database) and
 * within one process (each attempt opens its own session, and a session never
 * gets a lock another one holds).
 *
 * The lock lives on a dedicated connection opened for the run, outside the pool:
 * the job's own statements use the pool (so DB_POOL_MAX=1 cannot deadlock it)
 * and are not wrapped in one transaction (a sweep in batches must not hold row
 * locks for its whole run). If the holder dies, PostgreSQL drops the lock with
 * its session, so a crashed replica never blocks the job for good.
 */
export class AdvisoryLock {
  constructor(
    private readonly dataSource: DataSource,
    /** Hashed to the lock's 64-bit key by PostgreSQL (hashtextextended). */
    private readonly name: string,
  ) {}

  /** Runs `job` while holding the lock; null, without running it, when another session holds it. */
  async runExclusive<T>(job: () => Promise<T>): Promise<T | null> {
    const connection = this.openSession();
    // A connection dropped mid-run surfaces on its next query; until then the error event must not crash the process.
    connection.on('error', () => undefined);
    try {
      await connection.connect();
      const { rows } = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [this.name]);
      if (!rows[0]?.locked) return null;
      try {
        return await job();
      } finally {
        // Ending the session would release it too; unlocking first makes the release immediate.
        await connection.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.name]).catch(() => undefined);
      }
    } finally {
      await connection.end().catch(() => undefined);
    }
  }

  /** A new session with the pool's own connection settings (host, credentials, TLS, timeouts). */
  private openSession(): Client {
    const pool = (this.dataSource.driver as unknown as { master: Pool & { Client: new (config: ClientConfig) => Client; options: ClientConfig } }).master;
    return new pool.Client(pool.options);
  }
}
