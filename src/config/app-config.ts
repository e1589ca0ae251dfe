/** The typed configuration every module receives. Built once at boot by `loadConfig`; nothing else reads the environment. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
  /** Ask clients for a certificate and refuse those not signed by caFile (mutual TLS). */
  requestClientCert: boolean;
}

export type DatabaseConfig =
  | { mode: 'external'; url: string; poolSize: number }
  | { mode: 'embedded'; dataDir: string; port: number; poolSize: number };

export type QueueConfig =
  | { backend: 'redis'; url: string; prefix: string }
  | { backend: 'postgres'; schema: string };

export type CdriConfig =
  | { mode: 'simulator'; simulatorPort: number; simulatorLatencyMs: number; common: CdriCommon }
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
  jobConcurrency: number;
  jobAttempts: number;
  jobBackoffMs: number;
}

export interface AppConfig {
  /** True when any part runs on embedded/simulated infrastructure: said loudly in logs and /health. */
  embedded: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  http: { host: string; port: number; tls?: TlsFiles };
  mllp: { host: string; port: number; maxFrameBytes: number; idleTimeoutMs: number; tls?: TlsFiles };
  hl7: { defaultCharset: string; receivingApplication: string; receivingFacility: string };
  establishmentFiness: string;
  database: DatabaseConfig;
  queue: QueueConfig;
  cdri: CdriConfig;
  kiosk: {
    /** kiosk id → API key. */
    apiKeys: Map<string, string>;
    ratePerMinute: number;
    burst: number;
    /** Embedded mode only: a well-known demo key is accepted, and said so. */
    demoKey?: string;
  };
  inboxSweepIntervalMs: number;
  /** Test-only: makes the HL7 handler kill its own process at a chosen point, to prove crash recovery. */
  faultInjection?: 'crash-before-store' | 'crash-after-store';
}
