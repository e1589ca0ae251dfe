import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of sensitive values at rest (docs/decisions/0006-patient-data-at-rest.md).
 *
 * Each value gets its own random data key (AES-256-GCM), and that data key is stored beside it wrapped (AES-256-GCM)
 * by a configured master key, whose id is stored too. So:
 * - rotation is cheap: a new master key becomes active for new rows; old rows stay readable with the old key until
 *   `rewrap` re-wraps their 60-byte data key (the value itself is not re-encrypted);
 * - a database dump, a backup or a SQL session alone reveals nothing: the master keys live outside the database;
 * - the kind (table.column) is bound as additional authenticated data, so a ciphertext moved to another column fails.
 *
 * Layout: 0x00 'P' 'E' 0x01 | idLength | master key id | wrap IV (12) | wrap tag (16) | wrapped data key (32)
 *         | value IV (12) | value tag (16) | ciphertext. The leading NUL never starts an HL7 message or JSON text.
 *
 * Lookups (erasure by NIR) go through `pseudonym`: a keyed HMAC-SHA256 of the NIR, stable across rows, useless without
 * its key (a NIR has ~10^13 values: an unkeyed hash would be reversed by enumeration).
 */
const MAGIC = Buffer.from([0x00, 0x50, 0x45, 0x01]);
const IV = 12;
const TAG = 16;
const KEY = 32;
const TEXT_PREFIX = 'pe1:';

export interface FieldCipherKeys {
  /** Master keys by id (32 bytes each); old ones stay for reading rows written under them. */
  masterKeys: ReadonlyMap<string, Buffer>;
  /** The id new values are wrapped with. */
  activeKeyId: string;
  /** HMAC key of the NIR pseudonym (32 bytes). Never rotated without recomputing the pseudonyms. */
  pseudonymKey: Buffer;
}

export class FieldCipher {
  constructor(private readonly keys: FieldCipherKeys) {
    if (!keys.masterKeys.has(keys.activeKeyId)) throw new Error('FieldCipher: the active master key is not in the key ring');
    for (const [id, k] of keys.masterKeys) {
      if (k.length !== KEY) throw new Error(`FieldCipher: master key ${id} must be 32 bytes`);
      if (!/^[A-Za-z0-9._-]{1,32}$/.test(id)) throw new Error('FieldCipher: master key ids are 1-32 letters, digits, . _ -');
    }
    if (keys.pseudonymKey.length !== KEY) throw new Error('FieldCipher: the pseudonym key must be 32 bytes');
  }

  static isEnvelope(value: Buffer): boolean {
    return value.length > MAGIC.length && value.subarray(0, MAGIC.length).equals(MAGIC);
  }

  encrypt(kind: string, plain: Buffer): Buffer {
    const dataKey = randomBytes(KEY);
    const id = Buffer.from(this.keys.activeKeyId, 'ascii');
    const wrapped = seal(this.keys.masterKeys.get(this.keys.activeKeyId)!, dataKey, Buffer.from(`key:${kind}`));
    const value = seal(dataKey, plain, Buffer.from(kind));
    return Buffer.concat([MAGIC, Buffer.from([id.length]), id, wrapped, value]);
  }

  decrypt(kind: string, envelope: Buffer): Buffer {
    const { masterKey, wrapped, value } = this.parse(envelope);
    const dataKey = open(masterKey, wrapped, Buffer.from(`key:${kind}`));
    return open(dataKey, value, Buffer.from(kind));
  }

  /** Re-wraps the data key under the active master key (rotation); the value's ciphertext is unchanged. */
  rewrap(kind: string, envelope: Buffer): Buffer {
    const { masterKey, wrapped, value } = this.parse(envelope);
    const dataKey = open(masterKey, wrapped, Buffer.from(`key:${kind}`));
    const id = Buffer.from(this.keys.activeKeyId, 'ascii');
    const rewrapped = seal(this.keys.masterKeys.get(this.keys.activeKeyId)!, dataKey, Buffer.from(`key:${kind}`));
    return Buffer.concat([MAGIC, Buffer.from([id.length]), id, rewrapped, value]);
  }

  /** The master key id an envelope was wrapped with (what a rotation job looks for). */
  keyIdOf(envelope: Buffer): string {
    return this.parse(envelope).id;
  }

  /** Keyed pseudonym of a NIR, for lookups on encrypted rows. */
  pseudonym(nir: string): Buffer {
    return createHmac('sha256', this.keys.pseudonymKey).update(nir, 'utf8').digest();
  }

  /** For text columns: `pe1:` + base64 of the envelope. */
  encryptText(kind: string, value: string): string {
    return TEXT_PREFIX + this.encrypt(kind, Buffer.from(value, 'utf8')).toString('base64');
  }

  /** The clear text of `encryptText`'s output; a value without the prefix (a row written before the keys) as it is. */
  decryptText(kind: string, stored: string): string {
    if (!stored.startsWith(TEXT_PREFIX)) return stored;
    return this.decrypt(kind, Buffer.from(stored.slice(TEXT_PREFIX.length), 'base64')).toString('utf8');
  }

  encryptJson(kind: string, value: unknown): { enc: string } {
    return { enc: this.encrypt(kind, Buffer.from(JSON.stringify(value), 'utf8')).toString('base64') };
  }

  decryptJson<T>(kind: string, stored: { enc: string }): T {
    return JSON.parse(this.decrypt(kind, Buffer.from(stored.enc, 'base64')).toString('utf8')) as T;
  }

  private parse(envelope: Buffer): { id: string; masterKey: Buffer; wrapped: Buffer; value: Buffer } {
    if (!FieldCipher.isEnvelope(envelope)) throw new Error('Not an encrypted value');
    const idLength = envelope[MAGIC.length];
    const idStart = MAGIC.length + 1;
    const id = envelope.subarray(idStart, idStart + idLength).toString('ascii');
    const masterKey = this.keys.masterKeys.get(id);
    // The id only, never key material: which key is missing is what an operator needs to know.
    if (!masterKey) throw new Error(`Encrypted with master key "${id}", which is not configured`);
    const wrapStart = idStart + idLength;
    const wrapEnd = wrapStart + IV + KEY + TAG;
    return { id, masterKey, wrapped: envelope.subarray(wrapStart, wrapEnd), value: envelope.subarray(wrapEnd) };
  }
}

/** IV | tag | ciphertext. */
function seal(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV));
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(IV, IV + TAG));
  return Buffer.concat([d.update(sealed.subarray(IV + TAG)), d.final()]);
}
