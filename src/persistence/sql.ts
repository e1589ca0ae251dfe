import type { Pool } from 'pg';
import { type DataSource } from 'typeorm';

/**
 * Raw SQL on the DataSource's own pg pool, for the hot paths (HL7 ingest, kiosk checks, lot items).
 * Measured: TypeORM's query runner and query builder cost 2-3× the CPU of the same statement sent to the pool
 * directly, and they return UPDATE … RETURNING as [rows, count]; this always returns the rows.
 */
export class Sql {
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
}
