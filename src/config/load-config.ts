import { readTestCrashPoint } from './test-crash-config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidFiness, isVersionedUuid } from '../identifiers';
import { type AppConfig, type DbTimeoutsConfig, type TlsFiles } from './app-config';
import { ConfigReader, type RawEnv } from './config-readers';
import { readAccessConfig } from './access-config';
import { readFidesConfig } from './fides-config';
import { EMBEDDED_LOOPBACK_SENDERS, readHl7Senders } from './hl7-senders-config';
import { readTransportConfig } from './transport-config';
import { readAmoSimulatorConfig } from './amo-simulator-config';

/** Thrown at boot with every bad variable listed, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const SIMULATION_INSTALL_ID = '00000000-0000-4000-8000-000000000000';

export function readDefaults(): RawEnv {
  // src/config (ts-jest) is two levels below the repository root, dist/src/config (node) three.
  const candidates = [join(__dirname, '..', '..', 'config', 'defaults.json'), join(__dirname, '..', '..', '..', 'config', 'defaults.json')];
  for (const c of candidates) {
    try {
      return JSON.parse(readFileSync(c, 'utf8')) as RawEnv;
    } catch {
      /* try the next location */
    }
  }
  throw new ConfigError([`config/defaults.json not found (looked in ${candidates.join(', ')})`]);
}

function tlsFiles(r: ConfigReader, prefix: string): TlsFiles | undefined {
  const certFile = r.file(`${prefix}_TLS_CERT_FILE`);
  const keyFile = r.privateKeyFile(`${prefix}_TLS_KEY_FILE`);
  const caFile = r.file(`${prefix}_TLS_CA_FILE`);
  const requestClientCert = r.bool(`${prefix}_TLS_REQUEST_CLIENT_CERT`, false);
  if (!certFile && !keyFile) {
    r.check(
      !caFile && !requestClientCert,
      `${prefix}_TLS_CA_FILE / ${prefix}_TLS_REQUEST_CLIENT_CERT need ${prefix}_TLS_CERT_FILE and ${prefix}_TLS_KEY_FILE`,
    );
    return undefined;
  }
  r.check(!!certFile && !!keyFile, `${prefix}_TLS_CERT_FILE and ${prefix}_TLS_KEY_FILE go together`);
  r.check(
    !requestClientCert || !!caFile,
    `${prefix}_TLS_REQUEST_CLIENT_CERT needs ${prefix}_TLS_CA_FILE (the CA that signs client certificates)`,
  );
  return { certFile: certFile ?? '', keyFile: keyFile ?? '', caFile, requestClientCert };
}

