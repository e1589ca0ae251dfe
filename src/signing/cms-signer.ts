/**
 * Lot signature — CMS SignedData (RFC 5652) over the exact bytes of a B2 / DRE lot.
 *
 * MODELLED: the official signature format of the 2025 note is not public. What is public: IGC Santé ORG SIGN
 * certificate of the legal entity, SHA-256, RSA ≥ 2048. Every other choice (padding, attached/detached, chain,
 * signing-time) lives in LotSignatureOptions so that the official profile is a configuration change, not a rewrite.
 *
 * The maths is node:crypto (one SHA-256 pass over the lot, one RSA signature over the signed attributes); the small
 * structures (attributes, SignerInfo, AlgorithmIdentifiers) are @peculiar/asn1-cms objects; the outer layers are
 * DER headers spliced around the lot, never re-encoding it. Every length is known up front (the signature has the
 * modulus' size), so the core is a stream — header, content hashed as it passes, trailer — that
 * signAndEncryptFile (src/transport/cms) runs file to file; signCmsParts returns the lot as a view, signCms joins once.
 */
import { constants, createHash, verify } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Attribute,
  CMSVersion,
  DigestAlgorithmIdentifiers,
  IssuerAndSerialNumber,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  SigningTime,
} from '@peculiar/asn1-cms';
import { type CertificateCheckResult, type CertificateChecker } from './certificate-checker';
import { Oid, hashAlgorithmId, signatureAlgorithmId } from './cms-algorithm-codec';
import { Tag, derHeader, derOid, derTlv } from './der-codec';
import { HASH_LENGTH, type HashAlgorithm, type KeyProvider, type SignatureAlgorithm } from './key-provider';
import { type ParsedCertificate } from './certificate-parser';

/** Every choice of the (modelled) lot-signature profile. */
export interface LotSignatureOptions {
  /** Digest of the content and of the signed attributes. */
  readonly digest: HashAlgorithm;
  /** RSASSA-PKCS1-v1_5 or RSASSA-PSS (MGF1 with the same digest). */
  readonly padding: 'pkcs1-v1_5' | 'pss';
  /** PSS salt length in bytes (32 = SHA-256 output length). */
  readonly pssSaltLength: number;
  /** true: the lot travels beside the signature; false: it is inside (eContent). */
  readonly detached: boolean;
  /** Include the intermediate CA certificates of the signer (the signer certificate is always included). */
  readonly includeChain: boolean;
  /** Add the signing-time signed attribute (value: the `now` given to the call). */
  readonly signingTime: boolean;
}

/** Default profile: SHA-256, PKCS#1 v1.5, attached, chain included, signing-time. */
export const DEFAULT_LOT_SIGNATURE_OPTIONS: LotSignatureOptions = {
  digest: 'sha256',
  padding: 'pkcs1-v1_5',
  pssSaltLength: 32,
  detached: false,
  includeChain: true,
  signingTime: true,
};

/** Who signs, against which trust store, when. */
export interface SignCmsParams {
  readonly signer: KeyProvider;
  /** Checks the signer certificate (purpose `seal`) before every signature. */
  readonly checker: CertificateChecker;
  readonly now: Date;
  readonly options?: Partial<LotSignatureOptions>;
}

/** SignedData as consecutive parts: write them in order (or hand them to encryptCms) — nothing joined. */
export interface SignedCmsParts {
  readonly parts: readonly Buffer[];
  readonly byteLength: number;
  /** Warnings (e.g. "expires in 12 days") for metrics and /health. */
  readonly certificateCheck: CertificateCheckResult;
}

/** SignedData in one buffer. */
export interface SignedCms {
  readonly cms: Buffer;
  readonly certificateCheck: CertificateCheckResult;
}

