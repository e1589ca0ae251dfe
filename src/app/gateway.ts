import { readFileSync } from 'node:fs';
import { INestApplication } from '@nestjs/common';
import { CheckRightsUseCase } from '../cdri/check-rights.use-case';
import { CDRI_CHECK_QUEUE, CdriCheckJob } from '../cdri/jobs/cdri-check.queue';
import { CDRI_LOT_ITEM_QUEUE, LotItemJob } from '../cdri/lots/lot-item.processor';
import { LotChunkStore } from '../cdri/lots/lot-chunk.store';
import { LotExchangeRunner } from '../cdri/lots/lot-exchange.runner';
import { LotRunner } from '../cdri/lots/lot-runner';
import { LotStore } from '../cdri/lots/lot-store';
import { PlannedEncounterStore } from '../cdri/lots/planned-encounter.store';
import { RightsCheckStore } from '../cdri/rights-check.store';
import { LotService } from '../cdri/lots/lot.service';
import { AppConfig } from '../config/app-config';
import { AdtDispatcher } from '../hl7/inbox/adt-dispatcher';
import { Hl7InboundHandler } from '../hl7/inbox/hl7-inbound.handler';
import { InboxMessageStore } from '../hl7/inbox/inbox-message.store';
import { InboxWriter } from '../hl7/inbox/inbox-writer';
import { MllpServer } from '../hl7/mllp/mllp-server';
import { OutboundMessageStore } from '../hl7/outbound/outbound-message.store';
import { Sql } from '../persistence/sql';
import { EMBEDDED_WARNING } from '../observability/health.controller';
import { AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { startBackground } from './background';
import { healthProbes } from './health-probes';
import { createHttpApp } from './http-app';
import { buildInfrastructure, Infrastructure } from './infrastructure';
import { RightsChangeNotifier } from '../cdri/lots/rights-change-notifier';
import { buildTransport } from './transport';

/**
 * A running gateway. Role `all` runs everything in one process; `api` only the edges (HTTP: FHIR, lots, health,
 * metrics; MLLP); `worker` only the background (queues, lots, schedule, sweeps). Same code, same configuration.
 */
export class Gateway {
  private stopping?: Promise<void>;

  private constructor(
    readonly config: AppConfig,
    readonly infra: Infrastructure,
    private readonly log: AppLogger,
    private readonly stops: Array<() => Promise<void>>,
    readonly http?: INestApplication,
    readonly httpPort = 0,
    readonly mllpPort = 0,
  ) {}

  static async start(config: AppConfig, log: AppLogger, metrics = new Metrics()): Promise<Gateway> {
    if (config.embedded) log.warn(EMBEDDED_WARNING);
    const infra = await buildInfrastructure(config, log, metrics);
    const stops: Array<() => Promise<void>> = [];
    try {
      const common = config.cdri.common;
      const sql = new Sql(infra.dataSource);
      const rightsChecks = new RightsCheckStore(sql);
      const inbox = new InboxMessageStore(sql);
      const checkRights = new CheckRightsUseCase(rightsChecks, infra.cdri, common.rightsTtlSeconds, metrics, log);
      const checkQueue = infra.queue.queue<CdriCheckJob>(CDRI_CHECK_QUEUE, {
        attempts: common.jobAttempts,
        // Exponential: backoff, 2×, 4×… — an insurer outage of minutes is absorbed without hammering it.
        backoff: { type: 'exponential', delay: common.jobBackoffMs },
        removeOnComplete: { age: 24 * 3600, count: 100000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      const enqueue = async (checks: Array<{ id: string; correlationId: string }>) => {
        const queuedAt = Date.now();
        await checkQueue.addBulk(checks.map((c) => ({ name: 'check', data: { checkId: c.id, correlationId: c.correlationId, queuedAt }, opts: { jobId: c.id } })));
      };
      const dispatcher = new AdtDispatcher({ inbox, rightsChecks, plannedEncounters: new PlannedEncounterStore(sql) }, enqueue, config.establishmentFiness, log);

      const lotStore = new LotStore(sql);
      const itemQueue = infra.queue.queue<LotItemJob>(CDRI_LOT_ITEM_QUEUE, {
        attempts: config.lots.attempts,
        backoff: { type: 'exponential', delay: config.lots.backoffMs },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 10000 },
      });
      let stopped = false;
      const exchange = new LotExchangeRunner(new LotChunkStore(sql), lotStore, infra.cdriLot, {
        chunkSize: config.lots.chunkSize, pollIntervalMs: config.lots.pollIntervalMs, maxAttempts: config.lots.attempts, ttlSeconds: common.rightsTtlSeconds,
      }, log, () => stopped);
      const notifier = new RightsChangeNotifier(new OutboundMessageStore(sql), lotStore, config, log);
      const runner = new LotRunner(lotStore, itemQueue, exchange, (lot) => notifier.onLotCompleted(lot), log);
      const background = config.role !== 'api';
      const lots = new LotService(lotStore, config.lots, () => (background ? runner.kick() : undefined), log);
      const transport = config.transport ? await buildTransport(config.transport, sql, infra.queue, metrics, log) : undefined;

      if (background) {
        stops.push(async () => void (stopped = true));
        stops.push(await startBackground({ config, infra, metrics, log, checkRights, dispatcher, lots, runner, lotStore, stoppables: [notifier] }));
        if (transport) stops.push(await transport.startBackground(infra.queue));
        notifier.start();
      }
      if (config.role === 'worker') {
        const gateway = new Gateway(config, infra, log, stops);
        log.info({ role: config.role, queue: config.queue.backend, database: config.database.mode, cdri: config.cdri.mode }, 'Passerelle started');
        return gateway;
      }

      // In the api role the worker process's dispatcher polls the outbox; here, wake the local one.
      const wake = background ? () => void dispatcher.drain().catch((err) => log.error({ err }, 'Dispatch failed; will retry')) : () => undefined;
      const inbound = new Hl7InboundHandler(new InboxWriter(inbox), wake, metrics, log, {
        defaultCharset: config.hl7.defaultCharset === 'UTF-8' ? 'UNICODE UTF-8' : config.hl7.defaultCharset,
        receivingApplication: config.hl7.receivingApplication,
        receivingFacility: config.hl7.receivingFacility,
        faultInjection: config.faultInjection,
      });
      if (config.faultInjection) log.warn({ faultInjection: config.faultInjection }, 'TEST FAULT INJECTION ACTIVE: this process will kill itself');
      const mllp = createMllpServer(config, inbound, log);
      const http = await createHttpApp(config, log, { config, log, metrics, checkRights, lots, lotStore, health: healthProbes(config, infra, metrics, lotStore, transport), transport });
      await http.listen(config.http.port, config.http.host);
      stops.unshift(() => http.close());
      const httpPort = (http.getHttpServer().address() as { port: number }).port;
      const mllpPort = await mllp.listen();
      // MLLP stops first: no new message is taken while the rest is still up to store and answer the last ones.
      stops.unshift(() => mllp.close());
      log.info({ role: config.role, httpPort, mllpPort, queue: config.queue.backend, database: config.database.mode, cdri: config.cdri.mode }, 'Passerelle started');
      return new Gateway(config, infra, log, stops, http, httpPort, mllpPort);
    } catch (err) {
      for (const stop of stops) await stop().catch(() => undefined);
      await infra.close();
      throw err;
    }
  }

  /** Graceful: stop taking messages, let the in-flight ones be stored and answered, then close the rest. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const stop of this.stops) await stop();
      await this.infra.close();
      this.log.info('Passerelle stopped');
    })();
    return this.stopping;
  }
}

function createMllpServer(config: AppConfig, inbound: Hl7InboundHandler, log: AppLogger): MllpServer {
  const tls = config.mllp.tls;
  return new MllpServer({
    host: config.mllp.host,
    port: config.mllp.port,
    maxFrameBytes: config.mllp.maxFrameBytes,
    idleTimeoutMs: config.mllp.idleTimeoutMs,
    handler: (frame) => inbound.handle(frame),
    onHandlerError: (frame, err) => inbound.storageFailure(frame, err),
    onError: (err) => log.warn({ code: err.code, socketId: err.socketId }, err.message),
    sendingApp: config.hl7.receivingApplication,
    sendingFacility: config.hl7.receivingFacility,
    tls: tls
      ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ca: tls.caFile ? readFileSync(tls.caFile) : undefined, requestCert: tls.requestClientCert }
      : undefined,
  });
}
