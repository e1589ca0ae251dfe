/**
 * TypeORM here runs migrations and owns the pg pool, nothing else: there are no entities. Every table has one store
 * (`*.store.ts`, beside its flow) holding its named SQL and returning plain row interfaces, with columns aliased to
 * camelCase in the SQL itself. The decorated entities we had were never read through TypeORM (no repository, no
 * query builder: the hot paths send raw SQL to the pool, see sql.ts), only two tables of nine had one, and their
 * metadata could drift from the migrations unnoticed; the migrations are the schema's one description.
 */
import { DataSource } from 'typeorm';
import type { MigrationInterface } from 'typeorm';
import { type DbTimeouts, pgTimeoutOptions } from './db-timeouts';
import { Foundation1764000000000 } from './migrations/1764000000000-foundation';
import { InboxPseudonym1764300000000 } from './migrations/1764300000000-inbox-pseudonym';
import { Hl7EdgeSafety1764300000001 } from './migrations/1764300000001-hl7-edge-safety';
import { Hl7SafetyPseudonym1764500000000 } from './migrations/1764500000000-hl7-safety-pseudonym';

/** The shared tables (HL7 inbox, rights checks); each flow brings its own migrations (FlowModule.migrations). */
export const PLATFORM_MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [
  Foundation1764000000000,
  InboxPseudonym1764300000000,
  Hl7EdgeSafety1764300000001,
  Hl7SafetyPseudonym1764500000000,
];

/**
 * The application's one DataSource. Schema changes only through migrations (run at boot, serialised by
 * TypeORM's migration lock); `synchronize` is never on. Every connection carries the configured time limits
 * (db-timeouts.ts; tests building their own DataSource may leave them out); `statementMs` overrides the statement limit (the migrations' own DataSource).
 */
export function createDataSource(
  url: string,
  poolSize: number,
  migrations: ReadonlyArray<new () => MigrationInterface>,
  timeouts?: DbTimeouts,
  statementMs = timeouts?.statementMs ?? 0,
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [],
    migrations: [...migrations],
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'passerelle', ...(timeouts ? pgTimeoutOptions(timeouts, statementMs) : {}) },
  });
}
