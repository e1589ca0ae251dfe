/**
 * RSA signature of an already computed digest with a software key. node:crypto only signs data (it hashes itself),
 * but the KeyProvider contract also accepts a digest, as HSMs do: we encode the message representative ourselves
 * (PKCS#1 v1.5 DigestInfo, or EMSA-PSS-ENCODE from RFC 8017 §9.1.1) and let OpenSSL do the raw RSA operation.
 */
import { constants, createHash, type KeyObject, privateEncrypt, randomBytes } from 'node:crypto';
import { HASH_LENGTH, type HashAlgorithm, type SignatureAlgorithm } from './key-provider';

// DER prefix of DigestInfo { AlgorithmIdentifier { hashOid, NULL }, OCTET STRING (hLen) } — RFC 8017 §9.2 note 1.
const DIGEST_INFO_PREFIX: Readonly<Record<HashAlgorithm, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/** Signs `digest` (computed with `algorithm.hash`) with an RSA private key. */
export function signPrehashed(key: KeyObject, digest: Uint8Array, algorithm: SignatureAlgorithm): Buffer {
  const hLen = HASH_LENGTH[algorithm.hash];
  if (digest.length !== hLen) throw new Error(`digest must be ${hLen} bytes for ${algorithm.hash}`);
  if (algorithm.padding === 'pkcs1-v1_5') {
    const digestInfo = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[algorithm.hash], 'hex'), digest]);
    return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
  }
  const modBits = key.asymmetricKeyDetails?.modulusLength;
  if (!modBits) throw new Error('not an RSA key');
  const em = emsaPssEncode(digest, modBits - 1, algorithm.hash, algorithm.saltLength ?? hLen);
  const k = Math.ceil(modBits / 8);
  // emLen is k-1 when modBits-1 is a multiple of 8: left-pad to the modulus size for the raw operation.
  const block = em.length === k ? em : Buffer.concat([Buffer.alloc(k - em.length), em]);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, block);
}

function emsaPssEncode(mHash: Uint8Array, emBits: number, hash: HashAlgorithm, sLen: number): Buffer {
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + sLen + 2) throw new Error('RSA key too small for this PSS salt length');
  const salt = randomBytes(sLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  salt.copy(db, emLen - sLen - hLen - 1);
  const mask = mgf1(h, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

function mgf1(seed: Buffer, length: number, hash: HashAlgorithm): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * HASH_LENGTH[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}