/** A signature computed while the content streams through: header first, trailer once the content is hashed. */
export interface CmsSignatureStream {
  /** DER bytes before the content (attached: up to the eContent OCTET STRING header; detached: everything before the trailer). */
  readonly header: Buffer;
  /** Length of the DER bytes finish() will return, known in advance (RSA signatures have the modulus' length). */
  readonly trailerLength: number;
  /** header + content (when attached) + trailer. */
  readonly byteLength: number;
  readonly certificateCheck: CertificateCheckResult;
  /** Feeds the next content bytes, in order (hashed, not kept). */
  update(chunk: Uint8Array): void;
  /** Signs, self-checks the signature against the certificate, and returns the trailer (certificates + SignerInfos). */
  finish(): Promise<Buffer>;
}

/** Signs and returns the DER SignedData as one buffer (one copy of the lot). */
export async function signCms(content: Uint8Array, params: SignCmsParams): Promise<SignedCms> {
  const signed = await signCmsParts(content, params);
  return { cms: Buffer.concat(signed.parts, signed.byteLength), certificateCheck: signed.certificateCheck };
}

/** Signs and returns the DER SignedData as parts; the attached content part is a view of `content`, not a copy. */
export async function signCmsParts(content: Uint8Array, params: SignCmsParams): Promise<SignedCmsParts> {
  const stream = createCmsSignatureStream(content.length, params);
  stream.update(content);
  const trailer = await stream.finish();
  const view = Buffer.from(content.buffer, content.byteOffset, content.length);
  const parts = params.options?.detached ? [Buffer.concat([stream.header, trailer])] : [stream.header, view, trailer];
  return { parts, byteLength: stream.byteLength, certificateCheck: stream.certificateCheck };
}

/**
 * Starts a signature over `contentLength` bytes to be fed with update(). The signer certificate is checked now
 * (purpose `seal`); `params.now` is also the signing-time.
 */
export function createCmsSignatureStream(contentLength: number, params: SignCmsParams): CmsSignatureStream {
  const options = { ...DEFAULT_LOT_SIGNATURE_OPTIONS, ...params.options };
  const { signer, now } = params;
  const certificateCheck = params.checker.check(signer.certificate, { purpose: 'seal', now, chain: signer.chain });
  const cert = signer.certificate;
  const algorithm: SignatureAlgorithm = {
    hash: options.digest,
    padding: options.padding,
    saltLength: options.padding === 'pss' ? options.pssSaltLength : undefined,
  };
  const signingTime = options.signingTime ? now : undefined;
  const certs = [cert, ...(options.includeChain ? signer.chain.filter((c) => c.isCa) : [])].map((c) => c.der);
  const certificates = derTlv(Tag.ctx(0), ...certs); // [0] IMPLICIT SET OF: spliced as received, never re-encoded
  const trailerOf = (digest: Buffer, signature: Buffer): Buffer => {
    const attributes = signedAttributes(digest, signingTime);
    return Buffer.concat([certificates, signerInfos(cert, options.digest, algorithm, attributes, signature)]);
  };
  // Same sizes as the real values → same DER length: the headers can be written before the content is read.
  const modulusBytes = Math.ceil((cert.rsaBits ?? 0) / 8);
  const trailerLength = trailerOf(Buffer.alloc(HASH_LENGTH[options.digest]), Buffer.alloc(modulusBytes)).length;

  const version = derTlv(Tag.INTEGER, Buffer.from([CMSVersion.v1]));
  const digestAlgorithms = Buffer.from(AsnConvert.serialize(new DigestAlgorithmIdentifiers([hashAlgorithmId(options.digest)])));
  const dataOid = derOid(Oid.data);
  // Lengths from the inside out, then headers from the outside in, around the untouched content.
  const octetHeader = derHeader(Tag.OCTET_STRING, contentLength);
  const explicitHeader = derHeader(Tag.ctx(0), octetHeader.length + contentLength);
  const eContentLength = options.detached ? 0 : explicitHeader.length + octetHeader.length + contentLength;
  const eciHeader = derHeader(Tag.SEQUENCE, dataOid.length + eContentLength);
  const sdInner = version.length + digestAlgorithms.length + eciHeader.length + dataOid.length + eContentLength + trailerLength;
  const sdHeader = derHeader(Tag.SEQUENCE, sdInner);
  const signedDataOid = derOid(Oid.signedData);
  const wrapHeader = derHeader(Tag.ctx(0), sdHeader.length + sdInner);
  const ciHeader = derHeader(Tag.SEQUENCE, signedDataOid.length + wrapHeader.length + sdHeader.length + sdInner);
  const head = [ciHeader, signedDataOid, wrapHeader, sdHeader, version, digestAlgorithms, eciHeader, dataOid];
  const header = Buffer.concat(options.detached ? head : [...head, explicitHeader, octetHeader]);

  const hash = createHash(options.digest);
  let fed = 0;
  return {
    header,
    trailerLength,
    byteLength: header.length + (options.detached ? 0 : contentLength) + trailerLength,
    certificateCheck,
    update(chunk: Uint8Array): void {
      fed += chunk.length;
      hash.update(chunk);
    },
    async finish(): Promise<Buffer> {
      if (fed !== contentLength) throw new Error(`internal: signed ${fed} bytes, announced ${contentLength}`);
      const digest = hash.digest();
      // The signature covers the DER SET OF the attributes (RFC 5652 §5.4), whose elements DER sorts by encoding.
      const toBeSigned = derTlv(Tag.SET, ...signedAttributes(digest, signingTime).map((a) => a.der));
      const signature = await signer.sign({ data: toBeSigned }, algorithm);
      // Self-check: a faulty key provider (HSM, wrong key) must not produce a lot the insurer will reject.
      const padding = algorithm.padding === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      const key = { key: cert.publicKey, padding, saltLength: algorithm.saltLength };
      if (!verify(algorithm.hash, toBeSigned, key, signature)) throw new Error('key provider returned a signature that does not verify');
      const trailer = trailerOf(digest, signature);
      if (trailer.length !== trailerLength) throw new Error(`internal: trailer of ${trailer.length} bytes, announced ${trailerLength}`);
      return trailer;
    },
  };
}

