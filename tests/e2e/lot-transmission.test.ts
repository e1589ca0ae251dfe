import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { CertificateChecker, loadPkcs12File, signCms, verifyCms } from '../../src/signing';
import { SftpTestServer } from '../support/transport/sftp-test-server';
import { SmtpTestServer } from '../support/transport/smtp-test-server';
import { decryptCms, encryptCms } from '../../src/transport/cms';
import { type GatewayFixture, headersAs, startGatewayFixture } from '../support/gateway-process';
import { expectValidFhir, prepareFhirSchema } from '../support/fhir-schema';
import { getFhir, output } from '../support/lot-helpers';
import { getTestPki } from '../support/test-pki';
import { waitFor } from '../support/wait-for';

/**
 * A billing lot through the running gateway: POST the raw lot → sealed (signed with our ORG SIGN, encrypted to the
 * insurer's certificate) and recorded → sent by SMTP and by SFTP to real local servers → what the insurer receives
 * decrypts with its key and verifies to our lot byte for byte. Then the insurer's return (signed, encrypted to us)
 * dropped in the returns folder is stored, decrypted, verified and linked to its lot.
 */
describe('lot transmission through the gateway', () => {
  const pki = getTestPki();
  const smtp = new SmtpTestServer();
  const sftp = new SftpTestServer({ password: 'pw' });
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-e2e-'));
  let fx: GatewayFixture;
  let db: Client;

  beforeAll(async () => {
    prepareFhirSchema(); // compiled now, not during the first poll of a lot being sent
    const recipientFile = join(dir, 'cpam-75.pem');
    writeFileSync(recipientFile, pki.recipient.certPem + pki.recipient.chainPem);
    const returnSignerFile = join(dir, 'cpam-75-signer.pem');
    writeFileSync(returnSignerFile, pki.seal.certPem + pki.seal.chainPem);
    for (const d of ['spool', 'returns', 'drop']) mkdirSync(join(dir, d));
    mkdirSync(join(sftp.root, 'inbox'), { recursive: true });
    const smtpPort = await smtp.start();
    const sftpPort = await sftp.start();
    fx = await startGatewayFixture({
      queue: 'redis',
      env: {
        SIGNING_SEAL_P12_FILE: pki.seal.p12Path,
        SIGNING_SEAL_P12_PASSWORD: pki.p12Password,
        SIGNING_TRUST_STORE_FILE: pki.trustStorePath,
        // In this test we also play the insurer: returns come encrypted to the "recipient" certificate.
        TRANSPORT_DECRYPT_P12_FILE: pki.recipient.p12Path,
        TRANSPORT_DECRYPT_P12_PASSWORD: pki.p12Password,
        TRANSMISSION_RECIPIENT_CERTS: `cpam-75:${recipientFile},cpam-75-sftp:${recipientFile}`,
        // The recipients directory: the request names the recipient, configuration says where it goes.
        TRANSMISSION_RECIPIENTS: 'cpam-75:smtp:b2@cpam-75.test,cpam-75-sftp:sftp',
        TRANSMISSION_SPOOL_DIR: join(dir, 'spool'),
        TRANSMISSION_JOB_BACKOFF_MS: '100',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtpPort),
        SMTP_SECURITY: 'insecure-plaintext',
        SMTP_FROM: 'facturation@ch-test.fr',
        SFTP_HOST: '127.0.0.1',
        SFTP_PORT: String(sftpPort),
        SFTP_USER: 'hospital',
        SFTP_PASSWORD: 'pw',
        SFTP_HOST_KEY_SHA256: sftp.hostKeyFingerprint,
        SFTP_REMOTE_DIR: '/inbox',
        RETURNS_DIR: join(dir, 'returns'),
        RETURNS_POLL_INTERVAL_MS: '200',
        // The insurer signs its returns with the test PKI's seal: the one signer accepted for cpam-75.
        RETURNS_SIGNERS: `cpam-75:${returnSignerFile}`,
      },
    });
    db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await fx?.close();
    await smtp.stop();
    await sftp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function openAsInsurer(received: Buffer): Promise<Buffer> {
    const insurerKey = await loadPkcs12File(pki.recipient.p12Path, pki.p12Password);
    const decrypted = await decryptCms(received, { keyProviders: insurerKey });
    return (await verifyCms(decrypted.content, { trustStore: pki.trustStorePem, now: new Date() })).content;
  }

  const submit = (lot: Buffer, q: Record<string, string>) =>
    fetch(`${fx.gateway.baseUrl}/transport/lots?${new URLSearchParams(q).toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...headersAs('billing') },
      body: lot,
    });

  const sent = (id: string) =>
    waitFor(
      'the lot to be sent',
      async () => {
        const task = await getFhir(fx.gateway.baseUrl, `/fhir/Task/${id}`);
        return task.businessStatus?.text?.startsWith('sent') ? task : undefined;
      },
      30000,
      100,
    );

  it('seals a lot and sends it by SMTP: the insurer decrypts and verifies it to the same bytes', async () => {
    const lot = randomBytes(512 * 1024);
    const res = await submit(lot, {
      flow: 'b2',
      lotRef: 'LOT-E2E-1',
      recipient: 'cpam-75',
      fileName: 'B2_LOT-E2E-1.p7m',
    });
    expect(res.status).toBe(202);
    const task = (await res.json()) as any;
    expect(res.headers.get('location')).toBe(`/fhir/Task/${task.id}`);
    expectValidFhir(task);
    await sent(task.id);
    const [mail] = await smtp.waitForMessages(1);
    expect((await openAsInsurer(mail.parsed.attachments[0].content)).equals(lot)).toBe(true);
    expect(mail.idempotencyKey).toBeTruthy();
  });

  it('sends by SFTP; the same lot submitted twice is one transmission and one file', async () => {
    const lot = randomBytes(256 * 1024);
    const q = { flow: 'b2', lotRef: 'LOT-E2E-2', recipient: 'cpam-75-sftp', fileName: 'B2_LOT-E2E-2.p7m' };
    const first = (await (await submit(lot, q)).json()) as any;
    const again = (await (await submit(lot, q)).json()) as any;
    expect(again.id).toBe(first.id);
    // No address for SFTP: the Task once carried recipient valueString "" (issue 7).
    expectValidFhir(first);
    expectValidFhir(again);
    await sent(first.id);
    const files = readdirSync(join(sftp.root, 'inbox')).filter((f) => f.endsWith('B2_LOT-E2E-2.p7m'));
    expect(files).toHaveLength(1);
    const { readFileSync } = await import('node:fs');
    expect((await openAsInsurer(readFileSync(join(sftp.root, 'inbox', files[0])))).equals(lot)).toBe(true);
  });

  it('refuses an unknown recipient with an OperationOutcome before sealing anything', async () => {
    const res = await submit(Buffer.from('x'), {
      flow: 'b2',
      lotRef: 'LOT-E2E-3',
      recipient: 'nobody',
      fileName: 'B2_LOT-E2E-3.p7m',
    });
    expect(res.status).toBe(422);
    const outcome = (await res.json()) as any;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].diagnostics).toContain('"nobody"');
    expectValidFhir(outcome);
  });

  it('takes in the insurer return: stored, decrypted, signature verified, linked to its lot', async () => {
    const checker = new CertificateChecker({ trustStore: pki.trustStorePem });
    const insurerSeal = await loadPkcs12File(pki.seal.p12Path, pki.p12Password);
    const ourKey = await loadPkcs12File(pki.recipient.p12Path, pki.p12Password);
    const now = new Date();
    const signed = (await signCms(Buffer.from('ARL POSITIF LOT-E2E-1'), { signer: insurerSeal, checker, now })).cms;
    const { cms } = await encryptCms(Buffer.from(signed), { recipient: ourKey.certificate, recipientChain: ourKey.chain, checker, now });
    writeFileSync(join(dir, 'returns', 'ARL_LOT-E2E-1.p7m'), cms);
    const row = await waitFor(
      'the return to be stored',
      async () => {
        // Stored raw first, then decrypted and verified: wait until that processing is recorded.
        const r = await db.query(
          `SELECT lot_ref, signature, content, transmission_id, error FROM inbound_return WHERE file_name = 'ARL_LOT-E2E-1.p7m' AND processed_at IS NOT NULL`,
        );
        return r.rows[0];
      },
      20000,
      100,
    );
    expect(row.lot_ref).toBe('LOT-E2E-1');
    expect(row.signature).toBe('valid');
    expect(row.error).toBeNull(); // signed by the signer pinned for cpam-75
    expect(Buffer.from(row.content).toString()).toBe('ARL POSITIF LOT-E2E-1');
    expect(row.transmission_id).toBeTruthy();
    const task = await getFhir(fx.gateway.baseUrl, `/fhir/Task/${row.transmission_id}`);
    expect(output(task, 'returnReceivedAt')).toBeDefined();
  });

  it('reports the certificates in /health and /metrics, and no lot content or key in the logs', async () => {
    const health = (await (await fetch(`${fx.gateway.baseUrl}/health`, { headers: headersAs('operator') })).json()) as any;
    expect(health.checks.certificates.status).toBe('up');
    const metrics = await (await fetch(`${fx.gateway.baseUrl}/metrics`, { headers: headersAs('metrics') })).text();
    // Every configured certificate, labelled by its configured role (never its subject).
    for (const role of ['seal', 'recipient:cpam-75', 'decrypt', 'return-signer:cpam-75'])
      expect(metrics).toMatch(new RegExp(`passerelle_certificate_days_left\\{certificate="${role}"\\} \\d+`));
    expect(metrics).toMatch(/passerelle_transmissions\{state="sent"\} [1-9]/);
    const logs = fx.gateway.logs.join('');
    expect(logs).toContain('transmission sent');
    for (const secret of [pki.p12Password, 'PRIVATE KEY', 'ARL POSITIF']) expect(logs).not.toContain(secret);
  });
});
