import { scrubText } from './log-scrubber';

describe('scrubText (NIR shapes in log text)', () => {
  it.each([
    ['a NIR on its own', 'nir 185129999900196 seen', 'nir [NIR] seen'],
    ['a NIR glued to letters (no word boundary)', 'NIR180017505612375', 'NIR[NIR]'],
    ['a NIR glued on both sides', 'xx180017505612375yy', 'xx[NIR]yy'],
    ['13 digits without the key', 'id=ABC1800175056123', 'id=ABC[NIR]'],
    ['spaced as printed', 'assuré 1 80 01 75 056 123 75.', 'assuré [NIR].'],
    ['Corsica 2A', 'NIR285012A00112345', 'NIR[NIR]'],
    ['Corsica 2b, spaced', 'n° 2 85 01 2B 001 123 45', 'n° [NIR]'],
    ['inside an event name', 'event ADT^NIR185129999900196^X', 'event ADT^NIR[NIR]^X'],
  ])('scrubs %s', (_, input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it.each([
    ['a longer digit run (not a NIR)', 'ref 12345678901234567890'],
    ['a short number', 'port 2575, 143 ms'],
    ['an ISO timestamp', '2026-12-01T07:33:34.123Z'],
  ])('leaves %s alone', (_, input) => {
    expect(scrubText(input)).toBe(input);
  });
});