function signerInfos(
  cert: ParsedCertificate,
  digest: HashAlgorithm,
  algorithm: SignatureAlgorithm,
  attributes: EncodedAttribute[],
  signature: Buffer,
): Buffer {
  const signerInfo = new SignerInfo({
    version: CMSVersion.v1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: cert.asn1.tbsCertificate.issuer,
        serialNumber: cert.asn1.tbsCertificate.serialNumber,
      }),
    }),
    digestAlgorithm: hashAlgorithmId(digest),
    signedAttrs: attributes.map((a) => a.attribute),
    signatureAlgorithm: signatureAlgorithmId(algorithm),
    signature: new OctetString(signature),
  });
  return Buffer.from(AsnConvert.serialize(new SignerInfos([signerInfo])));
}

interface EncodedAttribute {
  readonly attribute: Attribute;
  readonly der: Buffer;
}

/** content-type, message-digest and (optionally) signing-time, in DER SET OF order. */
function signedAttributes(digest: Buffer, signingTime: Date | undefined): EncodedAttribute[] {
  const values: [string, ArrayBuffer][] = [
    [Oid.contentType, toArrayBuffer(derOid(Oid.data))],
    [Oid.messageDigest, AsnConvert.serialize(new OctetString(digest))],
  ];
  // SigningTime encodes UTCTime up to 2049 and GeneralizedTime after, as RFC 5652 §11.3 requires.
  if (signingTime) values.push([Oid.signingTime, AsnConvert.serialize(new SigningTime(withoutMillis(signingTime)))]);
  return values
    .map(([attrType, value]) => {
      const attribute = new Attribute({ attrType, attrValues: [value] });
      return { attribute, der: Buffer.from(AsnConvert.serialize(attribute)) };
    })
    .sort((a, b) => Buffer.compare(a.der, b.der));
}

// UTCTime has no fractions of a second: drop them so the encoded value is exactly what we claim.
function withoutMillis(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
}
