/**
 * Lot signature interoperability with OpenSSL itself, both directions, on random binary lots of a few MB.
 *
 * `openssl cms -verify` runs with its default purpose (smimesign), without `-purpose any`: our ORG SIGN-like seal
 * has keyUsage digitalSignature + nonRepudiation and no extendedKeyUsage, which smimesign accepts. A real ORG SIGN
 * carrying an EKU other than emailProtection would need `-purpose any` there — our own checker does not depend on
 * OpenSSL's S/MIME purposes (it has its own `seal` rule).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CertificateChecker,
  CertificateError,
  CmsError,
  type KeyProvider,
  type LotSignatureOptions,
  loadPkcs12,
  signCms,
  signCmsParts,
  verifyCms,
} from '../../src/signing';
import { getTestPki, runOpenssl, type TestCertificate } from '../support/test-pki';

const pki = getTestPki();
const checker = new CertificateChecker({ trustStore: pki.trustStorePem });
const work = mkdtempSync(join(tmpdir(), 'cms-signature-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A recognisable marker inside random bytes: no error message may ever quote the content.
const MARKER = 'NIR-1850578006084-TEST';
const lot = Buffer.concat([randomBytes(1500), Buffer.from(MARKER), randomBytes(3 * 1024 * 1024 + 11)]);
const lotPath = join(work, 'lot.bin');
writeFileSync(lotPath, lot);

const seal: KeyProvider = loadPkcs12(pki.seal.p12, pki.p12Password);
const now = (): Date => new Date();

function file(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

function opensslSign(cert: TestCertificate, name: string, extra: string[] = []): Buffer {
  const out = join(work, `${name}.p7s`);
  runOpenssl([
    'cms',
    '-sign',
    '-binary',
    '-md',
    'sha256',
    '-in',
    lotPath,
    '-signer',
    cert.certPath,
    '-inkey',
    cert.keyPath,
    ...(cert.chainPem ? ['-certfile', cert.chainPath] : []),
    '-outform',
    'DER',
    '-out',
    out,
    ...extra,
  ]);
  return readFileSync(out);
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  if (!err) throw new Error('expected a refusal');
  expect(err.message).not.toContain(MARKER);
  expect(err.message).not.toContain(pki.p12Password);
  expect(err.message).not.toMatch(/PRIVATE KEY/);
  return err;
}

describe('our SignedData verifies with openssl cms -verify', () => {
  it.each([
    ['attached', 'pkcs1-v1_5', false],
    ['attached', 'pss', false],
    ['detached', 'pkcs1-v1_5', true],
    ['detached', 'pss', true],
  ] as const)('%s, %s', async (label, padding, detached) => {
    const options: Partial<LotSignatureOptions> = { padding, detached };
    const { cms, certificateCheck } = await signCms(lot, { signer: seal, checker, now: now(), options });
    expect(certificateCheck.warnings).toEqual([]);
    const sig = file(`ours-${label}-${padding}.p7s`, cms);
    const out = join(work, `ours-${label}-${padding}.out`);
    runOpenssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sig,
      '-CAfile',
      pki.caBundlePath,
      '-out',
      out,
      ...(detached ? ['-content', lotPath] : []),
    ]);
    expect(readFileSync(out).equals(lot)).toBe(true);
    // …and with ourselves (the self-check run before sending).
    const verified = await verifyCms(cms, { trustStore: checker, now: now(), detachedContent: detached ? lot : undefined });
    expect(verified.content.equals(lot)).toBe(true);
    expect(verified.signer).toEqual(
      expect.objectContaining({ subjectCn: 'CH TEST ORG SIGN', serialNumber: seal.certificate.serialNumber }),
    );
    expect(verified.signatureAlgorithm.padding).toBe(padding);
  });

  it('has the modelled profile: SHA-256, signing-time, signer + chain, PSS(SHA-256, MGF1-SHA-256, salt 32)', async () => {
    const { cms } = await signCms(lot.subarray(0, 1000), { signer: seal, checker, now: now(), options: { padding: 'pss' } });
    const dump = runOpenssl(['cms', '-cmsout', '-print', '-inform', 'DER'], { input: cms }).toString();
    expect(dump).toMatch(/signingTime/);
    expect(dump).toMatch(/messageDigest/);
    expect(dump).toMatch(/rsassaPss/);
    // OpenSSL prints the PSS parameters as an asn1parse dump: mgf1(sha256), then salt length 0x20 = 32.
    expect(dump).toMatch(/OBJECT\s+:mgf1[\s\S]*OBJECT\s+:sha256[\s\S]*INTEGER\s+:20\s/);
    expect(dump).toMatch(/CN ?= ?TEST AC Organisations/); // the intermediate travels with the signature
  });

  it('signCmsParts: parts joined are the same kind of message, and the content part is not a copy', async () => {
    const signed = await signCmsParts(lot, { signer: seal, checker, now: now() });
    expect(signed.parts[1].buffer).toBe(lot.buffer);
    const verified = await verifyCms(Buffer.concat(signed.parts), { trustStore: [pki.trustStorePem], now: now() });
    expect(verified.content.equals(lot)).toBe(true);
  });
});

describe('OpenSSL SignedData verifies with ours', () => {
  it.each([
    ['attached pkcs1', ['-nodetach'], false],
    ['attached pss', ['-nodetach', '-keyopt', 'rsa_padding_mode:pss'], false],
    ['detached pkcs1', [], true],
    ['detached pss', ['-keyopt', 'rsa_padding_mode:pss'], true],
    ['attached pkcs1, BER streamed', ['-nodetach', '-stream'], false],
    ['attached pkcs1, signer named by subjectKeyIdentifier', ['-nodetach', '-keyid'], false],
  ] as const)('%s', async (label, extra, detached) => {
    const cms = opensslSign(pki.seal, label.replace(/\W+/g, '-'), [...extra]);
    const verified = await verifyCms(cms, { trustStore: checker, now: now(), detachedContent: detached ? lot : undefined });
    expect(verified.content.equals(lot)).toBe(true);
    expect(verified.signer.subjectCn).toBe('CH TEST ORG SIGN');
    expect(verified.signer.subject).toBe(`C=FR, O=CH TEST PASSERELLE, OU=${pki.finessJuridique}, CN=CH TEST ORG SIGN`);
    expect(verified.signingTime).toBeInstanceOf(Date);
    expect(Math.abs(verified.signingTime!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
  });
});

describe('refusals', () => {
  it('a tampered attached lot fails with DIGEST_MISMATCH', async () => {
    const { cms } = await signCms(lot, { signer: seal, checker, now: now() });
    const tampered = Buffer.from(cms);
    tampered[tampered.indexOf(Buffer.from(MARKER))] ^= 0x01; // one bit of the content
    const err = await refusal(verifyCms(tampered, { trustStore: checker, now: now() }));
    expect(err).toBeInstanceOf(CmsError);
    expect((err as CmsError).code).toBe('DIGEST_MISMATCH');
    expect(() => runOpenssl(['cms', '-verify', '-binary', '-inform', 'DER', '-CAfile', pki.caBundlePath], { input: tampered })).toThrow();
  });

  it('a detached signature checked against another file fails with DIGEST_MISMATCH', async () => {
    const { cms } = await signCms(lot, { signer: seal, checker, now: now(), options: { detached: true } });
    const other = Buffer.from(lot);
    other[other.length - 1] ^= 0x80;
    const err = await refusal(verifyCms(cms, { trustStore: checker, now: now(), detachedContent: other }));
    expect((err as CmsError).code).toBe('DIGEST_MISMATCH');
    expect(((await refusal(verifyCms(cms, { trustStore: checker, now: now() }))) as CmsError).code).toBe('CONTENT_MISSING');
  });

  it('an altered signature value fails with BAD_SIGNATURE', async () => {
    const { cms } = await signCms(lot.subarray(0, 4096), { signer: seal, checker, now: now() });
    const bad = Buffer.from(cms);
    bad[bad.length - 10] ^= 0xff; // the signature OCTET STRING is the last element
    const err = await refusal(verifyCms(bad, { trustStore: checker, now: now() }));
    expect((err as CmsError).code).toBe('BAD_SIGNATURE');
  });

  it.each([
    ['expired', 'EXPIRED'],
    ['notYetValid', 'NOT_YET_VALID'],
    ['weak', 'WEAK_KEY'],
    ['untrusted', 'UNTRUSTED'],
    ['tlsClient', 'WRONG_PURPOSE'],
  ] as const)('we refuse to sign with %s (%s), and refuse OpenSSL signatures made with it', async (name, code) => {
    const signer = loadPkcs12(pki[name].p12, pki.p12Password);
    const ours = await refusal(signCms(lot, { signer, checker, now: now() }));
    expect(ours).toBeInstanceOf(CertificateError);
    expect((ours as CertificateError).code).toBe(code);
    expect(ours.message).toContain(signer.certificate.subjectCn);

    const theirs = await refusal(verifyCms(opensslSign(pki[name], `refused-${name}`, ['-nodetach']), { trustStore: checker, now: now() }));
    expect(theirs).toBeInstanceOf(CertificateError);
    expect((theirs as CertificateError).code).toBe(code);
  });

  it('garbage and truncated messages are MALFORMED, not a crash', async () => {
    const { cms } = await signCms(lot.subarray(0, 2000), { signer: seal, checker, now: now() });
    const truncated = [cms.subarray(0, 100), cms.subarray(0, cms.length - 1), cms.subarray(0, cms.length - 300)];
    for (const bytes of [Buffer.alloc(0), Buffer.from('30800000', 'hex'), randomBytes(200), lot.subarray(0, 100), ...truncated]) {
      const err = await refusal(verifyCms(bytes, { trustStore: checker, now: now() }));
      expect(err).toBeInstanceOf(CmsError);
      expect((err as CmsError).code).toBe('MALFORMED');
    }
  });
});
