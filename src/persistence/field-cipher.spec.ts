import { randomBytes } from 'node:crypto';
import { FieldCipher } from './field-cipher';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const pseudonymKey = randomBytes(32);
const cipher = (active: string, keys: Array<[string, Buffer]> = [['k1', k1]]) =>
  new FieldCipher({ masterKeys: new Map(keys), activeKeyId: active, pseudonymKey });
const message = Buffer.from(
  'MSH|^~\\&|GAP|HOP\rPID|||180017505612375^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||TESTNOM^JEAN||19800714',
);

describe('FieldCipher', () => {
  it('round-trips a value and leaves no clear text in the envelope', () => {
    const c = cipher('k1');
    const env = c.encrypt('inbox_message.raw', message);
    expect(FieldCipher.isEnvelope(env)).toBe(true);
    expect(FieldCipher.isEnvelope(message)).toBe(false);
    for (const clear of ['180017505612375', 'TESTNOM', '19800714']) expect(env.includes(clear)).toBe(false);
    expect(c.decrypt('inbox_message.raw', env)).toEqual(message);
    expect(c.keyIdOf(env)).toBe('k1');
  });

  it('gives every value its own data key (the same text never encrypts the same)', () => {
    const c = cipher('k1');
    expect(c.encrypt('x', message).equals(c.encrypt('x', message))).toBe(false);
  });

  it('refuses a ciphertext moved to another column, or altered', () => {
    const c = cipher('k1');
    const env = c.encrypt('inbox_message.raw', message);
    expect(() => c.decrypt('inbox_message.facts', env)).toThrow();
    const altered = Buffer.from(env);
    altered[altered.length - 1] ^= 1;
    expect(() => c.decrypt('inbox_message.raw', altered)).toThrow();
  });

  it('rotates: a new active key writes new rows, old rows stay readable and are re-wrapped without re-encrypting', () => {
    const old = cipher('k1').encrypt('kind', message);
    const rotated = cipher('k2', [
      ['k1', k1],
      ['k2', k2],
    ]);
    expect(rotated.decrypt('kind', old)).toEqual(message);
    expect(rotated.keyIdOf(rotated.encrypt('kind', message))).toBe('k2');
    const rewrapped = rotated.rewrap('kind', old);
    expect(rotated.keyIdOf(rewrapped)).toBe('k2');
    expect(rewrapped.subarray(-message.length - 28).equals(old.subarray(-message.length - 28))).toBe(true);
    // Once every row is re-wrapped, the old master key can go.
    expect(cipher('k2', [['k2', k2]]).decrypt('kind', rewrapped)).toEqual(message);
    expect(() => cipher('k2', [['k2', k2]]).decrypt('kind', old)).toThrow('Encrypted with master key "k1", which is not configured');
  });

  it('pseudonymises a NIR with a key: stable, and different under another key', () => {
    expect(cipher('k1').pseudonym('180017505612375')).toEqual(cipher('k1').pseudonym('180017505612375'));
    const other = new FieldCipher({ masterKeys: new Map([['k1', k1]]), activeKeyId: 'k1', pseudonymKey: randomBytes(32) });
    expect(other.pseudonym('180017505612375')).not.toEqual(cipher('k1').pseudonym('180017505612375'));
  });

  it('round-trips JSON as {enc}', () => {
    const c = cipher('k1');
    const stored = c.encryptJson('facts', { nir: '180017505612375', event: 'A01' });
    expect(JSON.stringify(stored)).not.toContain('180017505612375');
    expect(c.decryptJson('facts', stored)).toEqual({ nir: '180017505612375', event: 'A01' });
  });

  it('round-trips text as pe1:base64, and reads a value written in clear (before the keys) as it is', () => {
    const c = cipher('k1');
    const stored = c.encryptText('patient.family_name', 'TESTNOM');
    expect(stored.startsWith('pe1:')).toBe(true);
    expect(stored).not.toContain('TESTNOM');
    expect(c.decryptText('patient.family_name', stored)).toBe('TESTNOM');
    expect(c.decryptText('patient.family_name', 'DUPONT')).toBe('DUPONT');
    expect(() => c.decryptText('patient.given_name', stored)).toThrow();
  });

  it('refuses bad key rings at construction', () => {
    expect(() => cipher('missing')).toThrow(/active master key/);
    expect(() => cipher('k1', [['k1', randomBytes(16)]])).toThrow(/32 bytes/);
  });
});
