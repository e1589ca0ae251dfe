/**
 * KeyProvider over a node:crypto KeyObject held in memory (key loaded from PKCS#12 or PEM). The KeyObject is
 * created once and cached: re-parsing the key per operation is what made the forge-based prototype slow, and keeping
 * only the opaque handle means the key bytes are never exported again by our code.
 */
import { constants, createPublicKey, type KeyObject, privateDecrypt, sign as cryptoSign } from 'node:crypto';
import { CertificateError, describeCertificate } from './certificate-error';
import { CmsError } from './cms-error';
import { type KeyProvider, type KeyTransport, type SignatureAlgorithm, type SignInput, HASH_LENGTH } from './key-provider';
import { type ParsedCertificate } from './certificate-parser';
import { signPrehashed } from './rsa-prehashed-signer';

/** In-process RSA key; build it with loadPkcs12 / loadPem. */
export class SoftwareKeyProvider implements KeyProvider {
  // A true private field: not enumerable, not reachable through JSON.stringify or a logger's object dump.
  readonly #key: KeyObject;

  /** Throws CertificateError UNREADABLE when the key does not belong to the certificate. */
  constructor(
    key: KeyObject,
    readonly certificate: ParsedCertificate,
    readonly chain: readonly ParsedCertificate[] = [],
  ) {
    if (key.type !== 'private') throw new CertificateError('UNREADABLE', 'a private key is required', certificate);
    const ours = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const theirs = certificate.publicKey.export({ type: 'spki', format: 'der' });
    if (!ours.equals(theirs)) {
      throw new CertificateError('UNREADABLE', `private key does not match ${describeCertificate(certificate)}`, certificate);
    }
    this.#key = key;
  }

  /** Signs on libuv's thread pool (callback form) so a big batch of signatures does not stall the event loop. */
  async sign(input: SignInput, algorithm: SignatureAlgorithm): Promise<Buffer> {
    if ('digest' in input) return signPrehashed(this.#key, input.digest, algorithm);
    const options = {
      key: this.#key,
      padding: algorithm.padding === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
      saltLength: algorithm.saltLength ?? HASH_LENGTH[algorithm.hash],
    };
    return new Promise((resolve, reject) =>
      cryptoSign(algorithm.hash, input.data, options, (err, sig) => (err ? reject(err) : resolve(sig))),
    );
  }

  async decrypt(keyTransport: KeyTransport): Promise<Buffer> {
    try {
      return privateDecrypt(
        { key: this.#key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: keyTransport.algorithm.hash },
        keyTransport.encryptedKey,
      );
    } catch {
      // One message for every failure: distinguishing them would be a padding oracle.
      throw new CmsError('DECRYPTION_FAILED', 'content-encryption key could not be unwrapped');
    }
  }

  /** Never print the key, even by accident. */
  toJSON(): object {
    return { certificate: describeCertificate(this.certificate) };
  }
}
