/**
 * Transport encryption of a file to one insurer — CMS EnvelopedData (AES-256-CBC) or AuthEnvelopedData
 * (RFC 5083, AES-256-GCM), the content-encryption key wrapped with RSAES-OAEP-SHA-256 / MGF1-SHA-256 to the
 * recipient's certificate (KeyTransRecipientInfo, issuerAndSerialNumber). MODELLED after the public ETS-DT-001 /
 * ANSSI requirements: the exact insurer profile is not public, so the choices sit in TransportEncryptionOptions.
 *
 * Memory: the output size is known before encrypting (CBC: padded size; GCM: same size), so the DER headers are
 * written first and the ciphertext follows chunk by chunk. createCmsEncryptionStream hands the chunks out (the
 * file pipeline writes them as they come); encryptCms streams them into one preallocated buffer, from plaintext
 * given as one buffer or as parts (e.g. signCmsParts output, so a signed 50 MB lot is never joined).
 */
import { type Cipher, type CipherGCM, constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  CMSVersion,
  IssuerAndSerialNumber,
  KeyTransRecipientInfo,
  RecipientIdentifier,
  RecipientInfo,
  RecipientInfos,
} from '@peculiar/asn1-cms';
import { type CertificateCheckResult, type CertificateChecker } from '../../signing/certificate-checker';
import { Oid, oaepAlgorithmId } from '../../signing/cms-algorithm-codec';
import { Tag, derHeader, derOid, derTlv, totalLength } from '../../signing/der-codec';
import { type HashAlgorithm } from '../../signing/key-provider';
import { type ParsedCertificate } from '../../signing/certificate-parser';
import { type ContentEncryption, GCM_TAG_LENGTH, contentEncryptionAlgorithmId } from './content-encryption-codec';

/** Every choice of the (modelled) transport-encryption profile. */
export interface TransportEncryptionOptions {
  /** `aes-256-gcm` → AuthEnvelopedData; `aes-256-cbc` → EnvelopedData. */
  readonly contentEncryption: ContentEncryption;
  /** OAEP hash, also used by MGF1. */
  readonly oaepHash: HashAlgorithm;
  /** encryptedContentInfo.contentType; id-data like `openssl cms -encrypt`, even when the content is a SignedData. */
  readonly contentType: string;
  /** Plaintext bytes handed to the cipher per call: bounds the transient buffers. */
  readonly chunkSize: number;
}

/** Default: AES-256-GCM in AuthEnvelopedData, OAEP-SHA-256. */
export const DEFAULT_TRANSPORT_ENCRYPTION_OPTIONS: TransportEncryptionOptions = {
  contentEncryption: 'aes-256-gcm',
  oaepHash: 'sha256',
  contentType: Oid.data,
  chunkSize: 1 << 16,
};

/** Recipient, trust store and time of one encryption. */
export interface EncryptCmsParams {
  readonly recipient: ParsedCertificate;
  /** Intermediates of the recipient, if the trust store holds only roots. */
  readonly recipientChain?: readonly ParsedCertificate[];
  /** Checks the recipient certificate (purpose `encryption-recipient`) before every encryption. */
  readonly checker: CertificateChecker;
  readonly now: Date;
  readonly options?: Partial<TransportEncryptionOptions>;
}

/** The DER message and the recipient-certificate check (warnings for metrics). */
export interface EncryptedCms {
  readonly cms: Buffer;
  readonly certificateCheck: CertificateCheckResult;
}

/** An encryption whose ciphertext is produced chunk by chunk: write header, every update(), then final(). */
export interface CmsEncryptionStream {
  /** DER bytes before the ciphertext. */
  readonly header: Buffer;
  /** header + ciphertext + (GCM) mac: the whole message, known before the first byte is encrypted. */
  readonly byteLength: number;
  readonly certificateCheck: CertificateCheckResult;
  /** Encrypts the next plaintext bytes; returns ciphertext (possibly fewer bytes with CBC). */
  update(chunk: Uint8Array): Buffer;
  /** Last ciphertext bytes, then (GCM) the mac element. Throws if the plaintext length differs from the announced one. */
  final(): Buffer;
}

/** Encrypts `content` (one buffer or consecutive parts, e.g. signCmsParts output) into one preallocated buffer. */
export async function encryptCms(content: Uint8Array | readonly Uint8Array[], params: EncryptCmsParams): Promise<EncryptedCms> {
  const parts = content instanceof Uint8Array ? [content] : content;
  const chunkSize = params.options?.chunkSize ?? DEFAULT_TRANSPORT_ENCRYPTION_OPTIONS.chunkSize;
  const stream = createCmsEncryptionStream(totalLength(parts), params);
  const out = Buffer.allocUnsafe(stream.byteLength);
  let pos = stream.header.copy(out, 0);
  for (const part of parts) {
    for (let off = 0; off < part.length; off += chunkSize) pos += stream.update(part.subarray(off, off + chunkSize)).copy(out, pos);
  }
  pos += stream.final().copy(out, pos);
  // Guards the length arithmetic: a wrong header would produce a file nobody can parse.
  if (pos !== out.length) throw new Error(`internal: encrypted ${pos} bytes, announced ${out.length}`);
  return { cms: out, certificateCheck: stream.certificateCheck };
}

