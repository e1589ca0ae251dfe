import { CertificateError } from './certificate-error';

/**
 * Why a CMS message (signed or encrypted) was refused. Certificate problems of a signer or recipient are reported
 * as CertificateError instead, so that callers can tell "this file is bad" from "this certificate is bad".
 * Messages describe structure and algorithms only: never content, key material or passwords.
 */
export type CmsErrorCode =
  /** Not DER/BER we understand, or a required element is missing. */
  | 'MALFORMED'
  /** Well-formed but uses an algorithm or structure we deliberately do not accept. */
  | 'UNSUPPORTED'
  /** Detached signature verified without the content (or content given twice). */
  | 'CONTENT_MISSING'
  /** The content does not match the signed digest: tampered or wrong file. */
  | 'DIGEST_MISMATCH'
  /** The signature value does not verify with the signer's public key. */
  | 'BAD_SIGNATURE'
  /** No signer certificate / no recipient info for our certificate. */
  | 'NO_MATCHING_CERTIFICATE'
  /** Key unwrap, padding or authentication tag failure: tampered ciphertext or wrong key. */
  | 'DECRYPTION_FAILED';

/** Typed error of the CMS sign/verify/encrypt/decrypt functions. */
export class CmsError extends Error {
  constructor(
    readonly code: CmsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CmsError';
  }
}

/**
 * Runs a decoder over an untrusted message: typed errors pass through, anything else (an asn1js exception deep in
 * a crafted element, a RangeError…) becomes MALFORMED — callers only ever see the typed vocabulary.
 */
export async function decoding<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CmsError || err instanceof CertificateError) throw err;
    throw new CmsError('MALFORMED', 'message structure could not be decoded');
  }
}
