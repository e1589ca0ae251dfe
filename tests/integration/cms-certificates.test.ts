import { inspect } from 'node:util';
/**
 * Certificate loading (PKCS#12, PEM) and the pre-use checks, on the throwaway PKI of tests/support/test-pki.ts.
 * Every refusal must carry the right code and name the certificate by CN + serial, never the password or the key.
 */
import { createHash, verify } from 'node:crypto';
import { constants } from 'node:crypto';
import {
  CertificateChecker,
  CertificateError,
  type KeyProvider,
  loadPem,
  loadPemFiles,
  loadPkcs12,
  loadPkcs12File,
  parseCertificate,
  parseCertificates,
} from '../../src/signing';
import { getTestPki, type TestCertificate } from '../support/test-pki';

const pki = getTestPki();
const checker = new CertificateChecker({ trustStore: pki.trustStorePem });
const now = (): Date => new Date();

/** Forbidden in any message: the password and any line of any private key PEM. */
function assertNoSecrets(message: string): void {
  expect(message).not.toContain(pki.p12Password);
  for (const cert of [pki.seal, pki.tlsClient, pki.recipient, pki.weak, pki.expired]) {
    for (const line of cert.keyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
      expect(message).not.toContain(line);
    }
  }
}

function refusal(fn: () => unknown): CertificateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CertificateError);
    assertNoSecrets((err as Error).message);
    return err as CertificateError;
  }
  throw new Error('expected a CertificateError');
}

function provider(cert: TestCertificate): KeyProvider {
  return loadPkcs12(cert.p12, pki.p12Password);
}

describe('loading', () => {
  it('opens an OpenSSL 3 PKCS#12 (PBES2/AES-256, SHA-256 MAC): key, certificate and chain', () => {
    const p = provider(pki.seal);
    expect(p.certificate.subjectCn).toBe('CH TEST ORG SIGN');
    expect(p.certificate.x509.subject).toContain(`OU=${pki.finessJuridique}`);
    expect(p.chain.map((c) => c.subjectCn)).toEqual(['TEST AC Organisations']);
    expect(p.certificate.der.equals(parseCertificate(pki.seal.certPem).der)).toBe(true);
  });

  it('opens PEM texts and PEM files', async () => {
    const fromText = loadPem({ certificate: pki.seal.certPem, privateKey: pki.seal.keyPem, chain: pki.seal.chainPem });
    const fromFiles = await loadPemFiles({
      certificateFile: pki.seal.certPath,
      privateKeyFile: pki.seal.keyPath,
      chainFile: pki.seal.chainPath,
    });
    const fromP12File = await loadPkcs12File(pki.seal.p12Path, pki.p12Password);
    for (const p of [fromText, fromFiles, fromP12File]) expect(p.certificate.serialNumber).toBe(fromText.certificate.serialNumber);
  });

  it('refuses a wrong password with BAD_PASSWORD, without echoing it', () => {
    const err = refusal(() => loadPkcs12(pki.seal.p12, 'not-the-password'));
    expect(err.code).toBe('BAD_PASSWORD');
    expect(err.message).not.toContain('not-the-password');
  });

  it('refuses damaged files with UNREADABLE', async () => {
    expect(refusal(() => loadPkcs12(Buffer.from('garbage'), pki.p12Password)).code).toBe('UNREADABLE');
    expect(refusal(() => parseCertificate('no pem here')).code).toBe('UNREADABLE');
    expect(refusal(() => loadPem({ certificate: pki.seal.certPem, privateKey: 'nope' })).code).toBe('UNREADABLE');
    await expect(loadPkcs12File('/nonexistent/file.p12', pki.p12Password)).rejects.toMatchObject({ code: 'UNREADABLE' });
  });

  it('refuses a key that does not belong to the certificate', () => {
    const err = refusal(() => loadPem({ certificate: pki.seal.certPem, privateKey: pki.recipient.keyPem }));
    expect(err.code).toBe('UNREADABLE');
    expect(err.message).toContain('CH TEST ORG SIGN');
  });

  it('never shows the private key when the provider is logged or serialised', () => {
    const p = provider(pki.seal);
    const dump = `${JSON.stringify(p)} ${inspect(p, { depth: 5 })}`;
    assertNoSecrets(dump);
    expect(dump).not.toMatch(/PRIVATE KEY/);
  });
});

describe('KeyProvider signatures', () => {
  const data = Buffer.from('lot B2 — bytes to sign');
  const digest = createHash('sha256').update(data).digest();

  it.each(['pkcs1-v1_5', 'pss'] as const)('signs data and pre-computed digests (%s) that node verifies', async (padding) => {
    const p = provider(pki.seal);
    const key = {
      key: p.certificate.publicKey,
      padding: padding === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
      saltLength: 32,
    };
    for (const input of [{ data }, { digest }]) {
      const sig = await p.sign(input, { hash: 'sha256', padding });
      expect(verify('sha256', data, key, sig)).toBe(true);
    }
  });
});

