import { existsSync } from 'node:fs';
import { type ConfigReader } from './config-readers';

export interface RecipientRoute {
  channel: 'smtp' | 'sftp' | 'file-drop';
  /** SMTP: the insurer's mailbox; SFTP / file drop: sub-folder under the channel's base ('' = the base). */
  address: string;
}

/** Lot signing, transport encryption, channels and returns. Absent (undefined) when no seal is configured. */
export interface TransportConfig {
  seal: { p12File: string; password: string };
  trustStoreFile: string;
  warnDays: number;
  padding: 'pkcs1-v1_5' | 'pss';
  contentEncryption: 'aes-256-gcm' | 'aes-256-cbc';
  decrypt?: { p12File: string; password: string };
  /** recipient id → PEM file (the insurer's encryption certificate, then intermediates). */
  recipients: Map<string, string>;
  /**
   * The recipients directory: recipient id → channel and address (SMTP mailbox, SFTP / file-drop sub-folder). A lot
   * handed over names only the id; where it goes and under which certificate is configuration, never the request.
   */
  routes: Map<string, RecipientRoute>;
  /**
   * recipient id → the one signer accepted on that insurer's returns: its certificate (PEM file) or the SHA-256
   * fingerprint of it. Returns that are unsigned, signed by anyone else, or not linked to a recipient are refused.
   */
  returnSigners: Map<string, { file: string } | { sha256: string }>;
  spoolDir: string;
  jobAttempts: number;
  jobBackoffMs: number;
  /**
   * The send job's lock (renewed while its process lives): how long a send whose process died (kill -9) waits before
   * another worker takes it over and resends it under the possible_duplicate mark.
   */
  jobLockMs: number;
  concurrency: number;
  sweepIntervalMs: number;
  smtp?: {
    host: string;
    port: number;
    security: 'tls' | 'starttls' | 'insecure-plaintext';
    from: string;
    user?: string;
    password?: string;
    caFile?: string;
  };
  sftp?: { host: string; port: number; user: string; password?: string; keyFile?: string; hostKeySha256: string[]; remoteDir: string };
  fileDropDir?: string;
  returns: { dir?: string; sftpDir?: string; pollIntervalMs: number; lotIdPattern: string };
}

