import type { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/app/flows';
import { createDataSource } from '../../src/persistence/data-source';
import { migrate } from '../../src/persistence/migrate';
import { Sql } from '../../src/persistence/sql';
import { createTestDatabase } from './test-database';

/** A fresh test database with every migration run, its data source and its Sql: for the store-level tests. */
export async function createMigratedDatabase(
  poolSize = 4,
): Promise<{ db: { url: string; drop: () => Promise<void> }; ds: DataSource; sql: Sql }> {
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, poolSize, MIGRATIONS);
  await ds.initialize();
  await migrate(ds);
  return { db, ds, sql: new Sql(ds) };
}
