/**
 * Verification of a CMS SignedData (DER or BER, attached or detached): returns of the insurers, and the self-check
 * of our own lots before they leave. The message is walked by offsets (a 50 MB eContent is hashed in place, never
 * copied) and each SignerInfo / certificate is decoded with @peculiar. One signer is expected (a lot has one seal).
 *
 * Failures: CmsError (malformed, tampered content, bad signature, no signer certificate) or CertificateError
 * (signer expired, not yet valid, wrong purpose, weak, untrusted) — both typed, neither quoting the content.
 */
import { createHash, verify as cryptoVerify, constants } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { Attribute, SigningTime } from '@peculiar/asn1-cms';
import {
  type CertificateCheckResult,
  CertificateChecker,
  type CertificateCheckerOptions,
  type CertificatePurpose,
} from './certificate-checker';
import { Oid, hashFromOid, parseSignatureAlgorithm } from './cms-algorithm-codec';
import { CmsError, decoding } from './cms-error';
import { Tag, type Tlv, childrenOf, decodeOid, derHeader, expectTlv, octetSegments, readTlv, tlvBytes, tlvContent } from './der-codec';
import { type SignatureAlgorithm } from './key-provider';
import { type ParsedCertificate, parseCertificate } from './certificate-parser';

/** Inputs of verifyCms. */
export interface VerifyCmsOptions {
  /** The lot, when the signature is detached (one buffer, or parts as produced by signCmsParts). */
  readonly detachedContent?: Uint8Array | readonly Uint8Array[];
  /** A configured checker, or the CA certificates to trust. */
  readonly trustStore: CertificateChecker | CertificateCheckerOptions['trustStore'];
  readonly now: Date;
  /** Purpose the signer certificate must fit (default `seal`). */
  readonly purpose?: CertificatePurpose;
  /** Extra certificates to look for the signer / intermediates in, when the sender left them out. */
  readonly certificates?: readonly ParsedCertificate[];
}

/** A verified signature. */
export interface VerifiedCms {
  /** The signed content (a view into the message when attached and DER-encoded). */
  readonly content: Buffer;
  readonly contentType: string;
  /** subject like `C=FR, O=…, OU=<FINESS>, CN=…`; serial in uppercase hex. */
  readonly signer: { readonly subject: string; readonly subjectCn: string; readonly serialNumber: string };
  readonly signerCertificate: ParsedCertificate;
  readonly signingTime?: Date;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly certificateCheck: CertificateCheckResult;
}

/** Verifies a SignedData; throws CmsError or CertificateError. */
export async function verifyCms(cms: Uint8Array, options: VerifyCmsOptions): Promise<VerifiedCms> {
  return decoding(() => verify(cms, options));
}

async function verify(cms: Uint8Array, options: VerifyCmsOptions): Promise<VerifiedCms> {
  const buf = Buffer.from(cms.buffer, cms.byteOffset, cms.length);
  const sd = readSignedData(buf);
  const detached = options.detachedContent;
  if (sd.eContent && detached) throw new CmsError('CONTENT_MISSING', 'content is attached: detachedContent must not be given');
  const content = sd.eContent ?? (detached instanceof Uint8Array ? [detached] : detached && [...detached]);
  if (!content) throw new CmsError('CONTENT_MISSING', 'detached signature: the signed content must be given');

  const si = readSignerInfo(buf, sd.signerInfo);
  const pool = [...sd.certificates, ...(options.certificates ?? [])];
  const signerCert = pool.find((c) => si.matches(c));
  if (!signerCert) throw new CmsError('NO_MATCHING_CERTIFICATE', 'the signer certificate is not in the message');
  const checker =
    options.trustStore instanceof CertificateChecker ? options.trustStore : new CertificateChecker({ trustStore: options.trustStore });
  const certificateCheck = checker.check(signerCert, { purpose: options.purpose ?? 'seal', now: options.now, chain: pool });

  const hash = createHash(si.digest);
  for (const part of content) hash.update(part);
  const digest = hash.digest();
  let signingTime: Date | undefined;
  let signedInput: Buffer;
  if (!si.signedAttrs) {
    // No signed attributes (allowed by RFC 5652, never produced by us): the signature covers the content itself.
    signedInput = Buffer.concat(content);
  } else {
    const attrs = readAttributes(buf, si.signedAttrs);
    if (attrs.contentType !== sd.contentType) throw new CmsError('MALFORMED', 'content-type attribute differs from eContentType');
    if (!attrs.messageDigest.equals(digest)) {
      throw new CmsError('DIGEST_MISMATCH', 'content does not match the signed digest (altered or wrong file)');
    }
    signingTime = attrs.signingTime;
    // What was signed is the DER SET OF: same content octets, universal SET tag instead of [0].
    const raw = tlvContent(buf, si.signedAttrs);
    signedInput = Buffer.concat([derHeader(Tag.SET, raw.length), raw]);
  }
  const alg = si.algorithm;
  const key = {
    key: signerCert.publicKey,
    padding: alg.padding === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
    saltLength: alg.saltLength,
  };
  const ok = await new Promise<boolean>((resolve, reject) =>
    cryptoVerify(alg.hash, signedInput, key, si.signature, (err, valid) => (err ? reject(err) : resolve(valid))),
  ).catch(() => false);
  if (!ok) throw new CmsError('BAD_SIGNATURE', 'signature does not verify with the signer certificate');

  return {
    content: content.length === 1 ? Buffer.from(content[0].buffer, content[0].byteOffset, content[0].length) : Buffer.concat(content),
    contentType: sd.contentType,
    signer: {
      subject: signerCert.x509.subject.split('\n').join(', '), // node separates RDNs with newlines
      subjectCn: signerCert.subjectCn,
      serialNumber: signerCert.serialNumber,
    },
    signerCertificate: signerCert,
    signingTime,
    signatureAlgorithm: alg,
    certificateCheck,
  };
}

