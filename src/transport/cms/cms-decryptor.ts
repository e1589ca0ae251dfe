/**
 * Decryption of incoming transport files: CMS EnvelopedData (AES-CBC) or AuthEnvelopedData (AES-GCM), DER or BER
 * (`openssl cms -encrypt -stream` writes indefinite lengths and chunked OCTET STRINGs), key wrapped with
 * RSAES-OAEP (SHA-2) to one of our certificates. The private-key operation goes through KeyProvider.
 *
 * The ciphertext is decrypted segment by segment into one preallocated buffer. With GCM, plaintext exists before
 * the tag is checked: on failure that buffer is wiped and only a DECRYPTION_FAILED error leaves this module.
 */
import { createDecipheriv, type Decipher, type DecipherGCM } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { type CertificateCheckResult, type CertificateChecker } from '../../signing/certificate-checker';
import { Oid, parseKeyTransportAlgorithm } from '../../signing/cms-algorithm-codec';
import { CmsError, decoding } from '../../signing/cms-error';
import {
  Tag,
  type Tlv,
  childrenOf,
  decodeOid,
  derHeader,
  expectTlv,
  octetSegments,
  readTlv,
  tlvBytes,
  tlvContent,
  totalLength,
} from '../../signing/der-codec';
import { type KeyProvider } from '../../signing/key-provider';
import { type CipherSpec, parseContentEncryption } from './content-encryption-codec';

/** Our keys, and optionally a check of the certificate they belong to. */
export interface DecryptCmsOptions {
  /** One provider, or several (e.g. the current and the previous certificate during a renewal). */
  readonly keyProviders: KeyProvider | readonly KeyProvider[];
  /**
   * When given, our certificate is checked (purpose `encryption-recipient`) before use. Optional on purpose: a
   * late return encrypted to last year's certificate must still be readable once that certificate has expired.
   */
  readonly check?: { readonly checker: CertificateChecker; readonly now: Date };
  /** Ciphertext bytes handed to the decipher per call. */
  readonly chunkSize?: number;
}

/** Decrypted content and what was used. */
export interface DecryptedCms {
  readonly content: Buffer;
  /** encryptedContentInfo.contentType (id-data for OpenSSL and for us). */
  readonly contentType: string;
  /** node:crypto cipher name, e.g. `aes-256-gcm`. */
  readonly contentEncryption: string;
  readonly keyProvider: KeyProvider;
  readonly certificateCheck?: CertificateCheckResult;
}

/** Decrypts an EnvelopedData / AuthEnvelopedData addressed to one of our keys. */
export async function decryptCms(cms: Uint8Array, options: DecryptCmsOptions): Promise<DecryptedCms> {
  return decoding(() => decrypt(cms, options));
}

