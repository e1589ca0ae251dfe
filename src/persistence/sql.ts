import type { Pool, PoolClient } from 'pg';
import { type DataSource } from 'typeorm';

/** The statements of Sql, also run inside a transaction (Sql.transaction). */
export interface SqlExecutor {
  rows<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  one<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T | undefined>;
  exec(text: string, params?: unknown[]): Promise<number>;
}

/**
 * Raw SQL on the DataSource's own pg pool, for the hot paths (HL7 ingest, kiosk checks, lot items).
 * Measured: TypeORM's query runner and query builder cost 2-3× the CPU of the same statement sent to the pool
 * directly, and they return UPDATE … RETURNING as [rows, count]; this always returns the rows.
 */
export class Sql implements SqlExecutor {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    const pool = (dataSource.driver as unknown as { master?: Pool }).master;
    if (!pool) throw new Error('The DataSource must be initialised before SQL is used');
    this.pool = pool;
  }

  async rows<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params)).rows as T[];
  }

  async one<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T | undefined> {
    return (await this.rows<T>(text, params))[0];
  }

  /** Number of rows the statement touched. */
  async exec(text: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(text, params)).rowCount ?? 0;
  }

  /**
   * Runs `fn` in one transaction on one pooled connection: committed when it resolves, rolled back when it throws
   * (and when the process dies before COMMIT: PostgreSQL rolls back a connection that goes away). For multi-statement
   * steps that must commit together (a lot, its numbers, its invoices); single statements need none.
   */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(clientExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    } finally {
      // A connection whose rollback failed is not given back to the pool in an unknown state.
      client.release(broken);
    }
  }
}

function clientExecutor(client: PoolClient): SqlExecutor {
  const rows = async <T>(text: string, params: unknown[] = []): Promise<T[]> => (await client.query(text, params)).rows as T[];
  return {
    rows,
    one: async <T>(text: string, params: unknown[] = []): Promise<T | undefined> => (await rows<T>(text, params))[0],
    exec: async (text: string, params: unknown[] = []): Promise<number> => (await client.query(text, params)).rowCount ?? 0,
  };
}
