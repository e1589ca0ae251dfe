import { computeNirKey, validateNir } from './nir';

/** Independent reference (BigInt, string replace) so the test does not just re-run the code under test. */
function referenceKey(body13: string): string {
  const numeric = body13.slice(0, 5) + body13.slice(5, 7).replace('2A', '19').replace('2B', '18') + body13.slice(7);
  return (97n - (BigInt(numeric) % 97n)).toString().padStart(2, '0');
}

function withKey(body13: string): string {
  return body13 + referenceKey(body13);
}

describe('computeNirKey', () => {
  it('matches the public worked example (body 1891275125012 → key 82)', () => {
    expect(computeNirKey('1891275125012')).toBe('82');
  });

  it('agrees with an independent BigInt reference on generated bodies', () => {
    for (let i = 1; i < 400; i += 7) {
      const body = `2${String(i % 100).padStart(2, '0')}0${(i % 9) + 1}${String((i % 95) + 1).padStart(2, '0')}${String(i).padStart(3, '0')}${String(
        i * 3,
      )
        .slice(-3)
        .padStart(3, '0')}`;
      expect(computeNirKey(body)).toBe(referenceKey(body));
    }
  });

  it('maps Corsica 2A→19 and 2B→18', () => {
    expect(computeNirKey('180032A004123')).toBe(referenceKey('180032A004123'));
    expect(computeNirKey('180032B004123')).toBe(referenceKey('180032B004123'));
    expect(computeNirKey('180032A004123')).not.toBe(computeNirKey('180032B004123'));
  });

  it('gives 97 (not 00) when the body is a multiple of 97', () => {
    const body = String(97 * 12345678901).padStart(13, '0'); // 1197530853397, 13 digits
    expect(body).toHaveLength(13);
    expect(computeNirKey(body)).toBe('97');
  });

  it('refuses a malformed body', () => {
    expect(() => computeNirKey('12345')).toThrow();
    expect(() => computeNirKey('1800375X04123')).toThrow();
  });
});

describe('validateNir', () => {
  const valid = [
    withKey('1800175056001'), // man, Jan 1980, Paris
    withKey('2951269123456'), // woman, Dec 1995, Rhône
    withKey('180032A004123'), // Corse-du-Sud
    withKey('280052B033777'), // Haute-Corse
    withKey('1852099123045'), // born abroad (99), month 20 = unknown month
    withKey('2016597109001'), // DOM, month 65 = unknown month
    withKey('3800175056010'), // sex 3 (pending registration)
    withKey('7800175056010'), // temporary
  ];

  it.each(valid)('accepts generated valid NIR #%#', (nir) => {
    expect(validateNir(nir)).toEqual({ ok: true });
  });

  function reasonFor(nir: string): string {
    const result = validateNir(nir);
    expect(result.ok).toBe(false);
    const reason = (result as { reason: string }).reason;
    // The reason must never carry the NIR or even its body.
    if (nir.length >= 8) {
      expect(reason).not.toContain(nir);
      expect(reason).not.toContain(nir.slice(0, 13));
    }
    return reason;
  }

  it('rejects a bad key and says so', () => {
    const good = withKey('1800175056001');
    const badKey = good.slice(0, 13) + String((Number(good.slice(13)) % 97) + 1).padStart(2, '0');
    expect(reasonFor(badKey)).toMatch(/key/);
  });

  it('rejects a key outside 01-97', () => {
    expect(reasonFor('180017505600100')).toMatch(/key/);
    expect(reasonFor('180017505600198')).toMatch(/key/);
  });

  it('rejects the Corsican NIR when the key was computed without the 2A→19 mapping', () => {
    const body = '180032A004123';
    const naiveKey = String(97 - (Number('18003' + '20' + '004123') % 97)).padStart(2, '0');
    if (naiveKey !== referenceKey(body)) expect(reasonFor(body + naiveKey)).toMatch(/key/);
  });

  it('rejects bad lengths', () => {
    expect(reasonFor('')).toMatch(/length/);
    expect(reasonFor(withKey('1800175056001').slice(0, 14))).toMatch(/length/);
    expect(reasonFor(withKey('1800175056001') + '0')).toMatch(/length/);
  });

  it('rejects bad characters (letters, spaces, lower-case 2a, 2A outside the department)', () => {
    expect(reasonFor('18001750560X1' + '00')).toMatch(/characters/);
    expect(reasonFor('1800175 56001' + '00')).toMatch(/characters/);
    expect(reasonFor('180032a004123' + '00')).toMatch(/characters/);
    expect(reasonFor('18003752A0123' + '00')).toMatch(/characters/);
  });

  it('rejects bad sex digits, months, department 00 and order 000', () => {
    expect(reasonFor(withKey('5800175056001'))).toMatch(/sex/);
    expect(reasonFor(withKey('0800175056001'))).toMatch(/sex/);
    expect(reasonFor(withKey('1800075056001'))).toMatch(/month/);
    expect(reasonFor(withKey('1801375056001'))).toMatch(/month/);
    expect(reasonFor(withKey('1804575056001'))).toMatch(/month/);
    expect(reasonFor(withKey('1800100056001'))).toMatch(/department/);
    expect(reasonFor(withKey('1800175056000'))).toMatch(/ordre/);
  });

  it('tolerates a non-string at run time without throwing', () => {
    expect(validateNir(undefined as unknown as string).ok).toBe(false);
  });
});
