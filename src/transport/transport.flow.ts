import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { seesEverything } from '../access/roles';
import { SYSTEM_ACTOR } from '../audit/audit-trail';
import type { FlowModule, FlowParts } from '../platform/flow';
import { LOT_TRANSMISSION } from '../platform/lot-transmission';
import { testCrashAt } from '../platform/test-crash';
import { defineWorker } from '../queue/queue-definition';
import { CertificateChecker, loadPkcs12File, parseCertificate } from '../signing';
import { FileDropChannel } from './channels/file-drop.channel';
import { SftpChannel } from './channels/sftp.channel';
import { SmtpChannel } from './channels/smtp.channel';
import { type TransmissionChannel } from './channels/transmission-channel';
import { ReturnsIntake } from './intake';
import { Transmissions1764200000000 } from './migrations/1764200000000-transmissions';
import { TransmissionRequester1764380000000 } from './migrations/1764380000000-transmission-requester';
import { buildTransmissionTask, TransmissionOutbox, TransmissionStore } from './outbox';
import { lotTransmissionAdapter } from './outbox/lot-transmission.adapter';
import { TRANSMISSION_ROUTES } from './recipients';
import { transmissionSendQueue } from './transport.queues';
import { transportRetention } from './transport.retention';
import { FileDropReturnsSource } from './returns/file-drop-returns.source';
import { ReturnsPoller } from './returns/returns-poller';
import { type ReturnsSource } from './returns/returns-source';
import { SftpReturnsSource } from './returns/sftp-returns.source';

/**
 * Lot signing + encrypted transport: the seal (ORG SIGN, PKCS#12), the trust store, the insurers' encryption
 * certificates, the configured channels, the spool, the send worker and the returns intake. Off (no routes, no
 * workers) without SIGNING_SEAL_P12_FILE.
 */
