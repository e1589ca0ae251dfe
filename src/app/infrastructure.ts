import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AmoRightsGateway, AmoRightsLotGateway } from '../cdri/amo-rights.port';
import { CdriLotAdapter } from '../cdri/cdri-lot.adapter';
import { CdriSoapAdapter } from '../cdri/cdri-soap.adapter';
import { AppConfig } from '../config/app-config';
import { AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { createDataSource } from '../persistence/data-source';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../persistence/embedded-postgres';
import { migrate } from '../persistence/migrate';
import { assertPostgresAtLeast } from '../persistence/postgres-version';
import { QueueBackend, createQueueBackend } from '../queue/queue-backend';
import { CdriSimulator } from '../simulators/cdri/cdri-simulator';

/** Everything outside the process the gateway talks to, built before Nest starts and closed after it stops. */
export interface Infrastructure {
  dataSource: DataSource;
  databaseUrl: string;
  queue: QueueBackend;
  cdri: AmoRightsGateway;
  /** The lot exchange (batch submission + polling) with the same endpoint and certificate. */
  cdriLot: AmoRightsLotGateway;
  cdriSimulator?: CdriSimulator;
  embeddedPostgres?: EmbeddedPostgresHandle;
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
      log.warn({ dataDir: config.database.dataDir, port: config.database.port }, 'Starting EMBEDDED PostgreSQL (no DATABASE_URL set) — not for production');
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

    const dataSource = createDataSource(databaseUrl, config.database.poolSize);
    await dataSource.initialize();
    closers.push(() => dataSource.destroy());
    const applied = await migrate(dataSource);
    if (applied.length) log.info({ migrations: applied }, 'Database migrations applied');

    const queue =
      config.queue.backend === 'redis'
        ? createQueueBackend({ kind: 'redis', url: config.queue.url, prefix: config.queue.prefix })
        : createQueueBackend({ kind: 'postgres', url: databaseUrl, schema: config.queue.schema });
    closers.push(() => queue.close());
    await queue.prepare();
    if (config.queue.backend === 'postgres') log.warn('Queue on the PostgreSQL backend of BullMQ (no REDIS_URL set)');

    let cdriSimulator: CdriSimulator | undefined;
    const context = {
      softwareName: config.cdri.common.softwareName,
      authorisationNumber: config.cdri.common.authorisationNumber,
      softwareVersion: config.cdri.common.softwareVersion,
      installId: config.cdri.common.installId,
    };
    let endpoint: string;
    let tls: { cert: Buffer; key: Buffer; ca?: Buffer } | undefined;
    if (config.cdri.mode === 'simulator') {
      cdriSimulator = new CdriSimulator({ port: config.cdri.simulatorPort, latencyMs: config.cdri.simulatorLatencyMs });
      endpoint = (await cdriSimulator.start()).url;
      closers.push(() => cdriSimulator!.stop());
      log.warn({ url: endpoint }, 'CDRi SIMULATOR in use (no CDRI_ENDPOINT set) — answers are simulated');
    } else {
      endpoint = config.cdri.endpoint;
      const files = config.cdri.tls;
      tls = files ? { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile), ca: files.caFile ? readFileSync(files.caFile) : undefined } : undefined;
    }
    const adapterOptions = { endpoint, timeoutMs: config.cdri.common.timeoutMs, maxSockets: config.cdri.common.maxSockets, context, tls };
    const cdri = new CdriSoapAdapter(adapterOptions);
    const cdriLot = new CdriLotAdapter(adapterOptions);
    closers.push(async () => cdriLot.close());
    closers.push(async () => cdri.close());
    metrics.embeddedMode.set(config.embedded ? 1 : 0);
    return { dataSource, databaseUrl, queue, cdri, cdriLot, cdriSimulator, embeddedPostgres, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
