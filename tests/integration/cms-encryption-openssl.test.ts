/**
 * Transport encryption interoperability with OpenSSL, both directions: EnvelopedData (AES-256-CBC) and
 * AuthEnvelopedData (AES-256-GCM), RSA-OAEP-SHA-256 key transport, byte-for-byte on random binary files of a few MB.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateChecker, CertificateError, CmsError, loadPkcs12, parseCertificate, signCmsParts, verifyCms } from '../../src/signing';
import { decryptCms, encryptCms, signAndEncryptFile } from '../../src/transport/cms';
import { getTestPki, runOpenssl } from '../support/test-pki';

const pki = getTestPki();
const checker = new CertificateChecker({ trustStore: pki.trustStorePem });
const work = mkdtempSync(join(tmpdir(), 'cms-encryption-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MARKER = 'NIR-2870975123456-TEST';
const content = Buffer.concat([randomBytes(777), Buffer.from(MARKER), randomBytes(4 * 1024 * 1024 + 5)]);
const contentPath = join(work, 'content.bin');
writeFileSync(contentPath, content);

const insurerCert = parseCertificate(pki.recipient.certPem);
const insurerChain = [parseCertificate(pki.intermediateCa.certPem)];
// The insurer's side of the test: its private key, to decrypt what we send and encrypt what it sends us.
const insurerKeys = loadPkcs12(pki.recipient.p12, pki.p12Password);
const now = (): Date => new Date();
const OAEP = ['-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'];

function opensslDecrypt(cms: Buffer, name: string): Buffer {
  const inPath = join(work, `${name}.p7m`);
  const outPath = join(work, `${name}.out`);
  writeFileSync(inPath, cms);
  runOpenssl([
    'cms',
    '-decrypt',
    '-binary',
    '-inform',
    'DER',
    '-in',
    inPath,
    '-recip',
    pki.recipient.certPath,
    '-inkey',
    pki.recipient.keyPath,
    '-out',
    outPath,
  ]);
  return readFileSync(outPath);
}

function opensslEncrypt(cipher: string, name: string, extra: string[] = OAEP): Buffer {
  const outPath = join(work, `${name}.p7m`);
  runOpenssl([
    'cms',
    '-encrypt',
    '-binary',
    `-${cipher}`,
    '-in',
    contentPath,
    '-recip',
    pki.recipient.certPath,
    ...extra,
    '-outform',
    'DER',
    '-out',
    outPath,
  ]);
  return readFileSync(outPath);
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

const encryptions = ['aes-256-gcm', 'aes-256-cbc'] as const;

describe('ours → openssl cms -decrypt', () => {
  it.each(encryptions)('%s', async (contentEncryption) => {
    const { cms, certificateCheck } = await encryptCms(content, {
      recipient: insurerCert,
      recipientChain: insurerChain,
      checker,
      now: now(),
      options: { contentEncryption },
    });
    expect(certificateCheck.ok).toBe(true);
    const dump = runOpenssl(['asn1parse', '-inform', 'DER'], { input: cms }).toString();
    expect(dump).toContain(contentEncryption === 'aes-256-gcm' ? 'id-smime-ct-authEnvelopedData' : 'pkcs7-envelopedData');
    expect(dump).toContain('rsaesOaep');
    expect(opensslDecrypt(cms, `ours-${contentEncryption}`).equals(content)).toBe(true);
  });

  it.each([0, 1, 15, 16, 17, 4096])('handles %i-byte files (CBC padding edges) both ways', async (size) => {
    const small = randomBytes(size);
    for (const contentEncryption of encryptions) {
      const { cms } = await encryptCms(small, {
        recipient: insurerCert,
        recipientChain: insurerChain,
        checker,
        now: now(),
        options: { contentEncryption },
      });
      expect(opensslDecrypt(cms, `small-${size}-${contentEncryption}`).equals(small)).toBe(true);
      expect((await decryptCms(cms, { keyProviders: insurerKeys })).content.equals(small)).toBe(true);
    }
  });
});

describe('openssl cms -encrypt → ours', () => {
  it.each([
    ['aes-256-cbc', []],
    ['aes-256-gcm', []],
    ['aes-256-cbc', ['-stream']], // BER: indefinite lengths, encrypted content in chunks
    ['aes-256-gcm', ['-stream']],
    ['aes-256-gcm', ['-keyid']], // recipient named by subjectKeyIdentifier instead of issuer + serial
  ] as const)('%s %s', async (cipher, extra) => {
    const cms = opensslEncrypt(cipher, `theirs-${cipher}-${extra.join('')}`, [...OAEP, ...extra]);
    const result = await decryptCms(cms, { keyProviders: [insurerKeys], check: { checker, now: now() } });
    expect(result.content.equals(content)).toBe(true);
    expect(result.contentEncryption).toBe(cipher);
    expect(result.certificateCheck?.ok).toBe(true);
  });
});

describe('sign then encrypt (the product pipeline)', () => {
  it('a signed lot streamed into the encryptor decrypts and verifies with OpenSSL', async () => {
    const seal = loadPkcs12(pki.seal.p12, pki.p12Password);
    const signed = await signCmsParts(content, { signer: seal, checker, now: now() });
    const { cms } = await encryptCms(signed.parts, { recipient: insurerCert, recipientChain: insurerChain, checker, now: now() });
    const signedPath = join(work, 'pipeline.p7s');
    writeFileSync(signedPath, opensslDecrypt(cms, 'pipeline'));
    const out = join(work, 'pipeline.out');
    runOpenssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', signedPath, '-CAfile', pki.caBundlePath, '-out', out]);
    expect(readFileSync(out).equals(content)).toBe(true);
    // …and the insurer side of it, with our own code.
    const opened = await decryptCms(cms, { keyProviders: insurerKeys });
    expect((await verifyCms(opened.content, { trustStore: checker, now: now() })).content.equals(content)).toBe(true);
  });
});

describe('signAndEncryptFile (streaming, file to file)', () => {
  it.each(encryptions)('%s: OpenSSL decrypts and verifies; so do we', async (contentEncryption) => {
    const seal = loadPkcs12(pki.seal.p12, pki.p12Password);
    const outPath = join(work, `streamed-${contentEncryption}.p7m`);
    const result = await signAndEncryptFile(contentPath, outPath, {
      signature: { signer: seal, checker, options: { padding: 'pss' } },
      encryption: { recipient: insurerCert, recipientChain: insurerChain, checker, options: { contentEncryption } },
      now: now(),
      chunkSize: 100_000, // not a multiple of the AES block: exercises CBC's carry-over
    });
    const cms = readFileSync(outPath);
    expect(cms.length).toBe(result.bytesOut);
    expect(result.bytesIn).toBe(content.length);
    expect(existsSync(`${outPath}.part`)).toBe(false);
    const signedPath = join(work, `streamed-${contentEncryption}.p7s`);
    writeFileSync(signedPath, opensslDecrypt(cms, `streamed-${contentEncryption}`));
    const verified = join(work, `streamed-${contentEncryption}.out`);
    runOpenssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', signedPath, '-CAfile', pki.caBundlePath, '-out', verified]);
    expect(readFileSync(verified).equals(content)).toBe(true);
    const opened = await decryptCms(cms, { keyProviders: insurerKeys });
    expect((await verifyCms(opened.content, { trustStore: checker, now: now() })).content.equals(content)).toBe(true);
  });

  it('refuses an expired seal before writing anything', async () => {
    const expired = loadPkcs12(pki.expired.p12, pki.p12Password);
    const outPath = join(work, 'never.p7m');
    const err = await refusal(
      signAndEncryptFile(contentPath, outPath, {
        signature: { signer: expired, checker },
        encryption: { recipient: insurerCert, recipientChain: insurerChain, checker },
        now: now(),
      }),
    );
    expect((err as CertificateError).code).toBe('EXPIRED');
    expect(existsSync(outPath) || existsSync(`${outPath}.part`)).toBe(false);
  });
});

describe('refusals', () => {
  it('a tampered GCM ciphertext fails on the authentication tag, and no plaintext leaks', async () => {
    const { cms } = await encryptCms(content, { recipient: insurerCert, recipientChain: insurerChain, checker, now: now() });
    const tampered = Buffer.from(cms);
    tampered[tampered.length - 1000] ^= 0x01;
    const err = await refusal(decryptCms(tampered, { keyProviders: insurerKeys }));
    expect(err).toBeInstanceOf(CmsError);
    expect((err as CmsError).code).toBe('DECRYPTION_FAILED');
    const theirs = opensslEncrypt('aes-256-gcm', 'tamper-theirs');
    theirs[theirs.length - 100] ^= 0x80;
    expect(((await refusal(decryptCms(theirs, { keyProviders: insurerKeys }))) as CmsError).code).toBe('DECRYPTION_FAILED');
  });

  it('a wrong tag value fails too', async () => {
    const { cms } = await encryptCms(content.subarray(0, 1000), {
      recipient: insurerCert,
      recipientChain: insurerChain,
      checker,
      now: now(),
    });
    const bad = Buffer.from(cms);
    bad[bad.length - 1] ^= 0xff; // the mac OCTET STRING is the last element
    expect(((await refusal(decryptCms(bad, { keyProviders: insurerKeys }))) as CmsError).code).toBe('DECRYPTION_FAILED');
  });

  it('a file for another recipient is NO_MATCHING_CERTIFICATE', async () => {
    const { cms } = await encryptCms(content.subarray(0, 1000), {
      recipient: insurerCert,
      recipientChain: insurerChain,
      checker,
      now: now(),
    });
    const seal = loadPkcs12(pki.seal.p12, pki.p12Password);
    expect(((await refusal(decryptCms(cms, { keyProviders: seal }))) as CmsError).code).toBe('NO_MATCHING_CERTIFICATE');
  });

  it('PKCS#1 v1.5 key transport (openssl default) is refused as UNSUPPORTED', async () => {
    const legacy = opensslEncrypt('aes-256-cbc', 'legacy-kt', []);
    expect(((await refusal(decryptCms(legacy, { keyProviders: insurerKeys }))) as CmsError).code).toBe('UNSUPPORTED');
  });

  it.each([
    ['seal', 'WRONG_PURPOSE'],
    ['expired', 'EXPIRED'],
    ['notYetValid', 'NOT_YET_VALID'],
    ['weak', 'WEAK_KEY'],
    ['untrusted', 'UNTRUSTED'],
  ] as const)('we refuse to encrypt to %s (%s)', async (name, code) => {
    const recipient = parseCertificate(pki[name].certPem);
    const chain = pki[name].chainPem ? [parseCertificate(pki[name].chainPem)] : [];
    const err = await refusal(encryptCms(content, { recipient, recipientChain: chain, checker, now: now() }));
    expect(err).toBeInstanceOf(CertificateError);
    expect((err as CertificateError).code).toBe(code);
    expect(err.message).toContain(recipient.serialNumber);
  });

  it('garbage and truncated files are MALFORMED', async () => {
    const { cms } = await encryptCms(content.subarray(0, 5000), {
      recipient: insurerCert,
      recipientChain: insurerChain,
      checker,
      now: now(),
    });
    for (const bytes of [Buffer.alloc(0), randomBytes(300), cms.subarray(0, 200), cms.subarray(0, cms.length - 1)]) {
      const err = await refusal(decryptCms(bytes, { keyProviders: insurerKeys }));
      expect((err as CmsError).code).toBe('MALFORMED');
    }
  });
});
