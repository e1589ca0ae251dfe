import { readFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import { auditRetention } from '../audit/audit.retention';
import { AuditStore } from '../audit/audit.store';
import { type AppConfig } from '../config/app-config';
import { HL7_RETENTION } from '../hl7/hl7.retention';
import { InboxDispatcher, wantedByAny } from '../hl7/inbox/inbox-dispatcher';
import { Hl7IdConflictStore } from '../hl7/inbox/hl7-id-conflict.store';
import { hl7InboxProbe } from '../hl7/inbox/hl7-inbox.probe';
import { Hl7InboxOperationsService } from '../hl7/inbox/hl7-inbox-operations';
import { Hl7InboundHandler } from '../hl7/inbox/hl7-inbound.handler';
import { Hl7ParkedMessageStore } from '../hl7/inbox/hl7-parked-message.store';
import { Hl7SenderPolicy } from '../hl7/inbox/hl7-sender-policy';
import { InboxMessageStore } from '../hl7/inbox/inbox-message.store';
import { InboxWriter } from '../hl7/inbox/inbox-writer';
import { MllpServer } from '../hl7/mllp/mllp-server';
import { declaredRoutes } from '../http/route-doc';
import { EMBEDDED_WARNING } from '../observability/health';
import { type AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { FieldCipher } from '../persistence/field-cipher';
import { Sql } from '../persistence/sql';
import type { FlowModule, FlowParts } from '../platform/flow';
import { PeriodicRunner, type PeriodicTask } from '../platform/periodic-task';
import { RetentionRunner } from '../platform/retention-runner';
import type { ReturnFileHandler } from '../platform/return-file';
import { ServiceRegistry } from '../platform/service-registry';
import { type BackendWorker, queueOf } from '../queue/queue-backend';
import { ConfigError } from '../config/load-config';
import { certificatesProbe, loadCertificateInventory } from './certificates';
import { FLOWS } from './flows';
import { platformProbes } from './platform-probes';
import { createHttpApp } from './http-app';
import { buildInfrastructure, type Infrastructure } from './infrastructure';
import { type RunningSimulators, startSimulators } from './simulators';

/** How often the HL7 outbox is polled for messages stored by api-role processes or left by a crash. */
const HL7_OUTBOX_POLL_MS = 250;

interface BuiltFlow {
  flow: FlowModule;
  parts: FlowParts;
}

/**
 * A running gateway: the shared infrastructure, then every registered flow (src/app/flows.ts), looped over.
 * Role `all` runs everything in one process; `api` only the edges (HTTP, MLLP); `worker` only the background
 * (queue workers, schedules, periodic work, flow loops). Same code, same configuration.
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
    /** The simulators of embedded mode (the demo steers the AMO simulator through it); none in production. */
    readonly simulators?: RunningSimulators,
  ) {}

  static async start(
    configured: AppConfig,
    log: AppLogger,
    metrics = new Metrics(),
    flows: readonly FlowModule[] = FLOWS,
  ): Promise<Gateway> {
    if (configured.embedded) log.warn(EMBEDDED_WARNING);
    for (const problem of configured.warnings)
      log.warn({ problem }, 'CONFIGURATION PROBLEM tolerated in embedded mode only: fix it before production');
    // The simulators first (no database needed): in full simulation they fill the transport section (simulation PKI,
    // AMO simulator), whose certificates are then checked like configured ones.
    const simulators = await startSimulators(configured, log);
    let infra: Infrastructure;
    let certificates: Awaited<ReturnType<typeof loadCertificateInventory>>;
    try {
      // Every configured certificate, checked for dates and purpose before the rest starts: one error listing them all.
      certificates = await loadCertificateInventory(simulators.config);
      if (certificates.problems.length > 0) throw new ConfigError(certificates.problems);
      infra = await buildInfrastructure(simulators.config, log, metrics);
    } catch (err) {
      await simulators.stop().catch(() => undefined);
      throw err;
    }
    // Run in order at stop: the edges first (no new work), then the background, then the flows, newest first,
    // then the simulators they talked to.
    const stops: Array<() => Promise<void>> = [() => simulators.stop()];
    try {
      const config = simulators.config;
      const db = new Sql(infra.dataSource);
      const cipher = config.dataProtection ? new FieldCipher(config.dataProtection) : undefined;
      if (!cipher && !config.embedded)
        log.warn('Patient data stored in clear: set DATA_MASTER_KEYS and DATA_PSEUDONYM_KEY (docs/decisions/0006)');
      const background = config.role !== 'api';
      const services = new ServiceRegistry();
      const audit = new AuditStore(db);
      const returnHandlers = new Map<string, ReturnFileHandler>();
      const built: BuiltFlow[] = [];
      for (const flow of flows) {
        const parts = await flow.build({
          config,
          log,
          metrics,
          db,
          cipher,
          queue: infra.queue,
          background,
          services,
          returnHandlers,
          audit,
        });
        if (!parts) {
          log.info({ flow: flow.name }, 'Flow off (not configured)');
          continue;
        }
        built.push({ flow, parts });
        if (parts.stop) stops.unshift(parts.stop);
        if (parts.returns) returnHandlers.set(flow.name, parts.returns);
      }
      assertUniqueQueues(built);
      // Every declared queue is opened once with its declared job options, before anything else touches it (a
      // /metrics scrape reading its depth would otherwise open it bare, and the backend refuses a second set).
      for (const w of built.flatMap((b) => b.parts.workers ?? [])) queueOf(infra.queue, w.queue);

      const subscriptions = built.flatMap((b) => b.parts.hl7 ?? []);
      const inbox = new InboxMessageStore(db, cipher);
      const dispatcher = new InboxDispatcher(inbox, subscriptions, log);
      const hl7Outbox: PeriodicTask = {
        name: 'hl7-outbox-drain',
        intervalMs: HL7_OUTBOX_POLL_MS,
        run: () => dispatcher.drain(),
        stop: async () => void (await dispatcher.drain()),
      };
      // The HL7 plumbing's tables first, then each flow's, in registry order (a flow's rules are ordered by it).
      const retention = new RetentionRunner(
        db,
        [...HL7_RETENTION, ...built.flatMap((b) => b.parts.retention ?? []), auditRetention(db)],
        config.retention,
        metrics,
        log,
        cipher ? (nir) => cipher.pseudonym(nir) : undefined,
      );
      log.info({ days: retention.periods() }, 'Retention periods');
      const periodic = new PeriodicRunner(log);
      if (background) stops.unshift(...(await startBackground(built, infra, periodic, [hl7Outbox, retention.task()], log)));

      for (const b of built) {
        const p = b.parts;
        log.info(
          {
            flow: b.flow.name,
            routes: declaredRoutes(p.http?.controllers ?? []).map((r) => `${r.method} ${r.path}`),
            workers: background ? (p.workers ?? []).map((w) => w.queue.name) : [],
            schedules: (p.schedules ?? []).map((s) => s.id),
            periodic: background ? (p.periodic ?? []).map((t) => t.name) : [],
            probes: (p.probes ?? []).map((x) => x.name),
            hl7: (p.hl7 ?? []).map((s) => s.name),
            retention: (p.retention ?? []).map((r) => r.kind),
            returns: !!p.returns,
          },
          'Flow started',
        );
      }
      if (config.role === 'worker') {
        log.info(
          { role: config.role, queue: config.queue.backend, database: config.database.mode, cdri: config.cdri.mode },
          'Passerelle started',
        );
        return new Gateway(config, infra, log, stops, undefined, 0, 0, simulators);
      }

      // In the api role the worker processes poll the outbox; here, wake the local drain.
      const wake = background ? () => periodic.wake(hl7Outbox) : () => undefined;
      const conflicts = new Hl7IdConflictStore(db, cipher);
      const parked = new Hl7ParkedMessageStore(db, cipher);
      const inbound = new Hl7InboundHandler(
        {
          writer: new InboxWriter(inbox),
          conflicts,
          parked,
          senders: new Hl7SenderPolicy(config.hl7.senders),
          wanted: wantedByAny(subscriptions),
          requirements: (facts) => subscriptions.flatMap((s) => s.requirements?.(facts) ?? []),
          onFollowUp: wake,
        },
        metrics,
        log,
        {
          defaultCharset: config.hl7.defaultCharset === 'UTF-8' ? 'UNICODE UTF-8' : config.hl7.defaultCharset,
          receivingApplication: config.hl7.receivingApplication,
          receivingFacility: config.hl7.receivingFacility,
          poisonMaxAttempts: config.hl7.poisonMaxAttempts,
          faultInjection: config.faultInjection,
        },
      );
      if (config.faultInjection)
        log.warn(
          { faultInjection: config.faultInjection },
          'TEST FAULT INJECTION ACTIVE: this process will kill itself or fail on purpose',
        );
      logHl7Senders(config, log);
      const mllp = createMllpServer(config, inbound, metrics, log);
      const parts = built.map((b) => b.parts);
      const health = platformProbes(config, infra, metrics, parts, certificatesProbe(certificates.inventory, metrics));
      health.probes.push(hl7InboxProbe(conflicts, parked, config.hl7.conflictAlertHours));
      // Operators' replays of parked messages take the MLLP handler's own path (validated, stored once, followed up).
      const hl7Inbox = new Hl7InboxOperationsService(conflicts, parked, (frame) => inbound.replay(frame));
      const http = await createHttpApp(config, log, { config, log, metrics, health, audit, flows: parts, erasure: retention, hl7Inbox });
      await http.listen(config.http.port, config.http.host);
      stops.unshift(() => http.close());
      const httpPort = (http.getHttpServer() as Server).address() as AddressInfo;
      const mllpPort = await mllp.listen();
      // MLLP stops first: no new message is taken while the rest is still up to store and answer the last ones.
      stops.unshift(() => mllp.close());
      log.info(
        {
          role: config.role,
          httpPort: httpPort.port,
          mllpPort,
          httpAdapter: config.http.adapter,
          queue: config.queue.backend,
          database: config.database.mode,
          cdri: config.cdri.mode,
        },
        'Passerelle started',
      );
      return new Gateway(config, infra, log, stops, http, httpPort.port, mllpPort, simulators);
    } catch (err) {
      for (const stop of stops) await stop().catch(() => undefined);
      await infra.close();
      throw err;
    }
  }

  /** Graceful: stop taking messages, let the in-flight ones be stored and answered, then close the rest. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.infra.stopping();
      for (const stop of this.stops) await stop();
      await this.infra.close();
      this.log.info('Passerelle stopped');
    })();
    return this.stopping;
  }
}

/**
 * The worker role: every flow's queue workers, cluster schedules and periodic work, the platform's own (HL7 outbox
 * drain, retention purge), then the flows' own loops. Returns the stops, in the order they must run.
 */
async function startBackground(
  built: BuiltFlow[],
  infra: Infrastructure,
  periodic: PeriodicRunner,
  platformTasks: PeriodicTask[],
  log: AppLogger,
): Promise<Array<() => Promise<void>>> {
  const workers: BackendWorker<unknown, unknown>[] = [];
  for (const def of built.flatMap((b) => b.parts.workers ?? [])) {
    const worker = infra.queue.worker(def.queue.name, def.processor, def.settings);
    def.onStarted?.(worker);
    workers.push(worker);
  }
  for (const s of built.flatMap((b) => b.parts.schedules ?? [])) {
    const queue = queueOf(infra.queue, s.queue);
    if (s.pattern) await queue.upsertJobScheduler(s.id, { pattern: s.pattern, tz: s.timeZone }, s.job);
    else await queue.removeJobScheduler(s.id);
  }
  const tasks = [...platformTasks, ...built.flatMap((b) => b.parts.periodic ?? [])];
  for (const t of tasks) periodic.start(t);
  for (const b of built) await b.parts.start?.();
  log.debug({ workers: workers.length, periodic: tasks.length }, 'Background started');
  return [
    // Periodic work first (its last runs — the final HL7 outbox drain — still queue jobs), then the consumers.
    () => periodic.stop(tasks),
    async () => void (await Promise.all(workers.map((w) => w.close()))),
  ];
}

function assertUniqueQueues(built: BuiltFlow[]): void {
  const seen = new Map<string, string>();
  for (const b of built) {
    for (const w of b.parts.workers ?? []) {
      const other = seen.get(w.queue.name);
      if (other) throw new Error(`Queue "${w.queue.name}" is consumed by both ${other} and ${b.flow.name}`);
      seen.set(w.queue.name, b.flow.name);
    }
  }
}

/** Who may send HL7, said at boot (entries as configured: addresses and fingerprints, no secret). */
function logHl7Senders(config: AppConfig, log: AppLogger): void {
  const { senders, sendersOrigin } = config.hl7;
  if (sendersOrigin === 'embedded-loopback') {
    log.warn(
      { senders: senders.map((s) => s.text) },
      'HL7_SENDERS not set: embedded mode accepts HL7 from any MSH-3/MSH-4 on this machine (loopback) only',
    );
  } else if (sendersOrigin === 'none') {
    log.warn('HL7_SENDERS not set: every HL7 message will be refused (AR) until known senders are configured');
  } else {
    log.info({ senders: senders.map((s) => s.text) }, 'HL7 senders');
  }
  if (!config.mllp.tls && !config.embedded) log.warn('MLLP listener without TLS (HL7_ALLOW_PLAINTEXT=true)');
}

function createMllpServer(config: AppConfig, inbound: Hl7InboundHandler, metrics: Metrics, log: AppLogger): MllpServer {
  const tls = config.mllp.tls;
  return new MllpServer({
    host: config.mllp.host,
    port: config.mllp.port,
    maxFrameBytes: config.mllp.maxFrameBytes,
    idleTimeoutMs: config.mllp.idleTimeoutMs,
    maxConnections: config.mllp.maxConnections,
    onConnectionRefused: () => metrics.mllpConnectionsRefused.inc(),
    handler: (frame, meta) => inbound.handle(frame, meta),
    onHandlerError: (frame, err) => inbound.storageFailure(frame, err),
    onError: (err) => log.warn({ code: err.code, socketId: err.socketId }, err.message),
    sendingApp: config.hl7.receivingApplication,
    sendingFacility: config.hl7.receivingFacility,
    tls: tls
      ? {
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
          requestCert: tls.requestClientCert,
        }
      : undefined,
  });
}
