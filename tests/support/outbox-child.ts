/**
 * Crash test helper of the transmission outbox. Two roles:
 * - `openTestOutbox(config)`: builds a TransmissionOutbox from plain data (used by the test and by the child), so
 *   both processes run the very same wiring;
 * - run as a script (`node dist/tests/support/outbox-child.js '<json config>'`): sends one transmission and
 *   SIGKILLs itself right after the channel returned, BEFORE the outcome is recorded — the "sent but not recorded
 *   as sent" crash. No shutdown hook runs, exactly like a power cut.
 * Configuration comes as a JSON argument (no environment reads).
 */
import { CertificateChecker } from '../../src/signing/certificate-checker';
import { loadPkcs12File } from '../../src/signing/certificate-loader';
import { MIGRATIONS } from '../../src/app/flows';
import { createDataSource } from '../../src/persistence/data-source';
import { Sql } from '../../src/persistence/sql';
import { type QueueBackend, createQueueBackend } from '../../src/queue/queue-backend';
import { SftpChannel } from '../../src/transport/channels/sftp.channel';
import { SmtpChannel } from '../../src/transport/channels/smtp.channel';
import { type TransmissionChannel } from '../../src/transport/channels/transmission-channel';
import { TransmissionOutbox, type TransmissionOutboxOptions } from '../../src/transport/outbox/transmission-outbox';
import { TransmissionStore } from '../../src/transport/outbox/transmission.store';

export interface TestOutboxConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  spoolDir: string;
  sealP12Path: string;
  p12Password: string;
  trustStorePem: string;
  /** recipientId → PEM (certificate + chain). */
  recipients: Record<string, string>;
  smtp?: { host: string; port: number; from: string };
  sftp?: { host: string; port: number; username: string; password: string; hostKeySha256: string; remoteDir: string };
  jobAttempts?: number;
  jobBackoffMs?: number;
}

export interface TestOutbox {
  outbox: TransmissionOutbox;
  queue: QueueBackend;
  sql: Sql;
  close(): Promise<void>;
}

/** Opens the database, the (unprepared, lazy) queue backend, the channels and the outbox. */
export async function openTestOutbox(cfg: TestOutboxConfig, extra: Partial<TransmissionOutboxOptions> = {}): Promise<TestOutbox> {
  const ds = createDataSource(cfg.databaseUrl, 3, MIGRATIONS);
  await ds.initialize();
  const sql = new Sql(ds);
  const queue = createQueueBackend(
    { kind: 'redis', url: cfg.redisUrl, prefix: cfg.queuePrefix },
    { onError: (err, source) => process.stderr.write(`queue error ${source}: ${err.message}\n`) },
  );
  const channels: Partial<Record<'smtp' | 'sftp', TransmissionChannel>> = {};
  if (cfg.smtp) channels.smtp = new SmtpChannel({ ...cfg.smtp, security: 'insecure-plaintext' });
  if (cfg.sftp) channels.sftp = new SftpChannel(cfg.sftp);
  const outbox = new TransmissionOutbox({
    store: new TransmissionStore(sql),
    queue,
    channels,
    seal: await loadPkcs12File(cfg.sealP12Path, cfg.p12Password),
    checker: new CertificateChecker({ trustStore: cfg.trustStorePem }),
    recipientCertificates: cfg.recipients,
    spoolDir: cfg.spoolDir,
    jobAttempts: cfg.jobAttempts,
    jobBackoffMs: cfg.jobBackoffMs,
    ...extra,
  });
  return {
    outbox,
    queue,
    sql,
    close: async () => {
      await queue.close();
      for (const c of Object.values(channels)) await c?.close();
      await ds.destroy();
    },
  };
}

async function main(): Promise<void> {
  const { transmissionId, ...cfg } = JSON.parse(process.argv[2] ?? '{}') as TestOutboxConfig & { transmissionId: string };
  const { outbox } = await openTestOutbox(cfg, {
    testHooks: {
      afterChannelSend: () => {
        process.stdout.write('channel-returned\n');
        process.kill(process.pid, 'SIGKILL');
        return new Promise<void>(() => undefined); // never resolves: nothing may be recorded
      },
    },
  });
  await outbox.sendJob(transmissionId);
  // Reaching this line means the hook did not run: the parent sees a normal exit and fails the test.
  process.stdout.write('not-killed\n');
  process.exit(3);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`outbox-child failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(4);
  });
}