interface SignedDataParts {
  readonly contentType: string;
  readonly eContent?: Buffer[];
  readonly certificates: ParsedCertificate[];
  readonly signerInfo: Tlv;
}

function readSignedData(buf: Buffer): SignedDataParts {
  const ci = expectTlv(readTlv(buf, 0), Tag.SEQUENCE, 'ContentInfo');
  const [type, wrapped] = childrenOf(buf, ci);
  if (decodeOid(tlvContent(buf, expectTlv(type, Tag.OID, 'contentType'))) !== Oid.signedData) {
    throw new CmsError('MALFORMED', 'not a CMS SignedData');
  }
  const sd = expectTlv(childrenOf(buf, expectTlv(wrapped, Tag.ctx(0), 'content'))[0], Tag.SEQUENCE, 'SignedData');
  const fields = childrenOf(buf, sd);
  const eci = childrenOf(buf, expectTlv(fields[2], Tag.SEQUENCE, 'encapContentInfo'));
  const contentType = decodeOid(tlvContent(buf, expectTlv(eci[0], Tag.OID, 'eContentType')));
  let eContent: Buffer[] | undefined;
  if (eci[1]) {
    const inner = childrenOf(buf, expectTlv(eci[1], Tag.ctx(0), 'eContent'))[0];
    if (!inner || (inner.tag & 0xdf) !== Tag.OCTET_STRING) throw new CmsError('MALFORMED', 'eContent is not an OCTET STRING');
    eContent = octetSegments(buf, inner);
  }
  let i = 3;
  const certificates: ParsedCertificate[] = [];
  if (fields[i]?.tag === Tag.ctx(0)) {
    for (const c of childrenOf(buf, fields[i])) if (c.tag === Tag.SEQUENCE) certificates.push(parseCertificate(tlvBytes(buf, c)));
    i++;
  }
  if (fields[i]?.tag === Tag.ctx(1)) i++; // crls: revocation is checked elsewhere
  const signerInfos = childrenOf(buf, expectTlv(fields[i], Tag.SET, 'signerInfos'));
  if (signerInfos.length !== 1) throw new CmsError('UNSUPPORTED', `${signerInfos.length} signers: exactly one expected`);
  return { contentType, eContent, certificates, signerInfo: signerInfos[0] };
}

interface SignerInfoParts {
  readonly digest: 'sha256' | 'sha384' | 'sha512';
  readonly signedAttrs?: Tlv;
  readonly algorithm: SignatureAlgorithm;
  readonly signature: Buffer;
  matches(cert: ParsedCertificate): boolean;
}

function readSignerInfo(buf: Buffer, tlv: Tlv): SignerInfoParts {
  const f = childrenOf(buf, expectTlv(tlv, Tag.SEQUENCE, 'SignerInfo'));
  const sid = f[1];
  const digestId = AsnConvert.parse(tlvBytes(buf, f[2]), AlgorithmIdentifier);
  const digest = hashFromOid(digestId.algorithm);
  if (!digest) throw new CmsError('UNSUPPORTED', `digest ${digestId.algorithm} is not accepted (SHA-2 required)`);
  const hasAttrs = f[3]?.tag === Tag.ctx(0);
  const sigAlg = f[hasAttrs ? 4 : 3];
  const sig = expectTlv(f[hasAttrs ? 5 : 4], Tag.OCTET_STRING, 'signature');
  const algorithm = parseSignatureAlgorithm(AsnConvert.parse(tlvBytes(buf, sigAlg), AlgorithmIdentifier), digest);
  const matches = (cert: ParsedCertificate): boolean => {
    if (sid.tag === Tag.ctxPrimitive(0)) return cert.subjectKeyId?.equals(tlvContent(buf, sid)) === true;
    const [issuer, serial] = childrenOf(buf, expectTlv(sid, Tag.SEQUENCE, 'sid'));
    return tlvBytes(buf, issuer).equals(cert.issuerDer) && tlvBytes(buf, serial).equals(cert.serialDer);
  };
  return { digest, signedAttrs: hasAttrs ? f[3] : undefined, algorithm, signature: tlvContent(buf, sig), matches };
}

function readAttributes(buf: Buffer, tlv: Tlv): { contentType: string; messageDigest: Buffer; signingTime?: Date } {
  const found = new Map<string, ArrayBuffer>();
  for (const child of childrenOf(buf, tlv)) {
    const attr = AsnConvert.parse(tlvBytes(buf, child), Attribute);
    if (found.has(attr.attrType) || attr.attrValues.length !== 1) {
      throw new CmsError('MALFORMED', `signed attribute ${attr.attrType} must have exactly one value`);
    }
    found.set(attr.attrType, attr.attrValues[0]);
  }
  const value = (oid: string): Buffer => {
    const v = found.get(oid);
    if (!v) throw new CmsError('MALFORMED', `signed attribute ${oid} is missing`);
    return tlvContent(Buffer.from(v), readTlv(Buffer.from(v), 0));
  };
  const time = found.get(Oid.signingTime);
  return {
    contentType: decodeOid(value(Oid.contentType)),
    messageDigest: value(Oid.messageDigest),
    signingTime: time ? AsnConvert.parse(time, SigningTime).getTime() : undefined,
  };
}
