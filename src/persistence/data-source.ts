import { DataSource } from 'typeorm';
import { InboxMessage } from '../hl7/inbox/inbox-message.entity';
import { RightsCheck } from '../cdri/rights-check.entity';
import type { MigrationInterface } from 'typeorm';
import { Foundation1764000000000 } from './migrations/1764000000000-foundation';

export const ENTITIES = [InboxMessage, RightsCheck];
/** The shared tables (HL7 inbox, rights checks); each flow brings its own migrations (FlowModule.migrations). */
export const PLATFORM_MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [Foundation1764000000000];

/**
 * The application's one DataSource. Schema changes only through migrations (run at boot, serialised by
 * TypeORM's migration lock); `synchronize` is never on.
 */
export function createDataSource(url: string, poolSize: number, migrations: ReadonlyArray<new () => MigrationInterface>): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [...migrations],
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'passerelle' },
  });
}