/** The database time limits (defaults in config/defaults.json); the client-side limit must outlast the server's. */
function readDbTimeouts(r: ConfigReader): DbTimeoutsConfig {
  const t: DbTimeoutsConfig = {
    connectMs: r.int('DB_CONNECT_TIMEOUT_MS', 100, 600000),
    statementMs: r.int('DB_STATEMENT_TIMEOUT_MS', 0, 3600000),
    queryMs: r.int('DB_QUERY_TIMEOUT_MS', 0, 3600000),
    lockMs: r.int('DB_LOCK_TIMEOUT_MS', 0, 3600000),
    idleInTransactionMs: r.int('DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 0, 86400000),
    migrationStatementMs: r.int('DB_MIGRATION_STATEMENT_TIMEOUT_MS', 0, 86400000),
  };
  r.check(
    t.queryMs === 0 || t.statementMs === 0 || t.queryMs > t.statementMs,
    'DB_QUERY_TIMEOUT_MS: must be larger than DB_STATEMENT_TIMEOUT_MS (the server cancels a slow statement first), or 0',
  );
  return t;
}

/** A 32-byte key written in base64 (openssl rand -base64 32), or undefined with the problem listed (never the value). */
function key32(r: ConfigReader, name: string, value: string): Buffer | undefined {
  const key = /^[A-Za-z0-9+/]{43}=$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  r.check(key?.length === 32, `${name}: each key must be 32 bytes in base64 (openssl rand -base64 32)`);
  return key?.length === 32 ? key : undefined;
}

/**
 * DATA_MASTER_KEYS=id:base64,… (the key ring; old ids stay for reading rows written under them), DATA_MASTER_KEY_ACTIVE
 * (default: the last id listed) and DATA_PSEUDONYM_KEY (base64): all or none.
 */
function readDataProtection(r: ConfigReader): AppConfig['dataProtection'] {
  const ring = r.pairs('DATA_MASTER_KEYS');
  const pseudonym = r.optionalString('DATA_PSEUDONYM_KEY');
  if (ring.size === 0 && !pseudonym) {
    r.check(!r.optionalString('DATA_MASTER_KEY_ACTIVE'), 'DATA_MASTER_KEY_ACTIVE: needs DATA_MASTER_KEYS');
    return undefined;
  }
  r.check(ring.size > 0 && !!pseudonym, 'DATA_MASTER_KEYS and DATA_PSEUDONYM_KEY go together');
  const masterKeys = new Map<string, Buffer>();
  for (const [id, value] of ring) {
    r.check(/^[A-Za-z0-9._-]{1,32}$/.test(id), 'DATA_MASTER_KEYS: key ids are 1-32 letters, digits, . _ -');
    const key = key32(r, 'DATA_MASTER_KEYS', value);
    if (key) masterKeys.set(id, key);
  }
  const activeKeyId = r.optionalString('DATA_MASTER_KEY_ACTIVE') ?? [...ring.keys()].at(-1) ?? '';
  r.check(ring.size === 0 || ring.has(activeKeyId), 'DATA_MASTER_KEY_ACTIVE: must be one of the ids in DATA_MASTER_KEYS');
  const pseudonymKey = pseudonym ? key32(r, 'DATA_PSEUDONYM_KEY', pseudonym) : undefined;
  return { masterKeys, activeKeyId, pseudonymKey: pseudonymKey ?? Buffer.alloc(0) };
}

/**
 * RETENTION=kind:days,… (days 1..36500, or `off` to keep a kind forever). Kinds are the flows' (checked at boot once
 * they are built); kinds not named keep their declared default.
 */
function readRetentionDays(r: ConfigReader): Map<string, number | null> {
  const days = new Map<string, number | null>();
  for (const entry of (r.optionalString('RETENTION') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([a-z][a-z0-9-]*):(\d{1,5}|off)$/.exec(entry);
    if (!m || (m[2] !== 'off' && (Number(m[2]) < 1 || Number(m[2]) > 36500))) {
      r.check(false, 'RETENTION: each entry must be kind:days (1..36500) or kind:off, separated by commas');
      continue;
    }
    r.check(!days.has(m[1]), `RETENTION: kind ${m[1]} is named twice`);
    days.set(m[1], m[2] === 'off' ? null : Number(m[2]));
  }
  return days;
}

/** Where the HL7 senders come from (said at boot): HL7_SENDERS, the embedded loopback default, or nowhere. */
function sendersOrigin(configured: boolean, embedded: boolean): AppConfig['hl7']['sendersOrigin'] {
  if (configured) return 'configured';
  return embedded ? 'embedded-loopback' : 'none';
}

/**
 * Builds the typed configuration from the environment over config/defaults.json.
 * The only place in the code base that looks at environment variables.
 */
export function loadConfig(env: RawEnv = process.env, defaults: RawEnv = readDefaults()): AppConfig {
  const r = new ConfigReader(env, defaults);
  const databaseUrl = r.url('DATABASE_URL', ['postgres', 'postgresql']);
  const redisUrl = r.url('REDIS_URL', ['redis', 'rediss']);
  const cdriEndpoint = r.url('CDRI_ENDPOINT', ['http', 'https']);
  const poolSize = r.int('DB_POOL_SIZE', 2, 500);
  const timeouts = readDbTimeouts(r);
  const version = r.optionalString('npm_package_version') ?? '0.1.0';

  const installId = r.optionalString('CDRI_INSTALL_ID') ?? (cdriEndpoint ? undefined : SIMULATION_INSTALL_ID);
  if (cdriEndpoint) r.check(!!installId, 'CDRI_INSTALL_ID: required when CDRI_ENDPOINT is set (a UUID per installation)');
  if (installId) r.check(isVersionedUuid(installId), 'CDRI_INSTALL_ID: must be a UUID');

  const common = {
    timeoutMs: r.int('CDRI_TIMEOUT_MS', 50, 120000),
    maxSockets: r.int('CDRI_MAX_SOCKETS', 1, 4096),
    softwareName: r.string('CDRI_SOFTWARE_NAME'),
    softwareVersion: version,
    authorisationNumber: r.string('CDRI_AUTHORISATION_NUMBER'),
    installId: installId ?? '',
    rightsTtlSeconds: r.int('CDRI_RIGHTS_TTL_SECONDS', 60, 31 * 86400),
    probeTtlMs: r.int('HEALTH_INSURER_PROBE_TTL_MS', 0, 3600000),
    jobConcurrency: r.int('CDRI_JOB_CONCURRENCY', 1, 1000),
    jobAttempts: r.int('CDRI_JOB_ATTEMPTS', 1, 100),
    jobBackoffMs: r.int('CDRI_JOB_BACKOFF_MS', 10, 3600000),
  };
  const cdriCert = r.file('CDRI_TLS_CERT_FILE');
  const cdriKey = r.privateKeyFile('CDRI_TLS_KEY_FILE');
  const cdriCa = r.file('CDRI_TLS_CA_FILE');
  // The insurer gets patient identities: in clear only to a local stub or a TLS-terminating sidecar on this host.
  if (cdriEndpoint?.startsWith('http:')) {
    r.check(isLoopbackUrl(cdriEndpoint), 'CDRI_ENDPOINT: http:// is accepted only on the loopback (127.0.0.1, ::1, localhost); use https');
  }
  if (cdriEndpoint?.startsWith('https')) {
    r.check(
      !!cdriCert && !!cdriKey,
      'CDRI_TLS_CERT_FILE and CDRI_TLS_KEY_FILE: required for an https CDRI_ENDPOINT (ORG AUTH_CLI certificate, mutual TLS)',
    );
  }

  // The PostgreSQL queue backend is a supported choice; only the embedded database and the simulators are "embedded".
  const embedded = !databaseUrl || !cdriEndpoint;
  const gapHost = r.optionalString('GAP_MLLP_HOST');
  const lotCron = r.optionalString('CDRI_LOT_CRON');
  if (lotCron) r.check(lotCron.split(/\s+/).length === 5, 'CDRI_LOT_CRON: must be a 5-field cron expression (or empty to disable)');
  const timeZone = r.string('CDRI_LOT_TIMEZONE');
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    r.check(false, 'CDRI_LOT_TIMEZONE: unknown time zone');
  }
  const mllpTls = tlsFiles(r, 'MLLP');
  const allowPlaintext = r.bool('HL7_ALLOW_PLAINTEXT', false);
  if (!embedded && !mllpTls) {
    r.check(
      allowPlaintext,
      'MLLP_TLS_CERT_FILE / MLLP_TLS_KEY_FILE: TLS is required on the MLLP listener outside embedded mode (or HL7_ALLOW_PLAINTEXT=true)',
    );
  }
  const senders = readHl7Senders(r);
  if (senders.some((s) => s.source.kind === 'certificate')) {
    r.check(
      !!mllpTls?.requestClientCert,
      'HL7_SENDERS: sha256: sources need the MLLP TLS listener to ask for client certificates (MLLP_TLS_REQUEST_CLIENT_CERT=true)',
    );
  }
  const transport = readTransportConfig(r);
  const fides = readFidesConfig(r, embedded);
  // Full simulation bills too: a simulation PKI and the AMO simulator stand in for the seal and the insurer.
  const fullSimulation = !databaseUrl && !cdriEndpoint;
  const config: AppConfig = {
    embedded,
    role: r.oneOf('PROCESS_ROLE', ['all', 'api', 'worker'] as const),
    transport,
    fides,
    amoSimulator: fullSimulation && fides && !transport ? readAmoSimulatorConfig(r, r.string('EMBEDDED_PG_DIR')) : undefined,
    lots: {
      cron: lotCron,
      timeZone,
      finess: (r.optionalString('CDRI_LOT_FINESS') ?? r.string('ESTABLISHMENT_FINESS'))
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
      horizonDays: r.int('CDRI_LOT_HORIZON_DAYS', 1, 60),
      mode: r.oneOf('CDRI_LOT_MODE', ['unit-fanout', 'lot-exchange'] as const),
      concurrency: r.int('CDRI_LOT_CONCURRENCY', 1, 1000),
      ratePerSecond: r.int('CDRI_LOT_RATE_PER_SECOND', 1, 100000),
      attempts: r.int('CDRI_LOT_ATTEMPTS', 1, 100),
      backoffMs: r.int('CDRI_LOT_BACKOFF_MS', 10, 3600000),
      chunkSize: r.int('CDRI_LOT_CHUNK_SIZE', 1, 100000),
      pollIntervalMs: r.int('CDRI_LOT_POLL_INTERVAL_MS', 10, 600000),
    },
    gapOutbound: gapHost
      ? {
          host: gapHost,
          port: r.int('GAP_MLLP_PORT', 1, 65535),
          timeoutMs: r.int('GAP_MLLP_TIMEOUT_MS', 100, 600000),
          retries: r.int('GAP_MLLP_RETRIES', 0, 100),
          tls: r.bool('GAP_MLLP_TLS', false)
            ? {
                caFile: r.file('GAP_MLLP_TLS_CA_FILE'),
                certFile: r.file('GAP_MLLP_TLS_CERT_FILE'),
                keyFile: r.privateKeyFile('GAP_MLLP_TLS_KEY_FILE'),
              }
            : undefined,
        }
      : undefined,
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const),
    http: {
      host: r.string('HTTP_HOST'),
      port: r.int('HTTP_PORT', 0, 65535),
      adapter: r.oneOf('HTTP_ADAPTER', ['express', 'fastify'] as const),
      tls: tlsFiles(r, 'HTTP'),
    },
    mllp: {
      host: r.string('MLLP_HOST'),
      port: r.int('MLLP_PORT', 0, 65535),
      maxFrameBytes: r.int('MLLP_MAX_FRAME_BYTES', 1024, 512 * 1024 * 1024),
      idleTimeoutMs: r.int('MLLP_IDLE_TIMEOUT_MS', 1000, 86400000),
      maxConnections: r.int('MLLP_MAX_CONNECTIONS', 1, 100000),
      tls: mllpTls,
    },
    hl7: {
      defaultCharset: r.oneOf('HL7_DEFAULT_CHARSET', ['UTF-8', '8859/1'] as const),
      receivingApplication: r.string('HL7_RECEIVING_APPLICATION'),
      receivingFacility: r.string('HL7_RECEIVING_FACILITY'),
      senders: senders.length > 0 || !embedded ? senders : EMBEDDED_LOOPBACK_SENDERS,
      sendersOrigin: sendersOrigin(senders.length > 0, embedded),
      allowPlaintext,
      conflictAlertHours: r.int('HL7_CONFLICT_ALERT_HOURS', 1, 24 * 366),
      poisonMaxAttempts: r.int('HL7_POISON_MAX_ATTEMPTS', 1, 1000),
    },
    establishmentFiness: r.string('ESTABLISHMENT_FINESS'),
    database: databaseUrl
      ? { mode: 'external', url: databaseUrl, poolSize, timeouts }
      : { mode: 'embedded', dataDir: r.string('EMBEDDED_PG_DIR'), port: r.int('EMBEDDED_PG_PORT', 1024, 65535), poolSize, timeouts },
    queue: redisUrl
      ? { backend: 'redis', url: redisUrl, prefix: r.string('QUEUE_PREFIX') }
      : { backend: 'postgres', schema: r.string('QUEUE_SCHEMA') },
    cdri: cdriEndpoint
      ? {
          mode: 'remote',
          endpoint: cdriEndpoint,
          tls: cdriCert && cdriKey ? { certFile: cdriCert, keyFile: cdriKey, caFile: cdriCa } : undefined,
          common,
        }
      : {
          mode: 'simulator',
          simulatorPort: r.int('SIMULATOR_CDRI_PORT', 0, 65535),
          simulatorLatencyMs: r.int('SIMULATOR_CDRI_LATENCY_MS', 0, 60000),
          common,
        },
    // The demo key needs the whole simulation: with a real insurer, calls go out under the hospital's certificate.
    access: readAccessConfig(r, { establishmentFiness: r.string('ESTABLISHMENT_FINESS'), fullSimulation: !databaseUrl && !cdriEndpoint }),
    inboxSweepIntervalMs: r.int('INBOX_SWEEP_INTERVAL_MS', 100, 3600000),
    testCrashAt: readTestCrashPoint(r),
    dataProtection: readDataProtection(r),
    retention: {
      days: readRetentionDays(r),
      intervalMs: r.int('RETENTION_INTERVAL_MS', 1000, 7 * 86400000),
      batchSize: r.int('RETENTION_BATCH_SIZE', 1, 100000),
      maxBatchesPerRun: r.int('RETENTION_MAX_BATCHES_PER_RUN', 1, 1000000),
    },
    warnings: [],
    faultInjection: r.optionalString('TEST_FAULT_INJECTION')
      ? r.oneOf('TEST_FAULT_INJECTION', ['crash-before-store', 'crash-after-store', 'throw-on-poison-control-id'] as const)
      : undefined,
  };
  if (r.optionalString('API_CLIENT_CERTS'))
    r.check(
      !!config.http.tls?.requestClientCert,
      'API_CLIENT_CERTS: needs HTTPS with client certificates (HTTP_TLS_REQUEST_CLIENT_CERT=true)',
    );
  r.check(isValidFiness(config.establishmentFiness), 'ESTABLISHMENT_FINESS: must be a valid FINESS (9 characters, check digit)');
  for (const f of config.lots.finess)
    r.check(isValidFiness(f), 'CDRI_LOT_FINESS: each entry must be a valid FINESS (9 characters, check digit)');
  // Embedded mode (a demo on a workstation) keeps running, with the warning logged at boot; production refuses.
  if (embedded) config.warnings = r.exposedKeyFiles;
  else r.errors.push(...r.exposedKeyFiles);
  if (r.errors.length > 0) throw new ConfigError(r.errors);
  return config;
}

/** True for a URL whose host is this machine's loopback. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  } catch {
    return false;
  }
}
