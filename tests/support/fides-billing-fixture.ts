/**
 * The whole FIDES money path, every part real, for the end-to-end and crash tests and the fides-e2e benchmark: the
 * AMO simulator (a real SMTP server, sealing and encrypting its returns) in this process, and a gateway process
 * (startGatewayFixture: fresh PostgreSQL database, Redis, CDRi simulator) that bills it — seal, trust store and
 * decryption key from the test PKI, the simulator as the only recipient (`cpam-sim`, SMTP), its signer pinned for
 * the returns, which it drops in a folder the gateway's returns poller reads.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AmoSimulator, type AmoSimulatorOptions } from '../../src/simulators/amo/amo-simulator';
import { FIDES_TEST_FINESS } from './fides-claims';
import { type GatewayFixture, startGatewayFixture } from './gateway-process';
import { getTestPki } from './test-pki';

export interface BillingFixture {
  fx: GatewayFixture;
  amo: AmoSimulator;
  /** A connection to the gateway's database, for the assertions. */
  db: Client;
  /** The folder the simulator drops ARL/RSP files into and the gateway polls. */
  returnsDir: string;
  close(): Promise<void>;
}

export interface BillingFixtureOptions {
  /** Simulator options over the defaults (ARL after 100 ms, RSP 300 ms later). */
  amo?: Partial<AmoSimulatorOptions>;
  /** Gateway environment over the billing one (intervals of 200-500 ms). */
  env?: Record<string, string>;
  simulatorLatencyMs?: number;
}

export async function startBillingFixture(opts: BillingFixtureOptions = {}): Promise<BillingFixture> {
  const pki = getTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-fides-billing-'));
  const returnsDir = join(dir, 'returns');
  const recipientsFile = join(dir, 'fides-recipients.json');
  const amoCert = join(dir, 'amo-encryption.pem');
  const amoSigner = join(dir, 'amo-signing.pem');
  for (const d of ['returns', 'spool']) mkdirSync(join(dir, d));
  writeFileSync(amoCert, pki.recipient.certPem + pki.recipient.chainPem);
  // The pinned signer with its intermediate: the gateway checks the chain to its trust store at boot.
  writeFileSync(amoSigner, pki.insurerSeal.certPem + pki.insurerSeal.chainPem);
  writeFileSync(recipientsFile, JSON.stringify({ default: 'cpam-sim' }));
  const amo = new AmoSimulator({
    decryption: { keyPem: pki.recipient.keyPem, certPem: pki.recipient.certPem },
    signing: { keyPem: pki.insurerSeal.keyPem, certPem: pki.insurerSeal.certPem, chainPem: pki.insurerSeal.chainPem },
    trustStorePem: pki.trustStorePem,
    returnRecipientCertPem: pki.hospitalDecryption.certPem,
    returnsDir,
    arlDelayMs: 100,
    rspDelayMs: 300,
    ...opts.amo,
  });
  const { smtpPort } = await amo.start();
  let fx: GatewayFixture | undefined;
  try {
    fx = await startGatewayFixture({
      simulatorLatencyMs: opts.simulatorLatencyMs,
      env: {
        FIDES_ENABLED: 'true',
        ESTABLISHMENT_FINESS: FIDES_TEST_FINESS,
        FIDES_EMITTER_FINESS: pki.finessJuridique,
        FIDES_PREFLIGHT_INTERVAL_MS: '200',
        FIDES_LOT_SWEEP_INTERVAL_MS: '200',
        FIDES_RECIPIENTS_FILE: recipientsFile,
        SIGNING_SEAL_P12_FILE: pki.seal.p12Path,
        SIGNING_SEAL_P12_PASSWORD: pki.p12Password,
        SIGNING_TRUST_STORE_FILE: pki.trustStorePath,
        TRANSPORT_DECRYPT_P12_FILE: pki.hospitalDecryption.p12Path,
        TRANSPORT_DECRYPT_P12_PASSWORD: pki.p12Password,
        TRANSMISSION_RECIPIENT_CERTS: `cpam-sim:${amoCert}`,
        TRANSMISSION_RECIPIENTS: 'cpam-sim:smtp:fides@cpam-sim.invalid',
        RETURNS_SIGNERS: `cpam-sim:${amoSigner}`,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtpPort),
        SMTP_SECURITY: 'insecure-plaintext',
        SMTP_FROM: 'facturation@ch-test.invalid',
        TRANSMISSION_SPOOL_DIR: join(dir, 'spool'),
        RETURNS_DIR: returnsDir,
        RETURNS_POLL_INTERVAL_MS: '200',
        TRANSMISSION_SWEEP_INTERVAL_MS: '500',
        ...opts.env,
      },
    });
    const db = new Client({ connectionString: fx.databaseUrl });
    await db.connect();
    const gateway = fx;
    return {
      fx,
      amo,
      db,
      returnsDir,
      close: async () => {
        await db.end().catch(() => undefined);
        await gateway.close();
        await amo.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await fx?.close().catch(() => undefined);
    await amo.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
