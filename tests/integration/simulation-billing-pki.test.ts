/**
 * Full simulation mode bills the AMO simulator with a SIMULATION PKI made at first start: every certificate must
 * pass src/signing's checks for its role (as the boot inventory runs them), interoperate with OpenSSL both ways, be
 * private on disk, be reused on the next start, and the transport configuration built on it must be complete.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSimulationPki, type SimulationPki } from '../../src/app/embedded-billing-pki';
import { loadCertificateInventory } from '../../src/app/certificates';
import { AMO_SIMULATOR_RECIPIENT, simulatedTransportConfig, simulationPaths } from '../../src/app/simulated-billing';
import { startSimulators } from '../../src/app/simulators';
import { loadConfig, readDefaults } from '../../src/config/load-config';
import { createLogger } from '../../src/observability/logger';
import {
  CertificateChecker,
  type CertificatePurpose,
  loadPem,
  loadPkcs12File,
  parseCertificate,
  parseCertificates,
  signCmsParts,
  verifyCms,
} from '../../src/signing';
import { decryptCms, encryptCms } from '../../src/transport/cms';
import { runOpenssl } from '../support/test-pki';

const FINESS = '010000024';
const work = mkdtempSync(join(tmpdir(), 'simulation-pki-'));
const simDir = join(work, 'pg-simulation');
const log = createLogger('fatal');
let pki: SimulationPki;
let checker: CertificateChecker;

beforeAll(async () => {
  pki = await ensureSimulationPki(simulationPaths(simDir).pki, FINESS, log);
  checker = new CertificateChecker({ trustStore: readFileSync(pki.trustStoreFile, 'utf8') });
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the simulation PKI', () => {
  it.each([
    ['seal', 'seal'],
    ['decrypt', 'encryption-recipient'],
    ['amoEncryption', 'encryption-recipient'],
    ['amoSigning', 'seal'],
  ] as const)('%s passes the certificate checker as %s, chained through the intermediate to the root', (leaf, purpose) => {
    const [certificate, ...chain] = parseCertificates(readFileSync(pki[leaf].certFile, 'utf8'));
    const result = checker.check(certificate, { purpose, now: new Date(), chain });
    expect(result.warnings).toEqual([]);
    expect(result.path.map((c) => c.subjectCn)).toEqual([
      certificate.subjectCn,
      'SIMULATION AC Organisations - NOT FOR PRODUCTION',
      'SIMULATION Racine - NOT FOR PRODUCTION',
    ]);
  });

  it('gives each key the one role it has: an encryption certificate cannot seal, a seal cannot be encrypted to', () => {
    const wrong: Array<[keyof Pick<SimulationPki, 'seal' | 'decrypt' | 'amoEncryption' | 'amoSigning'>, CertificatePurpose]> = [
      ['seal', 'encryption-recipient'],
      ['decrypt', 'seal'],
      ['amoEncryption', 'seal'],
      ['amoSigning', 'encryption-recipient'],
    ];
    for (const [leaf, purpose] of wrong) {
      const [certificate, ...chain] = parseCertificates(readFileSync(pki[leaf].certFile, 'utf8'));
      expect(() => checker.check(certificate, { purpose, now: new Date(), chain })).toThrow(/cannot be used as/);
    }
  });

  it('puts the FINESS in the OU of the hospital certificates and says SIMULATION in every subject', () => {
    for (const leaf of [pki.seal, pki.decrypt]) expect(parseCertificate(leaf.certPem).x509.subject).toContain(`OU=${FINESS}`);
    for (const leaf of [pki.seal, pki.decrypt, pki.amoEncryption, pki.amoSigning])
      expect(parseCertificate(leaf.certPem).subjectCn).toMatch(/^SIMULATION /);
  });

  it('opens its PKCS#12 files with its password, key matching certificate and the intermediate as chain', async () => {
    for (const leaf of [pki.seal, pki.decrypt]) {
      const provider = await loadPkcs12File(leaf.p12File, pki.password);
      expect(provider.certificate.der.equals(parseCertificate(leaf.certPem).der)).toBe(true);
      expect(provider.chain.map((c) => c.subjectCn)).toEqual(['SIMULATION AC Organisations - NOT FOR PRODUCTION']);
    }
  });

  it('is private: directory 0700, every file 0600', () => {
    expect(statSync(pki.dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(pki.dir);
    expect(files.length).toBeGreaterThanOrEqual(17);
    for (const f of files) expect([f, statSync(join(pki.dir, f)).mode & 0o777]).toEqual([f, 0o600]);
  });

  it('is reused on the next start, and made again for another FINESS or when damaged', async () => {
    const again = await ensureSimulationPki(pki.dir, FINESS, log);
    expect(again.seal.certPem).toBe(pki.seal.certPem);
    expect(again.password).toBe(pki.password);

    const otherDir = join(work, 'other');
    const first = await ensureSimulationPki(otherDir, FINESS, log);
    const other = await ensureSimulationPki(otherDir, '750000001', log);
    expect(parseCertificate(other.seal.certPem).x509.subject).toContain('OU=750000001');
    expect(other.password).not.toBe(first.password);
    rmSync(other.amoSigning.keyFile);
    const repaired = await ensureSimulationPki(otherDir, '750000001', log);
    expect(repaired.seal.certPem).not.toBe(other.seal.certPem);
    expect(readdirSync(work).filter((f) => f.includes('staging'))).toEqual([]);
  }, 60_000);
});

describe('OpenSSL reads what the simulation PKI signs and encrypts', () => {
  const content = Buffer.from('B2 lot content of the simulation, any bytes\n'.repeat(100));

  it('a lot sealed by our code with the simulated seal, encrypted to the AMO simulator, opens and verifies with OpenSSL', async () => {
    const seal = await loadPkcs12File(pki.seal.p12File, pki.password);
    const [amoCert, ...amoChain] = parseCertificates(readFileSync(pki.amoEncryption.certFile, 'utf8'));
    const signed = await signCmsParts(content, { signer: seal, checker, now: new Date() });
    const { cms } = await encryptCms(signed.parts, { recipient: amoCert, recipientChain: amoChain, checker, now: new Date() });
    const lot = join(work, 'lot.p7m');
    writeFileSync(lot, cms);
    const opened = join(work, 'lot.p7s');
    runOpenssl([
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      lot,
      '-recip',
      pki.amoEncryption.certFile,
      '-inkey',
      pki.amoEncryption.keyFile,
      '-out',
      opened,
    ]);
    const verified = runOpenssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', opened, '-CAfile', pki.caBundleFile]);
    expect(verified.equals(content)).toBe(true);
  });

  it('a return signed by OpenSSL with the AMO signing key and encrypted to our decryption certificate opens with our code', async () => {
    const input = join(work, 'return.txt');
    writeFileSync(input, content);
    const signedPath = join(work, 'return.p7s');
    runOpenssl([
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      '-in',
      input,
      '-signer',
      pki.amoSigning.certFile,
      '-inkey',
      pki.amoSigning.keyFile,
      '-certfile',
      join(pki.dir, 'intermediate-ca.pem'),
      '-outform',
      'DER',
      '-out',
      signedPath,
    ]);
    const encryptedPath = join(work, 'return.p7m');
    runOpenssl([
      'cms',
      '-encrypt',
      '-binary',
      '-aes-256-gcm',
      '-in',
      signedPath,
      '-recip',
      pki.decrypt.certFile,
      '-keyopt',
      'rsa_padding_mode:oaep',
      '-keyopt',
      'rsa_oaep_md:sha256',
      '-outform',
      'DER',
      '-out',
      encryptedPath,
    ]);
    const decrypt = await loadPkcs12File(pki.decrypt.p12File, pki.password);
    const opened = await decryptCms(readFileSync(encryptedPath), { keyProviders: [decrypt], check: { checker, now: new Date() } });
    const verified = await verifyCms(opened.content, { trustStore: checker, now: new Date() });
    expect(verified.content.equals(content)).toBe(true);
    expect(verified.signerCertificate.der.equals(parseCertificate(pki.amoSigning.certPem).der)).toBe(true);
  });

  it('OpenSSL itself signs/verifies with the seal and encrypts/decrypts with the decryption certificate', () => {
    const input = join(work, 'plain.txt');
    writeFileSync(input, content);
    const sealKey = loadPem({ certificate: pki.seal.certPem, privateKey: pki.seal.keyPem });
    expect(sealKey.certificate.subjectCn).toBe('SIMULATION ORG SIGN');
    const signed = join(work, 'plain.p7s');
    runOpenssl([
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      '-in',
      input,
      '-signer',
      pki.seal.certFile,
      '-inkey',
      pki.seal.keyFile,
      '-certfile',
      join(pki.dir, 'intermediate-ca.pem'),
      '-outform',
      'DER',
      '-out',
      signed,
    ]);
    expect(runOpenssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', signed, '-CAfile', pki.caBundleFile]).equals(content)).toBe(
      true,
    );
    const enc = join(work, 'plain.p7m');
    runOpenssl([
      'cms',
      '-encrypt',
      '-binary',
      '-aes-256-cbc',
      '-in',
      input,
      '-recip',
      pki.decrypt.certFile,
      '-outform',
      'DER',
      '-out',
      enc,
    ]);
    const dec = runOpenssl([
      'cms',
      '-decrypt',
      '-binary',
      '-inform',
      'DER',
      '-in',
      enc,
      '-recip',
      pki.decrypt.certFile,
      '-inkey',
      pki.decrypt.keyFile,
    ]);
    expect(dec.equals(content)).toBe(true);
  });
});

describe('full simulation configuration', () => {
  const embeddedEnv = { EMBEDDED_PG_DIR: join(work, 'pg') };

  it('asks for the AMO simulator only in full simulation with FIDES on and no seal configured', () => {
    expect(loadConfig(embeddedEnv, readDefaults()).amoSimulator).toMatchObject({ dir: simDir, smtpPort: 0 });
    expect(loadConfig({ ...embeddedEnv, FIDES_ENABLED: 'false' }, readDefaults()).amoSimulator).toBeUndefined();
    expect(loadConfig({ ...embeddedEnv, DATABASE_URL: 'postgres://127.0.0.1/test' }, readDefaults()).amoSimulator).toBeUndefined();
    const sealed = {
      ...embeddedEnv,
      SIGNING_SEAL_P12_FILE: pki.seal.p12File,
      SIGNING_SEAL_P12_PASSWORD: pki.password,
      SIGNING_TRUST_STORE_FILE: pki.trustStoreFile,
    };
    expect(loadConfig(sealed, readDefaults()).amoSimulator).toBeUndefined();
  });

  it('yields a transport configuration whose files exist and whose certificates pass the boot inventory', async () => {
    const config = loadConfig(embeddedEnv, readDefaults());
    const transport = simulatedTransportConfig(pki, config.amoSimulator!.dir, 2525);
    expect(transport.smtp).toMatchObject({ host: '127.0.0.1', port: 2525, security: 'insecure-plaintext' });
    expect(transport.routes.get(AMO_SIMULATOR_RECIPIENT)).toEqual({ channel: 'smtp', address: 'lots@amo-simulateur.invalid' });
    expect(transport.returns.dir).toBe(simulationPaths(simDir).returns);
    expect(transport.returns.pollIntervalMs).toBeLessThanOrEqual(1000);
    const files = [
      transport.seal.p12File,
      transport.trustStoreFile,
      transport.decrypt!.p12File,
      transport.recipients.get(AMO_SIMULATOR_RECIPIENT)!,
    ];
    const signer = transport.returnSigners.get(AMO_SIMULATOR_RECIPIENT)!;
    expect('file' in signer && signer.file).toBe(pki.amoSigning.certFile);
    for (const f of files) expect(statSync(f).isFile()).toBe(true);

    const { inventory, problems } = await loadCertificateInventory({ ...config, transport });
    expect(problems).toEqual([]);
    expect(
      inventory
        .statuses(new Date())
        .map((s) => [s.role, s.state])
        .sort(),
    ).toEqual([
      ['decrypt', 'valid'],
      [`recipient:${AMO_SIMULATOR_RECIPIENT}`, 'valid'],
      [`return-signer:${AMO_SIMULATOR_RECIPIENT}`, 'valid'],
      ['seal', 'valid'],
    ]);
  });

  // Needs the real AMO simulator (src/simulators/amo, branch i9-amosim): the placeholder refuses to start.
  it('starts the AMO simulator with the other simulators, points the transport at it and stops it', async () => {
    const config = loadConfig({ ...embeddedEnv, SIMULATOR_CDRI_PORT: '0' }, readDefaults());
    const running = await startSimulators(config, log);
    let port = 0;
    try {
      port = running.config.transport!.smtp!.port;
      expect(port).toBeGreaterThan(0);
      expect(await canConnect(port)).toBe(true);
      expect(running.config.transport!.seal.p12File).toBe(pki.seal.p12File);
      expect(statSync(simulationPaths(simDir).returns).isDirectory()).toBe(true);
      const simulation = running.config.fides!.simulation!;
      expect(simulation.recipientId).toBe(AMO_SIMULATOR_RECIPIENT);
      expect(JSON.parse(readFileSync(simulation.recipientsFile, 'utf8'))).toEqual({ default: AMO_SIMULATOR_RECIPIENT });
      expect(running.config.cdri.mode === 'simulator' && running.config.cdri.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await running.stop();
    }
    expect(await canConnect(port)).toBe(false);
  }, 60_000);
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
