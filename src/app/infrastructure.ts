import { type DataSource } from 'typeorm';
import { type AppConfig } from '../config/app-config';
import { type AppLogger } from '../observability/logger';
import { type Metrics } from '../observability/metrics';
import { createDataSource } from '../persistence/data-source';
import { MIGRATIONS } from './flows';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../persistence/embedded-postgres';
import { migrate } from '../persistence/migrate';
import { assertPostgresAtLeast } from '../persistence/postgres-version';
import { type QueueBackend, createQueueBackend } from '../queue/queue-backend';

/** The shared infrastructure (database, queue), built before the flows and closed after them. Insurer adapters belong to their flows. */
export interface Infrastructure {
  dataSource: DataSource;
  databaseUrl: string;
  queue: QueueBackend;
  embeddedPostgres?: EmbeddedPostgresHandle;
  /** Called when the gateway starts stopping: connection errors from then on are the stop's own doing. */
  stopping(): void;
  close(): Promise<void>;
}

/**
 * Builds the infrastructure in dependency order, closing what was already started if a later step fails,
 * so a failed boot never leaves an orphaned PostgreSQL or simulator behind.
 */
export async function buildInfrastructure(config: AppConfig, log: AppLogger, metrics: Metrics): Promise<Infrastructure> {
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err) => log.error({ err }, 'Error while closing'));
    closers.length = 0;
  };
  try {
    let embeddedPostgres: EmbeddedPostgresHandle | undefined;
    let databaseUrl: string;
    if (config.database.mode === 'embedded') {
      log.warn(
        { dataDir: config.database.dataDir, port: config.database.port },
        'Starting EMBEDDED PostgreSQL (no DATABASE_URL set) — not for production',
      );
      embeddedPostgres = await startEmbeddedPostgres({
        dataDir: config.database.dataDir,
        port: config.database.port,
        log: (m) => log.debug({ component: 'embedded-postgres' }, m),
      });
      closers.push(() => embeddedPostgres!.stop());
      databaseUrl = embeddedPostgres.url;
    } else {
      databaseUrl = config.database.url;
    }
    await assertPostgresAtLeast(databaseUrl, 14);

    // Migrations run on a DataSource of their own, with their own statement limit (an index build on a large table
    // outlasts the runtime limit), closed before the application's pool opens.
    const timeouts = config.database.timeouts;
    const migrator = createDataSource(databaseUrl, 2, MIGRATIONS, timeouts, timeouts.migrationStatementMs);
    await migrator.initialize();
    try {
      const applied = await migrate(migrator);
      if (applied.length) log.info({ migrations: applied }, 'Database migrations applied');
    } finally {
      await migrator.destroy();
    }
    const dataSource = createDataSource(databaseUrl, config.database.poolSize, MIGRATIONS, timeouts);
    await dataSource.initialize();
    closers.push(() => dataSource.destroy());

    // BullMQ reports connection and worker errors as events: they go to the log, never nowhere. While stopping, the
    // workers' and queues' own connections are being closed (the PostgreSQL backend terminates its listeners: 57P01):
    // expected, so logged at debug level.
    let stopping = false;
    const hooks = {
      onError: (err: Error, source: string) =>
        stopping ? log.debug({ err, source }, 'Queue backend error while stopping') : log.warn({ err, source }, 'Queue backend error'),
    };
    const queue =
      config.queue.backend === 'redis'
        ? createQueueBackend({ kind: 'redis', url: config.queue.url, prefix: config.queue.prefix }, hooks)
        : createQueueBackend({ kind: 'postgres', url: databaseUrl, schema: config.queue.schema, timeouts }, hooks);
    closers.push(() => queue.close());
    await queue.prepare();
    if (config.queue.backend === 'postgres') log.warn('Queue on the PostgreSQL backend of BullMQ (no REDIS_URL set)');

    metrics.embeddedMode.set(config.embedded ? 1 : 0);
    return { dataSource, databaseUrl, queue, embeddedPostgres, stopping: () => void (stopping = true), close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
