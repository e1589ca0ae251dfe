import { DataSource } from 'typeorm';
import { InboxMessage } from '../hl7/inbox/inbox-message.entity';
import { RightsCheck } from '../cdri/rights-check.entity';
import { Foundation1764000000000 } from './migrations/1764000000000-foundation';
import { CdriLots1764100000000 } from './migrations/1764100000000-cdri-lots';
import { Transmissions1764200000000 } from './migrations/1764200000000-transmissions';

export const ENTITIES = [InboxMessage, RightsCheck];
export const MIGRATIONS = [Foundation1764000000000, CdriLots1764100000000, Transmissions1764200000000];

/**
 * The application's one DataSource. Schema changes only through migrations (run at boot, serialised by
 * TypeORM's migration lock); `synchronize` is never on.
 */
export function createDataSource(url: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'passerelle' },
  });
}
