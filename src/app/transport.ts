import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { CertificateChecker, KeyProvider, loadPkcs12File } from '../signing';
import { TransmissionChannel } from '../transport/channels/transmission-channel';
import { FileDropChannel } from '../transport/channels/file-drop.channel';
import { SftpChannel } from '../transport/channels/sftp.channel';
import { SmtpChannel } from '../transport/channels/smtp.channel';
import { ReturnsIntake } from '../transport/intake';
import { TRANSMISSION_SEND_QUEUE, TransmissionOutbox, TransmissionStore } from '../transport/outbox';
import { FileDropReturnsSource } from '../transport/returns/file-drop-returns.source';
import { ReturnsPoller } from '../transport/returns/returns-poller';
import { ReturnsSource } from '../transport/returns/returns-source';
import { SftpReturnsSource } from '../transport/returns/sftp-returns.source';
import { TransportConfig } from '../config/transport-config';
import { AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { Sql } from '../persistence/sql';
import { QueueBackend } from '../queue/queue-backend';

export interface TransportRuntime {
  outbox: TransmissionOutbox;
  checker: CertificateChecker;
  seal: KeyProvider;
  /** Certificates to watch for expiry in /health and /metrics. */
  watched: Array<{ purpose: 'seal' | 'encryption-recipient'; label: string; certificate: KeyProvider['certificate'] }>;
  /** Starts the send worker, the sweep and the returns poller (worker role); returns their stop. */
  startBackground(queue: QueueBackend): Promise<() => Promise<void>>;
}

/**
 * Lot signing + encrypted transport, built from configuration: the seal (ORG SIGN, PKCS#12), the trust store,
 * the insurers' encryption certificates, the configured channels, the spool and the returns intake.
 */
export async function buildTransport(cfg: TransportConfig, db: Sql, queue: QueueBackend, metrics: Metrics, log: AppLogger): Promise<TransportRuntime> {
  const checker = new CertificateChecker({ trustStore: readFileSync(cfg.trustStoreFile, 'utf8'), warnDays: cfg.warnDays });
  const seal = await loadPkcs12File(cfg.seal.p12File, cfg.seal.password);
  const recipientCertificates = Object.fromEntries([...cfg.recipients].map(([id, file]) => [id, readFileSync(file, 'utf8')]));
  await mkdir(cfg.spoolDir, { recursive: true });

  const channels: Partial<Record<'smtp' | 'sftp' | 'file-drop', TransmissionChannel>> = {};
  if (cfg.smtp) {
    const s = cfg.smtp;
    channels.smtp = new SmtpChannel({
      host: s.host, port: s.port, security: s.security, from: s.from,
      auth: s.user ? { user: s.user, pass: s.password ?? '' } : undefined,
      ca: s.caFile ? readFileSync(s.caFile) : undefined,
    });
  }
  const sftpConnection = cfg.sftp && {
    host: cfg.sftp.host, port: cfg.sftp.port, username: cfg.sftp.user, password: cfg.sftp.password,
    privateKey: cfg.sftp.keyFile ? readFileSync(cfg.sftp.keyFile) : undefined, hostKeySha256: cfg.sftp.hostKeySha256,
  };
  if (cfg.sftp && sftpConnection) channels.sftp = new SftpChannel({ ...sftpConnection, remoteDir: cfg.sftp.remoteDir });
  if (cfg.fileDropDir) channels['file-drop'] = new FileDropChannel({ directory: cfg.fileDropDir });

  const outbox = new TransmissionOutbox({
    store: new TransmissionStore(db), queue, channels, seal, checker, recipientCertificates, spoolDir: cfg.spoolDir,
    signature: { padding: cfg.padding },
    encryption: { contentEncryption: cfg.contentEncryption },
    jobAttempts: cfg.jobAttempts, jobBackoffMs: cfg.jobBackoffMs,
    // Events carry ids, states and codes, never lot content.
    onEvent: (e) => {
      log.info(e as unknown as Record<string, unknown>, `transmission ${e.type}`);
      if (e.type === 'sent' || e.type === 'failed') metrics.transmissions.inc({ outcome: e.type });
    },
  });

  const watched: TransportRuntime['watched'] = [{ purpose: 'seal', label: 'seal (ORG SIGN)', certificate: seal.certificate }];
  return {
    outbox,
    checker,
    seal,
    watched,
    async startBackground(q: QueueBackend) {
      const worker = q.worker(TRANSMISSION_SEND_QUEUE, outbox.processor() as never, { concurrency: cfg.concurrency, lockDurationMs: 120000 });
      const sweep = () => void outbox.requeuePending().catch((err) => log.error({ err }, 'Transmission sweep failed'));
      sweep();
      const timer = setInterval(sweep, cfg.sweepIntervalMs);
      timer.unref();
      let poller: ReturnsPoller | undefined;
      const sources: ReturnsSource[] = [];
      if (cfg.returns.dir) sources.push(new FileDropReturnsSource({ name: 'drop:returns', directory: cfg.returns.dir, acknowledge: 'move-to-done' }));
      if (cfg.returns.sftpDir && sftpConnection) sources.push(new SftpReturnsSource({ name: 'sftp:returns', remoteDir: cfg.returns.sftpDir, acknowledge: 'move-to-done', ...sftpConnection }));
      if (sources.length) {
        const keyProviders = cfg.decrypt ? [await loadPkcs12File(cfg.decrypt.p12File, cfg.decrypt.password)] : [seal];
        const intake = new ReturnsIntake({ db, keyProviders, checker, onEvent: (e) => log.info(e as unknown as Record<string, unknown>, `return ${e.type}`) });
        poller = new ReturnsPoller({
          sources, handler: intake.handler, intervalMs: cfg.returns.pollIntervalMs, lotIdPattern: new RegExp(cfg.returns.lotIdPattern),
          onError: (err) => log.warn({ phase: err.phase, source: err.source, code: (err as { code?: string }).code }, 'Returns intake problem'),
        });
        poller.start();
      }
      return async () => {
        clearInterval(timer);
        await poller?.stop();
        await worker.close();
        for (const c of Object.values(channels)) await c?.close();
      };
    },
  };
}
