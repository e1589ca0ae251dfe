import { readFileSync } from 'node:fs';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { CheckRightsUseCase } from '../cdri/check-rights.use-case';
import { CDRI_CHECK_QUEUE, CdriCheckJob } from '../cdri/jobs/cdri-check.queue';
import { cdriCheckProcessor } from '../cdri/jobs/cdri-check.processor';
import { AppConfig } from '../config/app-config';
import { operationOutcome } from '../fhir/operation-outcome';
import { AdtDispatcher } from '../hl7/inbox/adt-dispatcher';
import { Hl7InboundHandler } from '../hl7/inbox/hl7-inbound.handler';
import { InboxWriter } from '../hl7/inbox/inbox-writer';
import { MllpServer } from '../hl7/mllp/mllp-server';
import { correlationMiddleware } from '../http/correlation.middleware';
import { EMBEDDED_WARNING } from '../observability/health.controller';
import { AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { NestPinoLogger } from '../observability/nest-logger';
import { AppModule } from './app.module';
import { buildInfrastructure, Infrastructure } from './infrastructure';
import { healthProbes } from './health-probes';

/** A running gateway: HTTP (FHIR, health, metrics), MLLP, the CDRi worker and the outbox sweep. */
export class Gateway {
  private sweepTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;

  private constructor(
    readonly config: AppConfig,
    readonly infra: Infrastructure,
    readonly http: INestApplication,
    readonly mllp: MllpServer,
    readonly httpPort: number,
    readonly mllpPort: number,
    private readonly log: AppLogger,
    readonly dispatcher: AdtDispatcher,
  ) {}

  static async start(config: AppConfig, log: AppLogger, metrics = new Metrics()): Promise<Gateway> {
    if (config.embedded) log.warn(EMBEDDED_WARNING);
    const infra = await buildInfrastructure(config, log, metrics);
    try {
      const checkRights = new CheckRightsUseCase(infra.dataSource, infra.cdri, config.cdri.common.rightsTtlSeconds, metrics, log);
      const common = config.cdri.common;
      const queue = infra.queue.queue<CdriCheckJob>(CDRI_CHECK_QUEUE, {
        attempts: common.jobAttempts,
        // Exponential: backoff, 2×, 4×… — an insurer outage of minutes is absorbed without hammering it.
        backoff: { type: 'exponential', delay: common.jobBackoffMs },
        removeOnComplete: { age: 24 * 3600, count: 100000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      const enqueue = async (checkId: string, correlationId: string) => {
        await queue.add('check', { checkId, correlationId, queuedAt: Date.now() }, { jobId: checkId });
      };
      const dispatcher = new AdtDispatcher(infra.dataSource, checkRights, enqueue, config.establishmentFiness, log);
      infra.queue.worker<CdriCheckJob, string>(CDRI_CHECK_QUEUE, cdriCheckProcessor(checkRights, common.jobAttempts, log), {
        concurrency: common.jobConcurrency,
      });

      const inbound = new Hl7InboundHandler(new InboxWriter(infra.dataSource), dispatcher, metrics, log, {
        defaultCharset: config.hl7.defaultCharset === 'UTF-8' ? 'UNICODE UTF-8' : config.hl7.defaultCharset,
        receivingApplication: config.hl7.receivingApplication,
        receivingFacility: config.hl7.receivingFacility,
        faultInjection: config.faultInjection,
      });
      if (config.faultInjection) log.warn({ faultInjection: config.faultInjection }, 'TEST FAULT INJECTION ACTIVE: this process will kill itself');
      const mllpTls = config.mllp.tls;
      const mllp = new MllpServer({
        host: config.mllp.host,
        port: config.mllp.port,
        maxFrameBytes: config.mllp.maxFrameBytes,
        idleTimeoutMs: config.mllp.idleTimeoutMs,
        handler: (frame) => inbound.handle(frame),
        onHandlerError: (frame, err) => inbound.storageFailure(frame, err),
        onError: (err) => log.warn({ code: err.code, socketId: err.socketId }, err.message),
        sendingApp: config.hl7.receivingApplication,
        sendingFacility: config.hl7.receivingFacility,
        tls: mllpTls
          ? {
              cert: readFileSync(mllpTls.certFile),
              key: readFileSync(mllpTls.keyFile),
              ca: mllpTls.caFile ? readFileSync(mllpTls.caFile) : undefined,
              requestCert: mllpTls.requestClientCert,
            }
          : undefined,
      });

      const http = await createHttpApp(config, log, metrics, checkRights, infra);
      await http.listen(config.http.port, config.http.host);
      const httpPort = (http.getHttpServer().address() as { port: number }).port;
      const mllpPort = await mllp.listen();
      const gateway = new Gateway(config, infra, http, mllp, httpPort, mllpPort, log, dispatcher);
      gateway.startSweep();
      log.info({ httpPort, mllpPort, queue: config.queue.backend, database: config.database.mode, cdri: config.cdri.mode }, 'Passerelle started');
      return gateway;
    } catch (err) {
      await infra.close();
      throw err;
    }
  }

  private startSweep(): void {
    const run = () =>
      this.dispatcher.sweep(Math.min(5000, this.config.inboxSweepIntervalMs)).catch((err) => this.log.error({ err }, 'Outbox sweep failed'));
    void run();
    this.sweepTimer = setInterval(run, this.config.inboxSweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Graceful: stop taking messages, let the in-flight ones be stored and answered, then close the rest. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.sweepTimer);
      await this.mllp.close();
      await this.http.close();
      await this.infra.close();
      this.log.info('Passerelle stopped');
    })();
    return this.stopping;
  }
}

async function createHttpApp(config: AppConfig, log: AppLogger, metrics: Metrics, checkRights: CheckRightsUseCase, infra: Infrastructure): Promise<INestApplication> {
  const tls = config.http.tls;
  const app = await NestFactory.create(
    AppModule.with({ config, log, metrics, checkRights, health: healthProbes(config, infra, metrics) }),
    {
      bodyParser: false,
      logger: new NestPinoLogger(log),
      httpsOptions: tls
        ? {
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
            ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
            requestCert: tls.requestClientCert,
            // Kiosks may also use API keys over plain server TLS: the guard checks `authorized` itself.
            rejectUnauthorized: false,
          }
        : undefined,
    },
  );
  app.use(correlationMiddleware);
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/fhir+json'] }));
  // Body errors happen before Nest routes the request: answer them as FHIR too.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const status = err.status === 413 ? 413 : 400;
    const text = err.type === 'entity.parse.failed' ? 'Body is not valid JSON' : err.message;
    res.status(status).type('application/fhir+json').send(JSON.stringify(operationOutcome('error', status === 413 ? 'too-costly' : 'invalid', text)));
  });
  return app;
}
