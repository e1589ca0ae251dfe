import type { Pool, PoolClient } from 'pg';
import { type DataSource } from 'typeorm';

/** The statements of Sql, on the pool or inside one transaction (Sql.transaction). */
export interface SqlQueries {
  rows<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  one<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T | undefined>;
  exec(text: string, params?: unknown[]): Promise<number>;
}

/**
 * Raw SQL on the DataSource's own pg pool, for the hot paths (HL7 ingest, kiosk checks, lot items).
 * Measured: TypeORM's query runner and query builder cost 2-3× the CPU of the same statement sent to the pool
 * directly, and they return UPDATE … RETURNING as [rows, count]; this always returns the rows.
 */
export class Sql implements SqlQueries {
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
   * Runs `fn` on one pooled connection between BEGIN and COMMIT; ROLLBACK when it throws (the error is rethrown).
   * For work that must land whole or not at all (a return file and everything it applies).
   */
  async transaction<T>(fn: (tx: SqlQueries) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const out = await fn(onClient(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e; // the connection is unusable: destroyed on release rather than handed to the next caller
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

function onClient(client: PoolClient): SqlQueries {
  const rows = async <T>(text: string, params: unknown[] = []): Promise<T[]> => (await client.query(text, params)).rows as T[];
  return {
    rows,
    one: async <T>(text: string, params: unknown[] = []): Promise<T | undefined> => (await rows<T>(text, params))[0],
    exec: async (text: string, params: unknown[] = []): Promise<number> => (await client.query(text, params)).rowCount ?? 0,
  };
}
