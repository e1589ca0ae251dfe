/**
 * TypeORM here runs migrations and owns the pg pool, nothing else: there are no entities. Every table has one store
 * (`*.store.ts`, beside its flow) holding its named SQL and returning plain row interfaces, with columns aliased to
 * camelCase in the SQL itself. The decorated entities we had were never read through TypeORM (no repository, no
 * query builder: the hot paths send raw SQL to the pool, see sql.ts), only two tables of nine had one, and their
 * metadata could drift from the migrations unnoticed; the migrations are the schema's one description.
 */
import { DataSource } from 'typeorm';
import { Foundation1764000000000 } from './migrations/1764000000000-foundation';
import { CdriLots1764100000000 } from './migrations/1764100000000-cdri-lots';
import { Transmissions1764200000000 } from './migrations/1764200000000-transmissions';

export const MIGRATIONS = [Foundation1764000000000, CdriLots1764100000000, Transmissions1764200000000];

/**
 * The application's one DataSource. Schema changes only through migrations (run at boot, serialised by
 * TypeORM's migration lock); `synchronize` is never on.
 */
export function createDataSource(url: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [],
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'passerelle' },
  });
}