export const transportFlow: FlowModule = {
  name: 'transport',
  description: 'Lot sealing (CMS), encryption, the transmission outbox (SMTP, SFTP, file drop) and the returns poller',
  migrations: [Transmissions1764200000000, TransmissionRequester1764380000000],

  async build({ config, log, metrics, db, queue, services, returnHandlers, audit }): Promise<FlowParts | undefined> {
    const cfg = config.transport;
    if (!cfg) return undefined;
    const checker = new CertificateChecker({ trustStore: readFileSync(cfg.trustStoreFile, 'utf8'), warnDays: cfg.warnDays });
    const seal = await loadPkcs12File(cfg.seal.p12File, cfg.seal.password);
    const recipientCertificates = Object.fromEntries([...cfg.recipients].map(([id, file]) => [id, readFileSync(file, 'utf8')]));
    await mkdir(cfg.spoolDir, { recursive: true });

    const channels: Partial<Record<'smtp' | 'sftp' | 'file-drop', TransmissionChannel>> = {};
    if (cfg.smtp) {
      const s = cfg.smtp;
      channels.smtp = new SmtpChannel({
        host: s.host,
        port: s.port,
        security: s.security,
        from: s.from,
        auth: s.user ? { user: s.user, pass: s.password ?? '' } : undefined,
        ca: s.caFile ? readFileSync(s.caFile) : undefined,
      });
    }
    const sftpConnection = cfg.sftp && {
      host: cfg.sftp.host,
      port: cfg.sftp.port,
      username: cfg.sftp.user,
      password: cfg.sftp.password,
      privateKey: cfg.sftp.keyFile ? readFileSync(cfg.sftp.keyFile) : undefined,
      hostKeySha256: cfg.sftp.hostKeySha256,
    };
    if (cfg.sftp && sftpConnection) channels.sftp = new SftpChannel({ ...sftpConnection, remoteDir: cfg.sftp.remoteDir });
    if (cfg.fileDropDir) channels['file-drop'] = new FileDropChannel({ directory: cfg.fileDropDir });

    const transmissions = new TransmissionStore(db);
    const outbox = new TransmissionOutbox({
      store: transmissions,
      queue,
      channels,
      seal,
      checker,
      recipientCertificates,
      spoolDir: cfg.spoolDir,
      signature: { padding: cfg.padding },
      encryption: { contentEncryption: cfg.contentEncryption },
      jobAttempts: cfg.jobAttempts,
      jobBackoffMs: cfg.jobBackoffMs,
      testHooks: { afterChannelSend: testCrashAt(config.testCrashAt, 'channel-sent') },
      // Events carry ids, states and codes, never lot content.
      onEvent: (e) => {
        log.info({ ...e }, `transmission ${e.type}`);
        if (e.type === 'sent' || e.type === 'failed') metrics.transmissions.inc({ outcome: e.type });
        if (e.type === 'sent')
          audit
            .record({ actor: SYSTEM_ACTOR, action: 'transmission.sent', target: `Task/${e.transmissionId}` })
            .catch((err: unknown) => log.error({ err, transmissionId: e.transmissionId }, 'Audit record failed'));
      },
    });
    // What billing flows (FIDES) use: they may not import this flow (src/platform/lot-transmission.ts).
    services.provide(LOT_TRANSMISSION, lotTransmissionAdapter(outbox, cfg.routes, new Set(cfg.recipients.keys())));

    const sources: ReturnsSource[] = [];
    if (cfg.returns.dir)
      sources.push(
        new FileDropReturnsSource({
          name: 'drop:returns',
          directory: cfg.returns.dir,
          acknowledge: 'move-to-done',
          onRefused: (fileName, reason) => {
            metrics.returnsRefused.inc({ reason });
            log.warn({ fileName, reason }, 'Return file REFUSED in the drop folder: not a regular file, never followed nor read');
          },
        }),
      );
    if (cfg.returns.sftpDir && sftpConnection)
      sources.push(
        new SftpReturnsSource({ name: 'sftp:returns', remoteDir: cfg.returns.sftpDir, acknowledge: 'move-to-done', ...sftpConnection }),
      );
    const keyProviders = cfg.decrypt ? [await loadPkcs12File(cfg.decrypt.p12File, cfg.decrypt.password)] : [seal];
    const expectedSigners = new Map<string, string>();
    for (const [id, pin] of cfg.returnSigners) {
      const sha256 =
        'sha256' in pin ? pin.sha256 : parseCertificate(await readFile(pin.file, 'utf8')).x509.fingerprint256.replace(/:/g, '');
      expectedSigners.set(id, sha256);
    }
    const intake = new ReturnsIntake({
      db,
      keyProviders,
      checker,
      expectedSigners,
      onEvent: (e) => {
        if (e.type !== 'refused') return log.info({ ...e }, `return ${e.type}`);
        metrics.returnsRefused.inc({ reason: e.refusal });
        log.warn({ ...e }, 'Return REFUSED: its signer is not the one configured for its insurer; stored, nothing applied');
      },
    });
    const poller = sources.length
      ? new ReturnsPoller({
          sources,
          handler: intake.handler,
          intervalMs: cfg.returns.pollIntervalMs,
          lotIdPattern: new RegExp(cfg.returns.lotIdPattern),
          onError: (err) =>
            log.warn({ phase: err.phase, source: err.source, code: (err as { code?: string }).code }, 'Returns intake problem'),
        })
      : undefined;

    const sendQueue = transmissionSendQueue(cfg.jobAttempts, cfg.jobBackoffMs);

    return {
      // Loaded here, not at the top: see cdri.flow.ts.
      http: {
        controllers: [(await import('./http/transport.controller')).TransportController],
        providers: [
          { provide: TransmissionOutbox, useValue: outbox },
          { provide: TRANSMISSION_ROUTES, useValue: cfg.routes },
        ],
      },
      // A transmission's Task is read by the client that handed the lot over, and by operators.
      tasks: async (id, reader) => {
        const t = await outbox.get(id);
        return t && (seesEverything(reader) || t.requestedBy === reader.clientId) ? buildTransmissionTask(t) : undefined;
      },
      workers: [
        defineWorker({
          queue: sendQueue,
          processor: outbox.processor(),
          settings: { concurrency: cfg.concurrency, lockDurationMs: cfg.jobLockMs },
        }),
      ],
      retention: transportRetention(transmissions),
      periodic: [{ name: 'transmission-sweep', intervalMs: cfg.sweepIntervalMs, run: () => outbox.requeuePending() }],
      beforeScrape: async () => {
        for (const [state, n] of Object.entries(await outbox.counts())) metrics.transmissionStates.set({ state }, n);
      },
      start: () => {
        for (const [flow, handler] of returnHandlers) intake.register(flow, handler);
        poller?.start();
      },
      stop: async () => {
        await poller?.stop();
        for (const c of Object.values(channels)) await c?.close();
      },
    };
  },
};
