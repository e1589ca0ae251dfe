import { isValidFiness } from './finess';

/** Appends the Luhn digit that makes `digits8 + d` valid. */
function luhnComplete(digits8: string, reading = digits8): string {
  for (let d = 0; d <= 9; d++) {
    const all = reading + d;
    let sum = 0;
    for (let i = 0; i < all.length; i++) {
      let v = Number(all[all.length - 1 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return digits8 + d;
  }
  throw new Error('unreachable');
}

describe('isValidFiness', () => {
  it('accepts 9-digit FINESS whose Luhn digit holds', () => {
    expect(isValidFiness(luhnComplete('75000001'))).toBe(true);
    expect(isValidFiness(luhnComplete('69078181'))).toBe(true);
    expect(isValidFiness(luhnComplete('97010001'))).toBe(true);
  });

  it('rejects a wrong check digit, wrong length and stray characters', () => {
    const good = luhnComplete('75000001');
    const bad = good.slice(0, 8) + ((Number(good[8]) + 1) % 10);
    expect(isValidFiness(bad)).toBe(false);
    expect(isValidFiness(good.slice(0, 8))).toBe(false);
    expect(isValidFiness(good + '0')).toBe(false);
    expect(isValidFiness('75000X001')).toBe(false);
    expect(isValidFiness('2C0000001')).toBe(false);
  });

  it('accepts Corsica under either documented reading (2A→21/2B→22, or →20)', () => {
    const letterA = luhnComplete('2A000001', '21000001');
    const letterB = luhnComplete('2B000001', '22000001');
    const twenty = luhnComplete('2A000002', '20000002');
    expect(isValidFiness(letterA)).toBe(true);
    expect(isValidFiness(letterB)).toBe(true);
    expect(isValidFiness(twenty)).toBe(true);
  });

  it('rejects a Corsican FINESS that fails both readings', () => {
    const rest = '0000011';
    for (let d = 0; d <= 9; d++) {
      const candidate = `2A${rest}`.slice(0, 8) + d;
      const r = candidate.slice(2);
      const readingA = luhnComplete('21' + r.slice(0, 6)).slice(-1) === String(d);
      const reading20 = luhnComplete('20' + r.slice(0, 6)).slice(-1) === String(d);
      expect(isValidFiness(candidate)).toBe(readingA || reading20);
    }
  });
});