/** Starts the encryption of `plainLength` bytes to one recipient, whose certificate is checked now. */
export function createCmsEncryptionStream(plainLength: number, params: EncryptCmsParams): CmsEncryptionStream {
  const options = { ...DEFAULT_TRANSPORT_ENCRYPTION_OPTIONS, ...params.options };
  const { recipient } = params;
  const certificateCheck = params.checker.check(recipient, {
    purpose: 'encryption-recipient',
    now: params.now,
    chain: params.recipientChain,
  });
  const gcm = options.contentEncryption === 'aes-256-gcm';
  const cek = randomBytes(32);
  const iv = randomBytes(gcm ? 12 : 16);
  let cipher: Cipher;
  let gcmCipher: CipherGCM | undefined;
  let recipientInfos: Buffer;
  try {
    const encryptedKey = publicEncrypt(
      { key: recipient.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: options.oaepHash },
      cek,
    );
    const ktri = new KeyTransRecipientInfo({
      version: CMSVersion.v0,
      rid: new RecipientIdentifier({
        issuerAndSerialNumber: new IssuerAndSerialNumber({
          issuer: recipient.asn1.tbsCertificate.issuer,
          serialNumber: recipient.asn1.tbsCertificate.serialNumber,
        }),
      }),
      keyEncryptionAlgorithm: oaepAlgorithmId(options.oaepHash),
      encryptedKey: new OctetString(encryptedKey),
    });
    recipientInfos = Buffer.from(AsnConvert.serialize(new RecipientInfos([new RecipientInfo({ ktri })])));
    gcmCipher = gcm ? createCipheriv('aes-256-gcm', cek, iv, { authTagLength: GCM_TAG_LENGTH }) : undefined;
    cipher = gcmCipher ?? createCipheriv('aes-256-cbc', cek, iv);
  } finally {
    cek.fill(0); // the cipher keeps its own copy inside OpenSSL
  }
  const algorithm = contentEncryptionAlgorithmId(options.contentEncryption, iv);

  // CBC always adds 1..16 bytes of PKCS#7 padding; GCM ciphertext has the plaintext's length.
  const cipherLength = gcm ? plainLength : (Math.floor(plainLength / 16) + 1) * 16;
  const contentType = derOid(options.contentType);
  const cipherHeader = derHeader(Tag.ctxPrimitive(0), cipherLength); // encryptedContent [0] IMPLICIT OCTET STRING
  const eciLength = contentType.length + algorithm.length + cipherHeader.length + cipherLength;
  const eciHeader = derHeader(Tag.SEQUENCE, eciLength);
  const version = derTlv(Tag.INTEGER, Buffer.from([0])); // v0 for both: ktri v0, no originatorInfo/attributes
  const macLength = gcm ? 2 + GCM_TAG_LENGTH : 0; // mac MessageAuthenticationCode (OCTET STRING)
  const innerLength = version.length + recipientInfos.length + eciHeader.length + eciLength + macLength;
  const innerHeader = derHeader(Tag.SEQUENCE, innerLength);
  const typeOid = derOid(gcm ? Oid.authEnvelopedData : Oid.envelopedData);
  const wrapHeader = derHeader(Tag.ctx(0), innerHeader.length + innerLength);
  const ciHeader = derHeader(Tag.SEQUENCE, typeOid.length + wrapHeader.length + innerHeader.length + innerLength);
  const header = Buffer.concat([
    ...[ciHeader, typeOid, wrapHeader, innerHeader, version, recipientInfos],
    ...[eciHeader, contentType, algorithm, cipherHeader],
  ]);

  let fed = 0;
  return {
    header,
    byteLength: header.length + cipherLength + macLength,
    certificateCheck,
    update(chunk: Uint8Array): Buffer {
      fed += chunk.length;
      return cipher.update(chunk);
    },
    final(): Buffer {
      if (fed !== plainLength) throw new Error(`internal: encrypted ${fed} bytes, announced ${plainLength}`);
      const last = cipher.final();
      return gcmCipher ? Buffer.concat([last, derTlv(Tag.OCTET_STRING, gcmCipher.getAuthTag())]) : last;
    },
  };
}
