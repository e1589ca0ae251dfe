import type { AccessConfig } from './access-config';
import type { AmoSimulatorConfig } from './amo-simulator-config';
import type { Hl7SenderRule } from './hl7-senders-config';
import type { FidesConfig } from './fides-config';
import type { TestCrashPoint } from './test-crash-config';
import type { TransportConfig } from './transport-config';

/** The typed configuration every module receives. Built once at boot by `loadConfig`; nothing else reads the environment. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
  /** Ask clients for a certificate and refuse those not signed by caFile (mutual TLS). */
  requestClientCert: boolean;
}

/** Time limits of every PostgreSQL connection (see src/persistence/db-timeouts.ts for what each one bounds); 0 = none. */
export interface DbTimeoutsConfig {
  connectMs: number;
  statementMs: number;
  queryMs: number;
  lockMs: number;
  idleInTransactionMs: number;
  migrationStatementMs: number;
}

export type DatabaseConfig = { poolSize: number; timeouts: DbTimeoutsConfig } & (
  { mode: 'external'; url: string } | { mode: 'embedded'; dataDir: string; port: number }
);

export type QueueConfig = { backend: 'redis'; url: string; prefix: string } | { backend: 'postgres'; schema: string };

export type CdriConfig =
  | {
      mode: 'simulator';
      simulatorPort: number;
      simulatorLatencyMs: number;
      common: CdriCommon;
      /** Where the embedded simulator listens: set at boot by the composition root (src/app/simulators.ts). */
      endpoint?: string;
    }
  | { mode: 'remote'; endpoint: string; tls?: { certFile: string; keyFile: string; caFile?: string }; common: CdriCommon };

export interface CdriCommon {
  timeoutMs: number;
  maxSockets: number;
  softwareName: string;
  softwareVersion: string;
  authorisationNumber: string;
  /** Per-install UUID sent in the context header (INSi pattern). */
  installId: string;
  rightsTtlSeconds: number;
  /** How long /health reuses its last check of the insurer (ms): the probe is a call to the insurer. */
  probeTtlMs: number;
  jobConcurrency: number;
  jobAttempts: number;
  jobBackoffMs: number;
}

export interface LotConfig {
  /** Cron (5 fields) and time zone of the nightly lot; empty cron = no schedule (manual/API only). */
  cron?: string;
  timeZone: string;
  /** Establishments that get a scheduled lot each night. */
  finess: string[];
  horizonDays: number;
  mode: 'unit-fanout' | 'lot-exchange';
  /** Fan-out: at most this many insurer calls in flight per worker process… */
  concurrency: number;
  /** …and at most this many per second across all workers (the insurer's allowance is the ceiling). */
  ratePerSecond: number;
  attempts: number;
  backoffMs: number;
  chunkSize: number;
  pollIntervalMs: number;
}

/** Where rights-change ADT^A08 messages go (the GAP's MLLP listener); absent = worklist over FHIR only. */
export interface GapOutboundConfig {
  host: string;
  port: number;
  timeoutMs: number;
  retries: number;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export interface AppConfig {
  /** all = API and workers in one process; api = HTTP + MLLP only; worker = queues, lots, schedules only. */
  role: 'all' | 'api' | 'worker';
  lots: LotConfig;
  /** Lot signing and encrypted transport; undefined when no seal certificate is configured (feature off). */
  transport?: TransportConfig;
  /** FIDES billing (FIDES_ENABLED; on by default in embedded mode only); undefined = the flow is off. */
  fides?: FidesConfig;
  /** Full simulation only (embedded DB + CDRi simulator + FIDES on + no seal): the AMO simulator and its PKI. */
  amoSimulator?: AmoSimulatorConfig;
  gapOutbound?: GapOutboundConfig;
  /** True when any part runs on embedded/simulated infrastructure: said loudly in logs and /health. */
  embedded: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** `adapter`: the Nest HTTP platform serving the same routes and bodies (src/app/express-edge.ts, fastify-edge.ts). */
  http: { host: string; port: number; adapter: 'express' | 'fastify'; tls?: TlsFiles };
  /** maxConnections: connections beyond it are closed at once (counted). */
  mllp: { host: string; port: number; maxFrameBytes: number; idleTimeoutMs: number; maxConnections: number; tls?: TlsFiles };
  hl7: {
    defaultCharset: string;
    receivingApplication: string;
    receivingFacility: string;
    /** Known MLLP senders (HL7_SENDERS); anything else gets AR. */
    senders: readonly Hl7SenderRule[];
    /** Where `senders` came from: HL7_SENDERS, the embedded loopback default, or nothing (every message refused). */
    sendersOrigin: 'configured' | 'embedded-loopback' | 'none';
    /** Plaintext MLLP accepted outside embedded mode (HL7_ALLOW_PLAINTEXT). */
    allowPlaintext: boolean;
    /** /health stays degraded while unacknowledged MSH-10 conflicts younger than this exist. */
    conflictAlertHours: number;
    /** A message failing this many times (not a storage outage) is parked for an operator. */
    poisonMaxAttempts: number;
  };
  establishmentFiness: string;
  database: DatabaseConfig;
  queue: QueueConfig;
  cdri: CdriConfig;
  /** Clients, their credentials, roles and FINESS (src/access); the demo key only in full simulation. */
  access: AccessConfig;
  inboxSweepIntervalMs: number;
  /** TEST ONLY (TEST_CRASH_AT, refused unless NODE_ENV=test): the stage where the process kills itself. */
  testCrashAt?: TestCrashPoint;
  /**
   * Encryption at rest of the most sensitive columns (src/persistence/field-cipher.ts; docs/decisions/0006): master
   * keys by id, the active one, and the NIR pseudonym key. Absent = stored in clear (said at boot outside embedded mode).
   */
  dataProtection?: { masterKeys: Map<string, Buffer>; activeKeyId: string; pseudonymKey: Buffer };
  /**
   * Retention of stored data (src/platform/retention.ts): days per kind from RETENTION=kind:days,… (null = never
   * purged); the kinds and their defaults are declared by the flows and checked at boot.
   */
  retention: { days: Map<string, number | null>; intervalMs: number; batchSize: number; maxBatchesPerRun: number };
  /** Problems tolerated in embedded mode only (e.g. a private key readable by others), logged loudly at boot. */
  warnings: string[];
  /** Test-only: makes the HL7 handler kill its own process at a chosen point, to prove crash recovery. */
  faultInjection?: 'crash-before-store' | 'crash-after-store' | 'throw-on-poison-control-id';
}
