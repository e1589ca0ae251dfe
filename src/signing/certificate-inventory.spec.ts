import { getTestPki } from '../../tests/support/test-pki';
import { CertificateChecker } from './certificate-checker';
import { CertificateInventory, type InventoryEntry } from './certificate-inventory';
import { parseCertificate, parseCertificates } from './certificate-parser';

/** Every configured certificate is checked for dates and purpose by its role; /health gets codes, never subjects. */
describe('CertificateInventory', () => {
  const pki = getTestPki();
  const checker = new CertificateChecker({ trustStore: pki.trustStorePem, warnDays: 30 });
  const cert = (c: { certPem: string }) => parseCertificate(c.certPem);
  const chain = parseCertificates(pki.seal.chainPem); // the intermediate CA: the trust store holds the root only
  const trusted = { kind: 'trust-store', checker, chain } as const;
  const now = new Date();

  it('accepts each certificate for its own purpose, and says which one expires soon', () => {
    const inventory = new CertificateInventory(
      [
        { role: 'cdri-client', purpose: 'tls-client', certificate: cert(pki.tlsClient), check: { kind: 'purpose' } },
        { role: 'seal', purpose: 'seal', certificate: cert(pki.seal), check: trusted },
        { role: 'recipient:cpam-75', purpose: 'encryption-recipient', certificate: cert(pki.recipient), check: trusted },
        { role: 'return-signer:cpam-75', purpose: 'seal', certificate: cert(pki.expiringSoon), check: trusted },
      ],
      30,
    );
    expect(inventory.problems(now)).toEqual([]);
    const states = Object.fromEntries(inventory.statuses(now).map((s) => [s.role, s.state]));
    expect(states).toEqual({ 'cdri-client': 'valid', seal: 'valid', 'recipient:cpam-75': 'valid', 'return-signer:cpam-75': 'expiring' });
  });

  it('refuses a wrong-purpose, expired, not-yet-valid or untrusted certificate, naming every role at once', () => {
    const entries: InventoryEntry[] = [
      // The finding: the CDRi mutual-TLS certificate was never checked; a seal there is refused (no clientAuth).
      { role: 'cdri-client', purpose: 'tls-client', certificate: cert(pki.seal), check: { kind: 'purpose' } },
      { role: 'http-server', purpose: 'tls-server', certificate: cert(pki.tlsClient), check: { kind: 'local-tls' } },
      { role: 'mllp-server', purpose: 'tls-server', certificate: cert(pki.expired), check: { kind: 'local-tls' } },
      { role: 'seal', purpose: 'seal', certificate: cert(pki.notYetValid), check: trusted },
      { role: 'recipient:cpam-75', purpose: 'encryption-recipient', certificate: cert(pki.seal), check: trusted },
      { role: 'return-signer:cpam-75', purpose: 'seal', certificate: cert(pki.untrusted), check: trusted },
    ];
    const inventory = new CertificateInventory(entries, 30);
    const problems = inventory.problems(now);
    expect(problems.map((p) => p.split(': ')[0])).toEqual(entries.map((e) => e.role));
    expect(problems[0]).toMatch(/cannot be used as tls-client: extendedKeyUsage lacks clientAuth/);
    expect(problems[1]).toMatch(/cannot be used as tls-server: extendedKeyUsage lacks serverAuth/);
    expect(problems[2]).toMatch(/expired on/);
    const summaries = inventory.statuses(now).map((s) => `${s.role}=${s.summary}`);
    expect(summaries).toEqual([
      'cdri-client=WRONG_PURPOSE',
      'http-server=WRONG_PURPOSE',
      'mllp-server=EXPIRED',
      'seal=NOT_YET_VALID',
      'recipient:cpam-75=WRONG_PURPOSE',
      'return-signer:cpam-75=UNTRUSTED',
    ]);
    expect(() => inventory.assertUsable('cdri-client', now)).toThrow(/extendedKeyUsage lacks clientAuth/);
  });

  it("tolerates a self-signed server certificate of the hospital's own PKI without extensions, within its dates", () => {
    // What `openssl req -x509` makes: no keyUsage / extKeyUsage.
    const [selfSigned] = parseCertificates(pki.rootCa.certPem);
    const inventory = new CertificateInventory(
      [{ role: 'http-server', purpose: 'tls-server', certificate: selfSigned, check: { kind: 'local-tls' } }],
      30,
    );
    // The root CA has keyUsage keyCertSign only: refused as a server certificate.
    expect(inventory.statuses(now)[0]).toMatchObject({ state: 'invalid', summary: 'WRONG_PURPOSE' });
  });
});
