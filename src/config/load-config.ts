import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidFiness, isVersionedUuid } from '../identifiers';
import { type AppConfig, type TlsFiles } from './app-config';
import { ConfigReader, type RawEnv } from './config-readers';
import { EMBEDDED_LOOPBACK_SENDERS, readHl7Senders } from './hl7-senders-config';
import { readTransportConfig } from './transport-config';

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
  const keyFile = r.file(`${prefix}_TLS_KEY_FILE`);
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
    jobConcurrency: r.int('CDRI_JOB_CONCURRENCY', 1, 1000),
    jobAttempts: r.int('CDRI_JOB_ATTEMPTS', 1, 100),
    jobBackoffMs: r.int('CDRI_JOB_BACKOFF_MS', 10, 3600000),
  };
  const cdriCert = r.file('CDRI_TLS_CERT_FILE');
  const cdriKey = r.file('CDRI_TLS_KEY_FILE');
  const cdriCa = r.file('CDRI_TLS_CA_FILE');
  if (cdriEndpoint?.startsWith('https')) {
    r.check(
      !!cdriCert && !!cdriKey,
      'CDRI_TLS_CERT_FILE and CDRI_TLS_KEY_FILE: required for an https CDRI_ENDPOINT (ORG AUTH_CLI certificate, mutual TLS)',
    );
  }

  const apiKeys = r.pairs('KIOSK_API_KEYS');
  for (const [id, key] of apiKeys) r.check(key.length >= 16, `KIOSK_API_KEYS: key of ${id} must be at least 16 characters`);

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
  const config: AppConfig = {
    embedded,
    role: r.oneOf('PROCESS_ROLE', ['all', 'api', 'worker'] as const),
    transport: readTransportConfig(r),
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
                keyFile: r.file('GAP_MLLP_TLS_KEY_FILE'),
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
      ? { mode: 'external', url: databaseUrl, poolSize }
      : { mode: 'embedded', dataDir: r.string('EMBEDDED_PG_DIR'), port: r.int('EMBEDDED_PG_PORT', 1024, 65535), poolSize },
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
    kiosk: {
      apiKeys,
      ratePerMinute: r.int('KIOSK_RATE_LIMIT_PER_MINUTE', 1, 1000000),
      burst: r.int('KIOSK_RATE_LIMIT_BURST', 1, 100000),
      demoKey: !databaseUrl && apiKeys.size === 0 ? 'demo-kiosk-key-embedded-only' : undefined,
    },
    inboxSweepIntervalMs: r.int('INBOX_SWEEP_INTERVAL_MS', 100, 3600000),
    faultInjection: r.optionalString('TEST_FAULT_INJECTION')
      ? r.oneOf('TEST_FAULT_INJECTION', ['crash-before-store', 'crash-after-store', 'throw-on-poison-control-id'] as const)
      : undefined,
  };
  r.check(isValidFiness(config.establishmentFiness), 'ESTABLISHMENT_FINESS: must be a valid FINESS (9 characters, check digit)');
  for (const f of config.lots.finess)
    r.check(isValidFiness(f), 'CDRI_LOT_FINESS: each entry must be a valid FINESS (9 characters, check digit)');
  if (r.errors.length > 0) throw new ConfigError(r.errors);
  return config;
}
