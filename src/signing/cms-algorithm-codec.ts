/**
 * Object identifiers and AlgorithmIdentifiers of the CMS profile (RFC 5652, 4055, 5754, 8017), built and read
 * with @peculiar/asn1-x509 / asn1-rsa. We keep our own OID table: asn1-rsa 2.11's `sha256WithRSAEncryption`
 * constant carries the sha512-256 OID, so its ready-made AlgorithmIdentifiers are not used.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { RsaEsOaepParams, RsaSaPssParams } from '@peculiar/asn1-rsa';
import { CmsError } from './cms-error';
import { type HashAlgorithm, type KeyTransportAlgorithm, type SignatureAlgorithm } from './key-provider';

/** OIDs used by the signing and transport-encryption code. */
export const Oid = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  pSpecified: '1.2.840.113549.1.1.9',
  rsassaPss: '1.2.840.113549.1.1.10',
} as const;

const HASH_OID: Readonly<Record<HashAlgorithm, string>> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const RSA_PKCS1_OID: Readonly<Record<HashAlgorithm, string>> = {
  sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12',
  sha512: '1.2.840.113549.1.1.13',
};
const SHA1_OID = '1.3.14.3.2.26';

/** Digest AlgorithmIdentifier, parameters absent (RFC 5754 §2). */
export function hashAlgorithmId(hash: HashAlgorithm): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: HASH_OID[hash] });
}

/** The hash named by a digest OID, or undefined (SHA-1 and MD5 are not accepted). */
export function hashFromOid(oid: string): HashAlgorithm | undefined {
  return (Object.keys(HASH_OID) as HashAlgorithm[]).find((h) => HASH_OID[h] === oid);
}

function requireHash(alg: AlgorithmIdentifier, what: string): HashAlgorithm {
  const hash = hashFromOid(alg.algorithm);
  if (!hash) throw new CmsError('UNSUPPORTED', `${what}: digest ${alg.algorithm} is not accepted (SHA-2 required)`);
  return hash;
}

function mgf1With(hash: HashAlgorithm): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: Oid.mgf1, parameters: AsnConvert.serialize(hashAlgorithmId(hash)) });
}

/** MGF1's hash must equal the main hash: node:crypto cannot use a different one. */
function checkMgf1(mgf: AlgorithmIdentifier, hash: HashAlgorithm, what: string): void {
  const inner = mgf.parameters ? AsnConvert.parse(mgf.parameters, AlgorithmIdentifier).algorithm : SHA1_OID;
  if (mgf.algorithm !== Oid.mgf1 || inner !== HASH_OID[hash]) {
    throw new CmsError('UNSUPPORTED', `${what}: mask generation must be MGF1 with ${hash}`);
  }
}

/** signatureAlgorithm of a SignerInfo: sha*WithRSAEncryption (NULL parameters, RFC 4055) or RSASSA-PSS. */
export function signatureAlgorithmId(alg: SignatureAlgorithm): AlgorithmIdentifier {
  if (alg.padding === 'pkcs1-v1_5') return new AlgorithmIdentifier({ algorithm: RSA_PKCS1_OID[alg.hash], parameters: null });
  const params = new RsaSaPssParams({
    hashAlgorithm: hashAlgorithmId(alg.hash),
    maskGenAlgorithm: mgf1With(alg.hash),
    saltLength: alg.saltLength ?? { sha256: 32, sha384: 48, sha512: 64 }[alg.hash],
  });
  return new AlgorithmIdentifier({ algorithm: Oid.rsassaPss, parameters: AsnConvert.serialize(params) });
}

/** Reads a SignerInfo signatureAlgorithm; `digest` is the SignerInfo digestAlgorithm. */
export function parseSignatureAlgorithm(alg: AlgorithmIdentifier, digest: HashAlgorithm): SignatureAlgorithm {
  if (alg.algorithm === Oid.rsaEncryption) return { hash: digest, padding: 'pkcs1-v1_5' };
  const pkcs1 = (Object.keys(RSA_PKCS1_OID) as HashAlgorithm[]).find((h) => RSA_PKCS1_OID[h] === alg.algorithm);
  if (pkcs1) {
    if (pkcs1 !== digest) throw new CmsError('UNSUPPORTED', 'signature and digest algorithms disagree');
    return { hash: pkcs1, padding: 'pkcs1-v1_5' };
  }
  if (alg.algorithm === Oid.rsassaPss) {
    const params = alg.parameters ? AsnConvert.parse(alg.parameters, RsaSaPssParams) : new RsaSaPssParams();
    const hash = requireHash(params.hashAlgorithm, 'RSASSA-PSS');
    checkMgf1(params.maskGenAlgorithm, hash, 'RSASSA-PSS');
    if (params.trailerField !== 1) throw new CmsError('UNSUPPORTED', 'RSASSA-PSS trailer field must be 1');
    return { hash, padding: 'pss', saltLength: params.saltLength };
  }
  throw new CmsError('UNSUPPORTED', `signature algorithm ${alg.algorithm} is not accepted`);
}

/** RSAES-OAEP AlgorithmIdentifier with hash, MGF1(hash) and the default (empty) label. */
export function oaepAlgorithmId(hash: HashAlgorithm): AlgorithmIdentifier {
  const params = new RsaEsOaepParams({ hashAlgorithm: hashAlgorithmId(hash), maskGenAlgorithm: mgf1With(hash) });
  return new AlgorithmIdentifier({ algorithm: Oid.rsaesOaep, parameters: AsnConvert.serialize(params) });
}

/** Reads a KeyTransRecipientInfo keyEncryptionAlgorithm: only RSAES-OAEP with SHA-2 is accepted. */
export function parseKeyTransportAlgorithm(alg: AlgorithmIdentifier): KeyTransportAlgorithm {
  if (alg.algorithm === Oid.rsaEncryption) {
    // PKCS#1 v1.5 key transport is open to Bleichenbacher-style attacks and is not ANSSI-grade.
    throw new CmsError('UNSUPPORTED', 'RSA PKCS#1 v1.5 key transport is refused: RSAES-OAEP required');
  }
  if (alg.algorithm !== Oid.rsaesOaep) throw new CmsError('UNSUPPORTED', `key transport ${alg.algorithm} is not accepted`);
  // Absent or NULL parameters mean all defaults (SHA-1), which requireHash then refuses.
  const params =
    alg.parameters && alg.parameters.byteLength > 2 ? AsnConvert.parse(alg.parameters, RsaEsOaepParams) : new RsaEsOaepParams();
  const hash = requireHash(params.hashAlgorithm, 'RSAES-OAEP');
  checkMgf1(params.maskGenAlgorithm, hash, 'RSAES-OAEP');
  if (params.pSourceAlgorithm.algorithm !== Oid.pSpecified) throw new CmsError('UNSUPPORTED', 'RSAES-OAEP label source');
  return { scheme: 'rsa-oaep', hash };
}
