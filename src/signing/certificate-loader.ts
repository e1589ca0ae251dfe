/**
 * Loads the establishment's IGC Santé certificate + private key into a SoftwareKeyProvider, from a PKCS#12 file
 * (what ANS delivers) or from PEM files. Passwords come from configuration through parameters; they appear in no
 * message. node-forge is used only to open PKCS#12 (node:crypto cannot); the key is handed to node:crypto at once.
 */
import { readFile } from 'node:fs/promises';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { CertificateError } from './certificate-error';
import { type ParsedCertificate, parseCertificate, parseCertificates } from './certificate-parser';
import { SoftwareKeyProvider } from './software-key-provider';

/** Opens PKCS#12 bytes: the key, the certificate matching it, and the other certificates as chain. */
export function loadPkcs12(pkcs12: Uint8Array, password: string): SoftwareKeyProvider {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(pkcs12).toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (err) {
    // forge reports a failed MAC or key decryption with these words; anything else is a damaged file.
    const text = err instanceof Error ? err.message : '';
    if (/password/i.test(text)) throw new CertificateError('BAD_PASSWORD', 'PKCS#12 password is wrong');
    throw new CertificateError('UNREADABLE', 'file is not a readable PKCS#12');
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  if (keyBags.length !== 1) throw new CertificateError('UNREADABLE', `PKCS#12 holds ${keyBags.length} keys, expected 1`);
  const forgeKey = keyBags[0].key as forge.pki.rsa.PrivateKey | null | undefined;
  if (!forgeKey) throw new CertificateError('WEAK_KEY', 'PKCS#12 key is not an RSA key: RSA required');
  const key = toKeyObject(forgeKey);
  const certs = certBags.flatMap((bag) =>
    bag.cert ? [parseCertificate(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes(), 'binary'))] : [],
  );
  return withMatchingCertificate(key, certs);
}

/** Reads and opens a PKCS#12 file. */
export async function loadPkcs12File(path: string, password: string): Promise<SoftwareKeyProvider> {
  const bytes = await readFile(path).catch(() => {
    throw new CertificateError('UNREADABLE', `cannot read PKCS#12 file ${path}`);
  });
  return loadPkcs12(bytes, password);
}

/** PEM texts: certificate, private key (PKCS#8 or PKCS#1, optionally encrypted), optional chain bundle. */
export interface PemKeyMaterial {
  readonly certificate: string;
  readonly privateKey: string;
  readonly chain?: string;
  /** Passphrase of an encrypted private key. */
  readonly passphrase?: string;
}

/** Builds a provider from PEM texts. */
export function loadPem(material: PemKeyMaterial): SoftwareKeyProvider {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: material.privateKey, format: 'pem', passphrase: material.passphrase });
  } catch (err) {
    // OpenSSL says "bad decrypt" (or asks for a passphrase) when the passphrase is wrong or missing.
    const text = err instanceof Error ? `${err.message} ${(err as { code?: string }).code ?? ''}` : '';
    if (/decrypt|passphrase|password/i.test(text)) throw new CertificateError('BAD_PASSWORD', 'private key passphrase is wrong');
    throw new CertificateError('UNREADABLE', 'private key PEM is not readable');
  }
  const certificate = parseCertificate(material.certificate);
  const chain = material.chain ? parseCertificates(material.chain) : [];
  return new SoftwareKeyProvider(key, certificate, chain);
}

/** File paths for loadPem. */
export interface PemKeyFiles {
  readonly certificateFile: string;
  readonly privateKeyFile: string;
  readonly chainFile?: string;
  readonly passphrase?: string;
}

/** Reads and loads PEM files. */
export async function loadPemFiles(files: PemKeyFiles): Promise<SoftwareKeyProvider> {
  const read = (p: string): Promise<string> =>
    readFile(p, 'utf8').catch(() => {
      throw new CertificateError('UNREADABLE', `cannot read PEM file ${p}`);
    });
  return loadPem({
    certificate: await read(files.certificateFile),
    privateKey: await read(files.privateKeyFile),
    chain: files.chainFile ? await read(files.chainFile) : undefined,
    passphrase: files.passphrase,
  });
}

function toKeyObject(forgeKey: forge.pki.rsa.PrivateKey): KeyObject {
  const pkcs8 = forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(forgeKey));
  const der = Buffer.from(forge.asn1.toDer(pkcs8).getBytes(), 'binary');
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    // Best effort: the transient DER copy is wiped; forge's own JS strings cannot be.
    der.fill(0);
  }
}

function withMatchingCertificate(key: KeyObject, certs: ParsedCertificate[]): SoftwareKeyProvider {
  for (const cert of certs) {
    try {
      return new SoftwareKeyProvider(
        key,
        cert,
        certs.filter((c) => c !== cert),
      );
    } catch {
      // not this one: try the next certificate of the bundle
    }
  }
  throw new CertificateError('UNREADABLE', 'PKCS#12 holds no certificate matching its private key');
}
