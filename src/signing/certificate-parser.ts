/**
 * One X.509 certificate, decoded once: node:crypto's X509Certificate for what OpenSSL does natively and fast
 * (signature checks, public key, fingerprint), @peculiar/asn1-x509 for what node does not expose (key usage bits,
 * basic constraints), and the raw DER of issuer / subject / serial so that CMS identifiers are spliced byte for byte
 * (re-encoding a Name can change string types and break issuer matching at the other end).
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  type KeyUsageType,
  type Name,
  SubjectKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { CertificateError, type CertificateLabel } from './certificate-error';
import { Tag, childrenOf, expectTlv, readTlv, tlvBytes } from './der-codec';

/** A decoded certificate; build with parseCertificate. */
export interface ParsedCertificate extends CertificateLabel {
  /** Exact DER as received (what goes into CMS certificate sets). */
  readonly der: Buffer;
  readonly x509: X509Certificate;
  readonly asn1: Certificate;
  readonly subjectCn: string;
  /** Uppercase hex, as node and OpenSSL print it. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Key usage bits, or undefined when the extension is absent. */
  readonly keyUsage?: ReadonlySet<KeyUsageType>;
  /** Extended key usage OIDs, or undefined when the extension is absent. */
  readonly extKeyUsage?: readonly string[];
  readonly isCa: boolean;
  readonly pathLength?: number;
  readonly publicKey: KeyObject;
  /** RSA modulus size; undefined for a non-RSA key. */
  readonly rsaBits?: number;
  /** DER of the issuer Name, the serialNumber INTEGER TLV and the subject Name, exactly as in the certificate. */
  readonly issuerDer: Buffer;
  readonly serialDer: Buffer;
  readonly subjectDer: Buffer;
  readonly subjectKeyId?: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The DER bodies of every PEM block with the given label (e.g. CERTIFICATE) in a text. */
export function pemBlocks(text: string, label = 'CERTIFICATE'): Buffer[] {
  return [...text.matchAll(PEM_BLOCK)].filter((m) => m[1] === label).map((m) => Buffer.from(m[2], 'base64'));
}

/** Parses one certificate from DER bytes or a PEM text (the first CERTIFICATE block). */
export function parseCertificate(input: Uint8Array | string): ParsedCertificate {
  const der = typeof input === 'string' ? pemBlocks(input)[0] : Buffer.from(input);
  if (!der) throw new CertificateError('UNREADABLE', 'no PEM CERTIFICATE block found');
  try {
    return decode(der);
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    throw new CertificateError('UNREADABLE', 'certificate is not valid X.509 DER');
  }
}

/** Parses every certificate of a PEM bundle (or one DER certificate). */
export function parseCertificates(input: Uint8Array | string): ParsedCertificate[] {
  if (typeof input !== 'string') return [parseCertificate(input)];
  return pemBlocks(input).map((der) => parseCertificate(der));
}

/** PEM text of a certificate (for files handed to other tools). */
export function toPem(cert: ParsedCertificate): string {
  const b64 = cert.der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

function decode(der: Buffer): ParsedCertificate {
  const x509 = new X509Certificate(der);
  const asn1 = AsnConvert.parse(der, Certificate);
  const certTlv = readTlv(der, 0);
  const tbs = expectTlv(childrenOf(der, certTlv)[0], Tag.SEQUENCE, 'tbsCertificate');
  const fields = childrenOf(der, tbs);
  // version is [0] EXPLICIT and optional (v1 certificates): everything after it shifts by one.
  const base = fields[0]?.tag === Tag.ctx(0) ? 1 : 0;
  const serial = expectTlv(fields[base], Tag.INTEGER, 'serialNumber');
  const issuer = expectTlv(fields[base + 2], Tag.SEQUENCE, 'issuer');
  const subject = expectTlv(fields[base + 4], Tag.SEQUENCE, 'subject');

  const extensions = asn1.tbsCertificate.extensions ?? [];
  const ext = (oid: string): ArrayBuffer | undefined => extensions.find((e) => e.extnID === oid)?.extnValue.buffer;
  const ku = ext(id_ce_keyUsage);
  const eku = ext(id_ce_extKeyUsage);
  const bc = ext(id_ce_basicConstraints);
  const ski = ext(id_ce_subjectKeyIdentifier);
  const constraints = bc ? AsnConvert.parse(bc, BasicConstraints) : undefined;
  const publicKey = x509.publicKey;
  const details = publicKey.asymmetricKeyDetails;

  return {
    der,
    x509,
    asn1,
    subjectCn: commonName(asn1.tbsCertificate.subject),
    serialNumber: x509.serialNumber.toUpperCase(),
    notBefore: asn1.tbsCertificate.validity.notBefore.getTime(),
    notAfter: asn1.tbsCertificate.validity.notAfter.getTime(),
    keyUsage: ku ? new Set(AsnConvert.parse(ku, KeyUsage).toJSON()) : undefined,
    extKeyUsage: eku ? [...AsnConvert.parse(eku, ExtendedKeyUsage)] : undefined,
    isCa: constraints?.cA === true,
    pathLength: constraints?.pathLenConstraint,
    publicKey,
    rsaBits: publicKey.asymmetricKeyType === 'rsa' ? details?.modulusLength : undefined,
    issuerDer: Buffer.from(tlvBytes(der, issuer)),
    serialDer: Buffer.from(tlvBytes(der, serial)),
    subjectDer: Buffer.from(tlvBytes(der, subject)),
    subjectKeyId: ski ? Buffer.from(AsnConvert.parse(ski, SubjectKeyIdentifier).buffer) : undefined,
  };
}

const OID_COMMON_NAME = '2.5.4.3';

function commonName(name: Name): string {
  for (const rdn of name) {
    for (const atv of rdn) if (atv.type === OID_COMMON_NAME) return atv.value.toString();
  }
  return '(no CN)';
}
