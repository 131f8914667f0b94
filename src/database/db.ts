import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Pool, QueryResultRow } from 'pg';

interface Rows<T> {
  rows: T[];
  rowCount: number;
}

/**
 * The data-access handle repositories use. Inside `transaction(fn)` every
 * call joins the same transaction (carried by async context), so services
 * compose repository calls atomically without passing managers around.
 * Outside a transaction statements go straight to the pg pool: TypeORM's
 * query() reshapes UPDATE/DELETE results (`[rows, count]`), this does not.
 */
@Injectable()
export class Db {
  private readonly current = new AsyncLocalStorage<EntityManager>();

  constructor(readonly dataSource: DataSource) {}

  /** The entity manager of the current transaction, or the default one. */
  get manager(): EntityManager {
    return this.current.getStore() ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) return fn();
    return this.dataSource.transaction((manager) => this.current.run(manager, fn));
  }

  /**
   * Runs one statement. `prepare` names it: outside transactions each pooled
   * connection then parses and plans it once (pg named statements), which the
   * hot paths (token checks, rotation, sign-in) use. Only fixed SQL text may be
   * named, never text built from input.
   */
  async run<T extends QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = [], prepare?: string): Promise<Rows<T>> {
    const runner = this.current.getStore()?.queryRunner;
    if (runner) {
      const result = await runner.query(sql, params, true);
      return { rows: (result.records ?? []) as T[], rowCount: result.affected ?? 0 };
    }
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    const result = prepare ? await pool.query<T>({ name: prepare, text: sql, values: params }) : await pool.query<T>(sql, params);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  /** Rows of a parameterised statement (SELECT, or anything with RETURNING). */
  async query<T extends QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = [], prepare?: string): Promise<T[]> {
    return (await this.run<T>(sql, params, prepare)).rows;
  }

  /** The number of rows a statement touched. */
  async execute(sql: string, params: unknown[] = [], prepare?: string): Promise<number> {
    return (await this.run(sql, params, prepare)).rowCount;
  }
}