/** Reads the transport section; every problem goes to the shared reader, so boot lists them all. */
export function readTransportConfig(r: ConfigReader): TransportConfig | undefined {
  const p12File = r.privateKeyFile('SIGNING_SEAL_P12_FILE');
  if (!p12File) return undefined;
  const password = r.string('SIGNING_SEAL_P12_PASSWORD');
  const trustStoreFile = r.file('SIGNING_TRUST_STORE_FILE');
  r.check(!!trustStoreFile, 'SIGNING_TRUST_STORE_FILE: required with SIGNING_SEAL_P12_FILE (the IGC Santé CA certificates)');
  const decryptFile = r.privateKeyFile('TRANSPORT_DECRYPT_P12_FILE');
  const smtpHost = r.optionalString('SMTP_HOST');
  const sftpHost = r.optionalString('SFTP_HOST');
  const pattern = r.string('RETURNS_LOT_ID_PATTERN');
  try {
    new RegExp(pattern);
  } catch {
    r.check(false, 'RETURNS_LOT_ID_PATTERN: not a valid regular expression');
  }
  const recipients = r.pairs('TRANSMISSION_RECIPIENT_CERTS');
  for (const [id, file] of recipients)
    r.check(/^[A-Za-z0-9._-]+$/.test(id) && file.length > 0, `TRANSMISSION_RECIPIENT_CERTS: bad entry for ${id}`);
  const smtp = !!smtpHost;
  const sftp = !!sftpHost;
  const fileDrop = !!r.optionalString('FILE_DROP_DIR');
  const routes = new Map<string, RecipientRoute>();
  for (const entry of (r.optionalString('TRANSMISSION_RECIPIENTS') ?? '')
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [id, channel, address = '', ...rest] = entry.split(':');
    const where = `TRANSMISSION_RECIPIENTS: entry ${JSON.stringify(id.slice(0, 64))}`;
    if (rest.length > 0 || !id || (channel !== 'smtp' && channel !== 'sftp' && channel !== 'file-drop')) {
      r.check(false, 'TRANSMISSION_RECIPIENTS: each entry must be id:channel[:address] with channel smtp, sftp or file-drop');
      continue;
    }
    r.check(!routes.has(id), `${where}: id appears twice`);
    r.check(recipients.has(id), `${where}: no encryption certificate for it in TRANSMISSION_RECIPIENT_CERTS`);
    r.check({ smtp, sftp, 'file-drop': fileDrop }[channel], `${where}: channel ${channel} is not configured`);
    if (channel === 'smtp') r.check(/^[^\s@<>]+@[^\s@<>]+$/.test(address), `${where}: smtp needs the insurer's mailbox address`);
    // A sub-folder stays under the channel's base: no absolute path, no way up.
    else r.check(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]*$/.test(address), `${where}: the sub-folder must be relative, without ..`);
    routes.set(id, { channel, address });
  }
  const returnSigners = new Map<string, { file: string } | { sha256: string }>();
  for (const [id, value] of r.pairs('RETURNS_SIGNERS')) {
    const fingerprint = /^sha256:([0-9a-f]{2}(?::?[0-9a-f]{2}){31})$/i.exec(value)?.[1];
    if (fingerprint) returnSigners.set(id, { sha256: fingerprint.replace(/:/g, '').toUpperCase() });
    else if (value.startsWith('sha256:')) r.check(false, `RETURNS_SIGNERS: fingerprint of ${id} must be sha256:<64 hex digits>`);
    else {
      r.check(existsSync(value), `RETURNS_SIGNERS: certificate file of ${id} not found`);
      returnSigners.set(id, { file: value });
    }
  }
  return {
    seal: { p12File, password },
    trustStoreFile: trustStoreFile ?? '',
    warnDays: r.int('SIGNING_WARN_DAYS', 1, 365),
    padding: r.oneOf('SIGNING_PADDING', ['pkcs1-v1_5', 'pss'] as const),
    contentEncryption: r.oneOf('TRANSPORT_CONTENT_ENCRYPTION', ['aes-256-gcm', 'aes-256-cbc'] as const),
    decrypt: decryptFile ? { p12File: decryptFile, password: r.string('TRANSPORT_DECRYPT_P12_PASSWORD') } : undefined,
    recipients,
    routes,
    returnSigners,
    spoolDir: r.string('TRANSMISSION_SPOOL_DIR'),
    jobAttempts: r.int('TRANSMISSION_JOB_ATTEMPTS', 1, 100),
    jobBackoffMs: r.int('TRANSMISSION_JOB_BACKOFF_MS', 10, 3600000),
    jobLockMs: r.int('TRANSMISSION_JOB_LOCK_MS', 2000, 3600000),
    concurrency: r.int('TRANSMISSION_JOB_CONCURRENCY', 1, 100),
    sweepIntervalMs: r.int('TRANSMISSION_SWEEP_INTERVAL_MS', 100, 3600000),
    smtp: smtpHost
      ? {
          host: smtpHost,
          port: r.int('SMTP_PORT', 1, 65535),
          security: r.oneOf('SMTP_SECURITY', ['tls', 'starttls', 'insecure-plaintext'] as const),
          from: r.string('SMTP_FROM'),
          user: r.optionalString('SMTP_USER'),
          password: r.optionalString('SMTP_PASSWORD'),
          caFile: r.file('SMTP_CA_FILE'),
        }
      : undefined,
    sftp: sftpHost
      ? {
          host: sftpHost,
          port: r.int('SFTP_PORT', 1, 65535),
          user: r.string('SFTP_USER'),
          password: r.optionalString('SFTP_PASSWORD'),
          keyFile: r.privateKeyFile('SFTP_KEY_FILE'),
          hostKeySha256: r
            .string('SFTP_HOST_KEY_SHA256')
            .split(',')
            .map((s) => s.trim()),
          remoteDir: r.string('SFTP_REMOTE_DIR'),
        }
      : undefined,
    fileDropDir: r.optionalString('FILE_DROP_DIR'),
    returns: {
      dir: r.optionalString('RETURNS_DIR'),
      sftpDir: r.optionalString('RETURNS_SFTP_DIR'),
      pollIntervalMs: r.int('RETURNS_POLL_INTERVAL_MS', 100, 86400000),
      lotIdPattern: pattern,
    },
  };
}
