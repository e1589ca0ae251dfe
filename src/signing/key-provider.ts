/**
 * The one door to a private key. The software provider (PKCS#12 / PEM) implements it today; an HSM / PKCS#11
 * provider can implement it later without touching the CMS code: everything is async, and the key itself never
 * leaves the provider (there is deliberately no accessor for it).
 */
import { type ParsedCertificate } from './certificate-parser';

/** Hash algorithms accepted for signatures and OAEP. */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** RSA signature scheme. */
export interface SignatureAlgorithm {
  readonly hash: HashAlgorithm;
  /** `pkcs1-v1_5` = RSASSA-PKCS1-v1_5; `pss` = RSASSA-PSS with MGF1 using the same hash. */
  readonly padding: 'pkcs1-v1_5' | 'pss';
  /** PSS salt length in bytes; defaults to the hash length (32 for SHA-256). */
  readonly saltLength?: number;
}

/** What to sign: the data itself, or its digest already computed with `algorithm.hash` (HSM style). */
export type SignInput = { readonly data: Uint8Array } | { readonly digest: Uint8Array };

/** RSAES-OAEP; MGF1 uses the same hash (what node:crypto and OpenSSL do when only the OAEP digest is set). */
export interface KeyTransportAlgorithm {
  readonly scheme: 'rsa-oaep';
  readonly hash: HashAlgorithm;
}

/** A content-encryption key wrapped to our certificate, as found in a KeyTransRecipientInfo. */
export interface KeyTransport {
  readonly encryptedKey: Uint8Array;
  readonly algorithm: KeyTransportAlgorithm;
}

/** A private key and its certificate (+ chain up to, not necessarily including, the root). */
export interface KeyProvider {
  readonly certificate: ParsedCertificate;
  readonly chain: readonly ParsedCertificate[];
  /** Raw signature value (what goes into SignerInfo.signature). */
  sign(input: SignInput, algorithm: SignatureAlgorithm): Promise<Buffer>;
  /** Unwraps a content-encryption key. Failures must not say why (no padding oracle): CmsError DECRYPTION_FAILED. */
  decrypt(keyTransport: KeyTransport): Promise<Buffer>;
}

/** Output length of each hash, in bytes. */
export const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };
