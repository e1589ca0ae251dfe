import { type DataSource } from 'typeorm';

/** Arbitrary constant shared by every Passerelle process ("PASS" in ASCII). */
const MIGRATION_LOCK_KEY = 0x50415353;

/**
 * Runs pending migrations, one transaction each. TypeORM itself does not serialise concurrent starters,
 * so a session advisory lock held on a dedicated connection makes a second process wait, then find nothing to do.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}