async function decrypt(cms: Uint8Array, options: DecryptCmsOptions): Promise<DecryptedCms> {
  const buf = Buffer.from(cms.buffer, cms.byteOffset, cms.length);
  const ci = expectTlv(readTlv(buf, 0), Tag.SEQUENCE, 'ContentInfo');
  const [typeTlv, wrapped] = childrenOf(buf, ci);
  const type = decodeOid(tlvContent(buf, expectTlv(typeTlv, Tag.OID, 'contentType')));
  if (type !== Oid.envelopedData && type !== Oid.authEnvelopedData) {
    throw new CmsError('MALFORMED', 'not a CMS EnvelopedData or AuthEnvelopedData');
  }
  const authenticated = type === Oid.authEnvelopedData;
  const inner = childrenOf(buf, expectTlv(childrenOf(buf, expectTlv(wrapped, Tag.ctx(0), 'content'))[0], Tag.SEQUENCE, 'body'));
  let i = 1; // after version
  if (inner[i]?.tag === Tag.ctx(0)) i++; // originatorInfo: only for key agreement, which we do not use
  const recipientInfos = childrenOf(buf, expectTlv(inner[i++], Tag.SET, 'recipientInfos'));
  const eci = childrenOf(buf, expectTlv(inner[i++], Tag.SEQUENCE, 'encryptedContentInfo'));
  let aad: Buffer | undefined;
  let mac: Buffer | undefined;
  if (authenticated) {
    if (inner[i]?.tag === Tag.ctx(1)) {
      const raw = tlvContent(buf, inner[i++]);
      aad = Buffer.concat([derHeader(Tag.SET, raw.length), raw]); // RFC 5083 §2.1: AAD is the DER SET OF authAttrs
    }
    mac = tlvContent(buf, expectTlv(inner[i], Tag.OCTET_STRING, 'mac'));
  }

  const providers = Array.isArray(options.keyProviders) ? options.keyProviders : [options.keyProviders as KeyProvider];
  const match = findRecipient(buf, recipientInfos, providers);
  if (!match) throw new CmsError('NO_MATCHING_CERTIFICATE', 'the file is not encrypted to any of our certificates');
  const { provider, ktri } = match;
  const certificateCheck = options.check?.checker.check(provider.certificate, {
    purpose: 'encryption-recipient',
    now: options.check.now,
    chain: provider.chain,
  });

  const contentType = decodeOid(tlvContent(buf, expectTlv(eci[0], Tag.OID, 'contentType')));
  const spec = parseContentEncryption(tlvBytes(buf, expectTlv(eci[1], Tag.SEQUENCE, 'contentEncryptionAlgorithm')));
  if ((spec.mode === 'gcm') !== authenticated) {
    throw new CmsError('UNSUPPORTED', `${spec.name} in ${authenticated ? 'AuthEnvelopedData' : 'EnvelopedData'}`);
  }
  if (!eci[2] || (eci[2].tag & 0xdf) !== Tag.ctxPrimitive(0)) throw new CmsError('MALFORMED', 'encrypted content is missing');
  const segments = octetSegments(buf, eci[2]);

  const keyAlg = parseKeyTransportAlgorithm(AsnConvert.parse(tlvBytes(buf, ktri[2]), AlgorithmIdentifier));
  const encryptedKey = tlvContent(buf, expectTlv(ktri[3], Tag.OCTET_STRING, 'encryptedKey'));
  const cek = await provider.decrypt({ encryptedKey, algorithm: keyAlg });
  try {
    if (cek.length !== spec.keyLength) throw new CmsError('DECRYPTION_FAILED', 'content-encryption key has the wrong size');
    const content = decipherInto(segments, spec, cek, { aad, mac }, options.chunkSize ?? 1 << 16);
    return { content, contentType, contentEncryption: spec.name, keyProvider: provider, certificateCheck };
  } finally {
    cek.fill(0);
  }
}

function findRecipient(buf: Buffer, infos: Tlv[], providers: readonly KeyProvider[]): { provider: KeyProvider; ktri: Tlv[] } | undefined {
  for (const info of infos) {
    if (info.tag !== Tag.SEQUENCE) continue; // kari / kekri / pwri / ori: not for RSA certificates
    const ktri = childrenOf(buf, info);
    const rid = ktri[1];
    for (const provider of providers) {
      const cert = provider.certificate;
      const ok =
        rid.tag === Tag.ctxPrimitive(0)
          ? cert.subjectKeyId?.equals(tlvContent(buf, rid)) === true
          : rid.tag === Tag.SEQUENCE &&
            childrenOf(buf, rid).length === 2 &&
            tlvBytes(buf, childrenOf(buf, rid)[0]).equals(cert.issuerDer) &&
            tlvBytes(buf, childrenOf(buf, rid)[1]).equals(cert.serialDer);
      if (ok) return { provider, ktri };
    }
  }
  return undefined;
}

function decipherInto(segments: Buffer[], spec: CipherSpec, key: Buffer, auth: { aad?: Buffer; mac?: Buffer }, chunk: number): Buffer {
  let decipher: Decipher;
  if (spec.mode === 'gcm') {
    if (!auth.mac || auth.mac.length !== spec.tagLength) throw new CmsError('MALFORMED', 'GCM tag length differs from aes-ICVlen');
    const gcm: DecipherGCM = createDecipheriv(spec.name as 'aes-256-gcm', key, spec.iv, { authTagLength: spec.tagLength });
    gcm.setAuthTag(auth.mac);
    if (auth.aad) gcm.setAAD(auth.aad);
    decipher = gcm;
  } else {
    decipher = createDecipheriv(spec.name, key, spec.iv);
  }
  const out = Buffer.allocUnsafe(totalLength(segments));
  let pos = 0;
  try {
    for (const seg of segments) {
      for (let off = 0; off < seg.length; off += chunk) pos += decipher.update(seg.subarray(off, off + chunk)).copy(out, pos);
    }
    pos += decipher.final().copy(out, pos);
  } catch {
    out.fill(0);
    // Same words for a bad tag and bad padding: the difference must not be observable.
    throw new CmsError('DECRYPTION_FAILED', 'content could not be decrypted (altered file or wrong key)');
  }
  return out.subarray(0, pos);
}