describe('CertificateChecker', () => {
  const leaf = (c: TestCertificate) => parseCertificate(c.certPem);
  const chainOf = (c: TestCertificate) => parseCertificates(c.chainPem);

  it('accepts the seal for `seal`, builds root ← intermediate ← leaf, no warning a year ahead', () => {
    const result = checker.check(leaf(pki.seal), { purpose: 'seal', now: now(), chain: chainOf(pki.seal) });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(result.path.map((c) => c.subjectCn)).toEqual(['CH TEST ORG SIGN', 'TEST AC Organisations', 'TEST Racine IGC Sante']);
    expect(result.daysLeft).toBeGreaterThan(300);
  });

  it('warns 10 days before expiry', () => {
    const result = checker.check(leaf(pki.expiringSoon), { purpose: 'seal', now: now(), chain: chainOf(pki.expiringSoon) });
    expect(result.daysLeft).toBe(10);
    expect(result.warnings).toEqual(['expires in 10 days']);
  });

  it.each([
    ['expired', 'EXPIRED', 'CH TEST ORG SIGN EXPIRE'],
    ['notYetValid', 'NOT_YET_VALID', 'CH TEST ORG SIGN FUTUR'],
    ['weak', 'WEAK_KEY', 'CH TEST ORG SIGN 1024'],
    ['untrusted', 'UNTRUSTED', 'CH TEST ORG SIGN INCONNU'],
    ['tlsClient', 'WRONG_PURPOSE', 'CH TEST ORG AUTH_CLI'],
    ['recipient', 'WRONG_PURPOSE', 'CPAM TEST CHIFFREMENT'],
  ] as const)('refuses %s as a seal with %s, naming CN and serial', (name, code, cn) => {
    const cert = leaf(pki[name]);
    const err = refusal(() => checker.check(cert, { purpose: 'seal', now: now(), chain: chainOf(pki[name]) }));
    expect(err.code).toBe(code);
    expect(err.message).toContain(cn);
    expect(err.message).toContain(cert.serialNumber);
    expect(err.certificate).toEqual(expect.objectContaining({ subjectCn: cn, serialNumber: cert.serialNumber }));
  });

  it('tls-client needs clientAuth; encryption-recipient needs keyEncipherment', () => {
    const chain = chainOf(pki.seal);
    expect(checker.check(leaf(pki.tlsClient), { purpose: 'tls-client', now: now(), chain }).ok).toBe(true);
    expect(checker.check(leaf(pki.recipient), { purpose: 'encryption-recipient', now: now(), chain }).ok).toBe(true);
    expect(refusal(() => checker.check(leaf(pki.seal), { purpose: 'tls-client', now: now(), chain })).code).toBe('WRONG_PURPOSE');
    expect(refusal(() => checker.check(leaf(pki.seal), { purpose: 'encryption-recipient', now: now(), chain })).code).toBe('WRONG_PURPOSE');
    expect(refusal(() => checker.check(leaf(pki.recipient), { purpose: 'tls-client', now: now(), chain })).code).toBe('WRONG_PURPOSE');
  });

  it('is UNTRUSTED without the intermediate, and trusts an intermediate placed in the trust store', () => {
    expect(refusal(() => checker.check(leaf(pki.seal), { purpose: 'seal', now: now() })).code).toBe('UNTRUSTED');
    const byIntermediate = new CertificateChecker({ trustStore: [pki.intermediateCa.certPem] });
    expect(byIntermediate.check(leaf(pki.seal), { purpose: 'seal', now: now() }).path).toHaveLength(2);
  });

  it('judges dates against the given `now`, not the clock', () => {
    const seal = leaf(pki.seal);
    const later = new Date(seal.notAfter.getTime() + 1000);
    expect(refusal(() => checker.check(seal, { purpose: 'seal', now: later, chain: chainOf(pki.seal) })).code).toBe('EXPIRED');
    const before = new Date(seal.notBefore.getTime() - 1000);
    expect(refusal(() => checker.check(seal, { purpose: 'seal', now: before, chain: chainOf(pki.seal) })).code).toBe('NOT_YET_VALID');
    const tenDaysBefore = new Date(seal.notAfter.getTime() - 10 * 86_400_000);
    expect(checker.check(seal, { purpose: 'seal', now: tenDaysBefore, chain: chainOf(pki.seal) }).warnings).toEqual(['expires in 10 days']);
  });

  it('honours a 3072-bit minimum when configured (post-2030 rule)', () => {
    const strict = new CertificateChecker({ trustStore: pki.trustStorePem, minRsaBits: 3072 });
    expect(refusal(() => strict.check(leaf(pki.seal), { purpose: 'seal', now: now(), chain: chainOf(pki.seal) })).code).toBe('WEAK_KEY');
  });
});
