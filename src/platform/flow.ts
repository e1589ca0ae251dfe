import type { Provider, Type } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';
import type { AuditTrail } from '../audit/audit-trail';
import type { AppConfig } from '../config/app-config';
import type { HealthProbe } from '../observability/health';
import type { AppLogger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { FieldCipher } from '../persistence/field-cipher';
import type { Sql } from '../persistence/sql';
import type { QueueBackend } from '../queue/queue-backend';
import type { ClusterSchedule, WorkerDefinition } from '../queue/queue-definition';
import type { Hl7Subscription } from '../hl7/inbox/hl7-subscription';
import type { PeriodicTask } from './periodic-task';
import type { RetentionRule } from '../persistence/retention';
import type { ReturnFileHandler } from './return-file';
import type { ServiceRegistry } from './service-registry';
import type { TaskReader } from './task-reader';

/**
 * A flow (CDRi, transport, FIDES…) is one folder that exports one `FlowModule`. The composition root
 * (src/app/flows.ts) lists the registered flows and loops over them: it runs their migrations, builds them in
 * order, mounts their controllers, starts their workers, schedules and loops in the worker role, adds their probes
 * to /health and their gauges to /metrics, routes HL7 events and return files to them, and stops them in reverse
 * order. Nothing in src/app names a flow's internals.
 */
export interface FlowModule {
  /** Short, stable, lower-case: used in logs, metrics and the return-file routing (`flow` of a transmission). */
  readonly name: string;
  /** What the flow does, one line (listed at boot and in docs/architecture.md). */
  readonly description: string;
  /** Schema changes of the tables the flow owns; run with everyone else's at boot, in timestamp order. */
  readonly migrations: ReadonlyArray<new () => MigrationInterface>;
  /**
   * Builds the flow's parts from configuration. Called once per process, after migrations, in registry order
   * (a flow may use the services of flows listed before it). Returns undefined when configuration turns the flow
   * off (e.g. transport without a seal certificate); its routes then answer as not configured or are absent.
   */
  build(ctx: FlowContext): Promise<FlowParts | undefined>;
}

/** What every flow is given: shared plumbing only, never another flow's internals. */
export interface FlowContext {
  config: AppConfig;
  log: AppLogger;
  metrics: Metrics;
  db: Sql;
  queue: QueueBackend;
  /**
   * Encryption at rest of sensitive columns (DATA_MASTER_KEYS; docs/decisions/0006); undefined = stored in clear.
   * Stores that hold names, birth dates or NIRs encrypt them with it.
   */
  cipher?: FieldCipher;
  /** True in the `all` and `worker` roles: this process runs workers, schedules and loops. */
  background: boolean;
  /** Append-only record of who did what (lots started, transmissions, replays, purges). */
  audit: AuditTrail;
  /** Services published by flows built earlier (e.g. the transmission outbox for billing flows). */
  services: ServiceRegistry;
  /**
   * Every flow's return-file handler by flow name, complete once all flows are built (read it in start(), not in
   * build()): the returns intake routes each return to the flow of its transmission.
   */
  returnHandlers: ReadonlyMap<string, ReturnFileHandler>;
}

export interface FlowParts {
  /** Nest controllers and the values they inject (use cases, stores); mounted in the `all` and `api` roles. */
  http?: { controllers: Type[]; providers: Provider[] };
  /** Reads of FHIR `Task`s this flow owns (GET /fhir/Task/{id} asks each flow in turn). */
  tasks?: TaskReader;
  /** HL7 events this flow follows up once stored (the inbox outbox routes them). */
  hl7?: Hl7Subscription[];
  /** Queue consumers (worker role). */
  workers?: WorkerDefinition[];
  /** Cluster-wide schedules, stored in the queue backend: one firing across all worker processes. */
  schedules?: ClusterSchedule[];
  /** Process-local periodic work (sweeps, polling, watches): each worker process runs its own. */
  periodic?: PeriodicTask[];
  /**
   * How long the data of the flow's tables (and files) is kept, and what a patient's erasure removes; run by the
   * platform in bounded batches (platform/retention-runner.ts), in declaration order.
   */
  retention?: RetentionRule[];
  /** Health probes (/health); `critical` ones also decide /health/ready. */
  probes?: HealthProbe[];
  /** Refreshes the flow's gauges just before /metrics is scraped (read from the database or queue). */
  beforeScrape?: () => Promise<void>;
  /** Return files (ARL, NOEMIE…) of transmissions whose `flow` is this flow's name. */
  returns?: ReturnFileHandler;
  /** Starts background loops not covered above (worker role), after workers and schedules. */
  start?: () => Promise<void> | void;
  /** Releases what build() opened (adapters, simulators, channels). Called once, in reverse registry order. */
  stop?: () => Promise<void>;
}
