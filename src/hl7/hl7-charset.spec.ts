import { resolveCharset, UnsupportedCharsetError } from './hl7-charset';
import { escapeHl7, type Hl7Delimiters, piece, unescapeHl7 } from './hl7-escape';

describe('resolveCharset', () => {
  it('distinguishes a declared charset from the default one (cache keys)', () => {
    expect(resolveCharset('', '8859/1')).toMatchObject({ hl7Name: '', codec: 'latin1' });
    expect(resolveCharset('8859/1')).toMatchObject({ hl7Name: '8859/1', codec: 'latin1' });
    expect(resolveCharset(undefined)).toMatchObject({ hl7Name: '', codec: 'utf8' });
    expect(resolveCharset(' unicode utf-8 ')).toMatchObject({ hl7Name: 'UNICODE UTF-8', codec: 'utf8' });
  });

  it('round-trips text through the codec', () => {
    const c = resolveCharset('8859/15');
    expect(c.decode(c.encode('5€ Hélène'))).toBe('5€ Hélène');
  });

  it('throws UnsupportedCharsetError for unknown or ASCII-incompatible charsets', () => {
    expect(() => resolveCharset('NOT-A-CHARSET')).toThrow(UnsupportedCharsetError);
    expect(() => resolveCharset('UNICODE UTF-16')).toThrow(UnsupportedCharsetError);
    expect(() => resolveCharset('UTF-32')).toThrow(UnsupportedCharsetError);
  });
});

describe('escape helpers', () => {
  const d: Hl7Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };
  const utf8 = resolveCharset('UNICODE UTF-8');

  it('escapes every delimiter and round-trips', () => {
    const text = 'a|b^c~d\\e&f';
    const escaped = escapeHl7(text, d);
    expect(escaped).toBe('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f');
    expect(unescapeHl7(escaped, d, utf8)).toBe(text);
  });

  it('replaces segment separators inside a value', () => {
    expect(escapeHl7('line1\rline2\nline3', d)).toBe('line1 line2 line3');
  });

  it('keeps \\X sequences that are not valid in the charset', () => {
    expect(unescapeHl7('\\XFF\\', d, utf8)).toBe('\\XFF\\');
  });

  it('picks pieces without building arrays', () => {
    expect(piece('a^b^c', '^', 1)).toBe('a');
    expect(piece('a^b^c', '^', 3)).toBe('c');
    expect(piece('a^b^c', '^', 4)).toBe('');
    expect(piece('abc', '^', 1)).toBe('abc');
  });
});
