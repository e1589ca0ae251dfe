/**
 * TransmissionOutbox end to end, with real servers (SMTP and SFTP on 127.0.0.1), the real PostgreSQL and Redis and
 * the test PKI: what the insurer receives decrypts with ITS key and verifies to our lot byte for byte; refused
 * certificates write nothing; transient failures are retried; a crash between "sent" and "recorded as sent"
 * (a real SIGKILL of a child process) ends 'sent' with possible_duplicate and a repeat the receiver can detect.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { MIGRATIONS } from '../../src/app/flows';
import { createDataSource } from '../../src/persistence/data-source';
import { migrate } from '../../src/persistence/migrate';
import { CertificateError } from '../../src/signing/certificate-error';
import { loadPkcs12File } from '../../src/signing/certificate-loader';
import { verifyCms } from '../../src/signing/cms-verifier';
import { type SoftwareKeyProvider } from '../../src/signing/software-key-provider';
import { SftpTestServer } from '../support/transport/sftp-test-server';
import { SmtpTestServer } from '../support/transport/smtp-test-server';
import { decryptCms } from '../../src/transport/cms/cms-decryptor';
import { type OutboxError } from '../../src/transport/outbox/outbox-error';
import { type PrepareTransmissionInput, type TransmissionOutbox } from '../../src/transport/outbox/transmission-outbox';
import { TRANSMISSION_SEND_QUEUE } from '../../src/transport/transport.queues';
import { buildTransmissionTask } from '../../src/transport/outbox/transmission-task.builder';
import { type Transmission } from '../../src/transport/outbox/transmission.store';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { getTestPki } from '../support/test-pki';
import { createTestDatabase, TEST_REDIS_URL } from '../support/test-database';
import { openTestOutbox, type TestOutbox, type TestOutboxConfig } from '../support/outbox-child';
import { teardown, waitFor } from '../support/wait-for';

const CHILD = join(__dirname, '..', '..', 'dist', 'tests', 'support', 'outbox-child.js');
const MB = 1024 * 1024;

describe('TransmissionOutbox', () => {
  const pki = getTestPki();
  const smtp = new SmtpTestServer();
  const sftp = new SftpTestServer({ password: 'pw' });
  const runId = `${process.pid}-${Date.now()}`;
  let db: { url: string; drop: () => Promise<void> };
  let migrated: DataSource;
  let spoolDir: string;
  let config: TestOutboxConfig;
  let main: TestOutbox;
  let insurerKey: SoftwareKeyProvider;
  const opened: TestOutbox[] = [];

  const outboxOf = (t: TestOutbox): TransmissionOutbox => t.outbox;
  const row = (t: TestOutbox, id: string): Promise<Transmission> => t.outbox.get(id).then((r) => r as Transmission);
  const input = (lotRef: string, channel: 'smtp' | 'sftp', lot: { lotPath: string } | { content: Buffer }): PrepareTransmissionInput => ({
    flow: 'b2',
    lotRef,
    recipientId: 'cpam-75',
    channel,
    recipient: channel === 'smtp' ? 'b2@cpam-75.test' : '',
    fileName: `B2_${lotRef}.p7m`,
    ...lot,
  });
  const sftpFinal = (t: Transmission): string => join(sftp.root, 'inbox', `${t.idempotencyKey}__${t.fileName}`);

  /** What the insurer does: decrypt with its own key, verify our seal, get the lot back. */
  async function openAsInsurer(received: Buffer): Promise<Buffer> {
    const decrypted = await decryptCms(received, { keyProviders: insurerKey });
    const verified = await verifyCms(decrypted.content, { trustStore: pki.trustStorePem, now: new Date() });
    expect(verified.signer.subjectCn).toBe('CH TEST ORG SIGN');
    return verified.content;
  }

  async function attempts(id: string): Promise<Array<{ outcome: string | null; error: string | null; finished: boolean }>> {
    return main.sql.rows(
      `SELECT outcome, error, finished_at IS NOT NULL AS finished FROM transmission_attempt WHERE transmission_id = $1 ORDER BY started_at`,
      [id],
    );
  }

  async function open(prefix: string, extra: Parameters<typeof openTestOutbox>[1] = {}): Promise<TestOutbox> {
    const t = await openTestOutbox({ ...config, queuePrefix: prefix }, extra);
    opened.push(t);
    return t;
  }

  beforeAll(async () => {
    prepareFhirSchema(); // seconds of compiling, done before any exchange is timed out by it
    db = await createTestDatabase();
    migrated = createDataSource(db.url, 2, MIGRATIONS);
    await migrated.initialize();
    await migrate(migrated);
    spoolDir = mkdtempSync(join(tmpdir(), 'outbox-spool-'));
    mkdirSync(join(sftp.root, 'inbox'));
    insurerKey = await loadPkcs12File(pki.recipient.p12Path, pki.p12Password);
    config = {
      databaseUrl: db.url,
      redisUrl: TEST_REDIS_URL,
      queuePrefix: `outbox-test-${runId}`,
      spoolDir,
      sealP12Path: pki.seal.p12Path,
      p12Password: pki.p12Password,
      trustStorePem: pki.trustStorePem,
      recipients: { 'cpam-75': pki.recipient.certPem + pki.recipient.chainPem, 'wrong-purpose': pki.seal.certPem + pki.seal.chainPem },
      smtp: { host: '127.0.0.1', port: await smtp.start(), from: 'facturation@ch-test.fr' },
      sftp: {
        host: '127.0.0.1',
        port: await sftp.start(),
        username: 'hospital',
        password: 'pw',
        hostKeySha256: sftp.hostKeyFingerprint,
        remoteDir: '/inbox',
      },
      jobAttempts: 5,
      jobBackoffMs: 20,
    };
    main = await open(config.queuePrefix);
    await main.queue.prepare();
    main.queue.worker(TRANSMISSION_SEND_QUEUE, main.outbox.processor(), { concurrency: 2 });
  });

  afterAll(async () => {
    await teardown([
      ...opened.flatMap((t, i): Array<[string, () => Promise<unknown>]> => [
        // Emptying the queue is best effort (a backend that cannot prepare has nothing to empty); hanging is not.
        [
          `obliterate queue ${i}`,
          () =>
            t.queue
              .prepare()
              .then(() => t.queue.queue(TRANSMISSION_SEND_QUEUE).obliterate({ force: true }))
              .catch(() => undefined),
        ],
        [`close outbox ${i}`, () => t.close()],
      ]),
      ['destroy data source', async () => migrated?.destroy()],
      ['drop database', async () => db?.drop()],
      ['stop SMTP server', () => smtp.stop()],
      ['stop SFTP server', () => sftp.stop()],
      ['remove spool', async () => rmSync(spoolDir, { recursive: true, force: true })],
    ]);
  });

  beforeEach(() => smtp.reset());

  it('sends a 1 MB lot by SMTP: the insurer decrypts and verifies it to the original bytes; prepare is idempotent', async () => {
    const lot = randomBytes(MB);
    const lotPath = join(spoolDir, '..', `lot-${runId}.b2`);
    writeFileSync(lotPath, lot);
    try {
      const first = await main.outbox.prepare(input('LOT-SMTP-1', 'smtp', { lotPath }));
      expect(first.created).toBe(true);
      expect(first.transmission).toMatchObject({ state: 'queued', idempotencyKey: 'b2-LOT-SMTP-1-cpam-75', bytes: expect.any(Number) });
      const again = await main.outbox.prepare(input('LOT-SMTP-1', 'smtp', { lotPath }));
      expect(again).toMatchObject({ created: false, transmission: { id: first.transmission.id } });
      expect(readdirSync(spoolDir).filter((f) => f.endsWith('.p7m'))).toContain(`${first.transmission.id}.p7m`);

      const sent = await waitFor('sent', async () =>
        (await row(main, first.transmission.id)).state === 'sent' ? row(main, first.transmission.id) : undefined,
      );
      expect(sent).toMatchObject({ attempts: 1, possibleDuplicate: false, alreadyDelivered: false });
      const [mail] = await smtp.waitForMessages(1);
      expect(smtp.messages()).toHaveLength(1);
      expect(mail.idempotencyKey).toBe(sent.idempotencyKey);
      expect(mail.parsed.headers.get('x-passerelle-lot-id')).toBe('LOT-SMTP-1');
      expect(sent.remoteId).toBe(mail.parsed.messageId);
      // The body is base64 on the wire; mailparser hands back the decoded attachment bytes.
      const received = mail.parsed.attachments[0].content;
      expect(received.equals(readFileSync(sent.spoolPath))).toBe(true);
      expect((await openAsInsurer(received)).equals(lot)).toBe(true);

      const task = buildTransmissionTask(sent);
      expect(task).toMatchObject({
        resourceType: 'Task',
        status: 'in-progress',
        businessStatus: { text: 'sent, awaiting acknowledgement' },
      });
      expectValidFhir(task);
      expect(await main.outbox.counts()).toMatchObject({ sent: 1 });
    } finally {
      rmSync(lotPath, { force: true });
    }
  });

  it('sends a 1 MB lot given in memory by SFTP, atomically named by its idempotency key', async () => {
    const lot = randomBytes(MB);
    const { transmission } = await main.outbox.prepare(input('LOT-SFTP-1', 'sftp', { content: lot }));
    const sent = await waitFor('sent', async () =>
      (await row(main, transmission.id)).state === 'sent' ? row(main, transmission.id) : undefined,
    );
    expect(sent.remoteId).toBe(`/inbox/${sent.idempotencyKey}__${sent.fileName}`);
    const received = readFileSync(sftpFinal(sent));
    expect(received.length).toBe(sent.bytes);
    expect((await openAsInsurer(received)).equals(lot)).toBe(true);
  });

  it('refuses an expired seal and a wrong-purpose recipient before anything is written', async () => {
    const expired = await open(`outbox-expired-${runId}`, { seal: await loadPkcs12File(pki.expired.p12Path, pki.p12Password) });
    const before = readdirSync(spoolDir);
    const lot = { content: randomBytes(1000) };
    const err1 = await outboxOf(expired)
      .prepare(input('LOT-EXPIRED', 'sftp', lot))
      .catch((e: unknown) => e);
    expect(err1).toBeInstanceOf(CertificateError);
    expect((err1 as CertificateError).code).toBe('EXPIRED');
    const err2 = await main.outbox.prepare({ ...input('LOT-WRONG', 'sftp', lot), recipientId: 'wrong-purpose' }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(CertificateError);
    expect((err2 as CertificateError).code).toBe('WRONG_PURPOSE');
    const err3 = await main.outbox.prepare({ ...input('LOT-NOBODY', 'sftp', lot), recipientId: 'nobody' }).catch((e: unknown) => e);
    expect((err3 as OutboxError).code).toBe('UNKNOWN_RECIPIENT');
    expect(readdirSync(spoolDir)).toEqual(before);
    const rows = await main.sql.rows(`SELECT id FROM transmission WHERE lot_ref IN ('LOT-EXPIRED', 'LOT-WRONG', 'LOT-NOBODY')`);
    expect(rows).toEqual([]);
  });

  it('retries a transient SMTP 451 and sends; a permanent 554 parks the transmission as failed', async () => {
    smtp.rejectNext(2, 451, 'try again later');
    const { transmission } = await main.outbox.prepare(input('LOT-451', 'smtp', { content: randomBytes(50_000) }));
    const sent = await waitFor('sent after retries', async () =>
      (await row(main, transmission.id)).state === 'sent' ? row(main, transmission.id) : undefined,
    );
    expect(sent).toMatchObject({ attempts: 3, possibleDuplicate: false, lastError: null });
    expect((await attempts(transmission.id)).map((a) => a.outcome)).toEqual(['failed', 'failed', 'sent']);
    expect(smtp.messages()).toHaveLength(1);

    smtp.rejectNext(1, 554, 'no such lot type');
    const refused = await main.outbox.prepare(input('LOT-554', 'smtp', { content: randomBytes(1000) }));
    const failed = await waitFor('failed', async () =>
      (await row(main, refused.transmission.id)).state === 'failed' ? row(main, refused.transmission.id) : undefined,
    );
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toMatch(/^REJECTED: .*554/);
    expect(buildTransmissionTask(failed)).toMatchObject({ status: 'failed', statusReason: { text: failed.lastError } });
    expectValidFhir(buildTransmissionTask(failed));
  });

  describe('a crash between "sent" and "recorded as sent"', () => {
    let crash: TestOutbox; // no worker on its queue: the child and this test run the job by hand

    beforeAll(async () => {
      if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run "npm run build" first (npm test does it)`);
      crash = await open(`outbox-crash-${runId}`);
      await crash.queue.prepare();
    });

    async function sendInChildUntilKilled(id: string): Promise<void> {
      const child = spawn(
        process.execPath,
        [CHILD, JSON.stringify({ ...config, queuePrefix: `outbox-crash-${runId}`, transmissionId: id })],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      expect({ signal, output }).toEqual({ signal: 'SIGKILL', output: 'channel-returned\n' });
    }

    it('SFTP: the re-run flags possible_duplicate, finds the lot already delivered, and leaves one file', async () => {
      const lot = randomBytes(MB);
      const { transmission } = await crash.outbox.prepare(input('LOT-CRASH-SFTP', 'sftp', { content: lot }));
      await sendInChildUntilKilled(transmission.id);
      expect(await row(crash, transmission.id)).toMatchObject({ state: 'sending', attempts: 1, possibleDuplicate: false });
      expect(existsSync(sftpFinal(transmission))).toBe(true);

      const rerun = await crash.outbox.sendJob(transmission.id);
      expect(rerun.outcome).toBe('already-delivered');
      expect(await row(crash, transmission.id)).toMatchObject({
        state: 'sent',
        attempts: 2,
        possibleDuplicate: true,
        alreadyDelivered: true,
      });
      const history = await attempts(transmission.id);
      expect(history).toEqual([
        { outcome: null, error: expect.stringMatching(/^interrupted/), finished: true },
        { outcome: 'already-delivered', error: null, finished: true },
      ]);
      const files = readdirSync(join(sftp.root, 'inbox')).filter(
        (f) => f.startsWith(transmission.idempotencyKey) && !f.endsWith('.meta.json'),
      );
      expect(files).toEqual([`${transmission.idempotencyKey}__${transmission.fileName}`]);
      expect((await openAsInsurer(readFileSync(sftpFinal(transmission)))).equals(lot)).toBe(true);
      const task = buildTransmissionTask(await row(crash, transmission.id));
      expect(task).toMatchObject({ businessStatus: { text: 'sent, awaiting acknowledgement (possible duplicate at the receiver)' } });
      expectValidFhir(task); // an SFTP row: no address, so no recipient input
    });

    it('SMTP: the re-run sends again under the same idempotency key, flagged possible_duplicate', async () => {
      const lot = randomBytes(200_000);
      const { transmission } = await crash.outbox.prepare(input('LOT-CRASH-SMTP', 'smtp', { content: lot }));
      await sendInChildUntilKilled(transmission.id);
      expect(smtp.messages()).toHaveLength(1);

      expect((await crash.outbox.sendJob(transmission.id)).outcome).toBe('sent');
      expect(await row(crash, transmission.id)).toMatchObject({
        state: 'sent',
        attempts: 2,
        possibleDuplicate: true,
        alreadyDelivered: false,
      });
      const mails = smtp.messages();
      expect(mails.map((m) => m.idempotencyKey)).toEqual([transmission.idempotencyKey, transmission.idempotencyKey]);
      expect(smtp.duplicateCount()).toBe(1);
      for (const m of mails) expect((await openAsInsurer(m.parsed.attachments[0].content)).equals(lot)).toBe(true);
      // Sent is final: running the job again does nothing.
      expect((await crash.outbox.sendJob(transmission.id)).outcome).toBe('skipped');
      expect(smtp.messages()).toHaveLength(2);
    });
  });
});
