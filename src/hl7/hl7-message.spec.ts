import * as iconv from 'iconv-lite';
import { buildA01, buildPamText, SAMPLE_FAMILY, SAMPLE_IPP, SAMPLE_NIR } from '../../tests/support/hl7-samples';
import { Hl7ParseError, parseHl7 } from './hl7-message';

const MSH = 'MSH|^~\\&|APP|FAC|RAPP|RFAC|20250101120000||ADT^A01^ADT_A01|CTRL1|P|2.5^FRA^2.11';

function parseError(input: Buffer | string): Hl7ParseError {
  try {
    parseHl7(input);
  } catch (err) {
    if (err instanceof Hl7ParseError) return err;
    throw err;
  }
  throw new Error('expected an Hl7ParseError');
}

describe('parseHl7', () => {
  it('reads the 21-segment sample A01', () => {
    const msg = parseHl7(buildA01({ controlId: 'CTRL-A01' }));
    expect(msg.segments).toHaveLength(21);
    expect(msg.field('MSH-10')).toBe('CTRL-A01');
    expect(msg.field('MSH-9.2')).toBe('A01');
    expect(msg.get('PID', 1, 3, 1, 1)).toBe(SAMPLE_NIR);
    expect(msg.get('PID', 1, 3, 1, 4, 2)).toBe('1.2.250.1.213.1.4.10');
    expect(msg.field('PID-3[2].1')).toBe(SAMPLE_IPP);
    expect(msg.field('PID-5')).toBe(SAMPLE_FAMILY);
    expect(msg.segmentsNamed('OBX')).toHaveLength(3);
    expect(msg.get('OBX', 3, 5)).toBe('Allergie pénicilline ^ à vérifier & noter');
    expect(msg.field('OBX[2]-5')).toBe('178');
    expect(msg.repetitionCount('PID', 1, 3)).toBe(2);
    expect(msg.charset).toBe('UNICODE UTF-8');
  });

  it('returns MSH-1 and MSH-2 literally and numbers MSH fields from MSH-1', () => {
    const msg = parseHl7(`${MSH}\r`);
    expect(msg.field('MSH-1')).toBe('|');
    expect(msg.field('MSH-2')).toBe('^~\\&');
    expect(msg.field('MSH-3')).toBe('APP');
    expect(msg.field('MSH-12.3')).toBe('2.11');
    expect(msg.raw('MSH', 1, 12)).toBe('2.5^FRA^2.11');
    expect(msg.segment('MSH')?.fieldCount).toBe(12);
  });

  it('uses the delimiters declared in MSH-1/MSH-2', () => {
    const msg = parseHl7('MSH#*$!@#APP#FAC#####ADT*A01#C1#P#2.5\rPID###ID1*1*2*AUTH@1.2.3$ID2##NAME!F!WITH!S!SEPS\r');
    expect(msg.get('PID', 1, 3, 1, 4, 2)).toBe('1.2.3');
    expect(msg.get('PID', 1, 3, 2, 1)).toBe('ID2');
    expect(msg.get('PID', 1, 5)).toBe('NAME#WITH*SEPS');
    expect(msg.delimiters).toEqual({ field: '#', component: '*', repetition: '$', escape: '!', subcomponent: '@' });
  });

  it('decodes escape sequences on read, keeps unknown ones', () => {
    const msg = parseHl7(`${MSH}\rNTE|||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f|\\X41\\\\XC3A9\\|\\H\\bold\\N\\|trailing\\`);
    expect(msg.get('NTE', 1, 3)).toBe('a|b^c&d~e\\f');
    expect(msg.get('NTE', 1, 4)).toBe('Aé');
    expect(msg.get('NTE', 1, 5)).toBe('\\H\\bold\\N\\');
    expect(msg.get('NTE', 1, 6)).toBe('trailing\\');
  });

  it('returns empty strings for anything absent', () => {
    const msg = parseHl7(`${MSH}\rPID|||ID`);
    expect(msg.get('PV1', 1, 2)).toBe('');
    expect(msg.get('PID', 2, 3)).toBe('');
    expect(msg.get('PID', 1, 30)).toBe('');
    expect(msg.get('PID', 1, 3, 2)).toBe('');
    expect(msg.get('PID', 1, 3, 1, 4)).toBe('');
    expect(msg.repetitionCount('PID', 1, 5)).toBe(0);
    expect(msg.has('PV1')).toBe(false);
  });

  it('accepts \\n and \\r\\n segment separators, a BOM and blank lines', () => {
    for (const sep of ['\n', '\r\n']) {
      const msg = parseHl7(Buffer.from(`\uFEFF\r\n${MSH}${sep}PID|||ID${sep}${sep}PV1||I${sep}`, 'utf8'));
      expect(msg.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'PV1']);
    }
  });

  describe('charsets (MSH-18)', () => {
    const text = (charset: string): string => `${MSH}||||||${charset}\rPID|||ID||Hélène^Zoë`;

    it('decodes 8859/1 bytes', () => {
      const msg = parseHl7(Buffer.from(text('8859/1'), 'latin1'));
      expect(msg.get('PID', 1, 5, 1, 1)).toBe('Hélène');
      expect(msg.codec.codec).toBe('latin1');
    });

    it('decodes UNICODE UTF-8 and UTF-8', () => {
      expect(parseHl7(Buffer.from(text('UNICODE UTF-8'))).get('PID', 1, 5, 1, 2)).toBe('Zoë');
      expect(parseHl7(Buffer.from(text('UTF-8'))).get('PID', 1, 5, 1, 2)).toBe('Zoë');
    });

    it('defaults to UTF-8, or to the configured default', () => {
      const noCharset = `${MSH}\rPID|||ID||Hélène`;
      expect(parseHl7(Buffer.from(noCharset)).get('PID', 1, 5)).toBe('Hélène');
      expect(parseHl7(Buffer.from(noCharset, 'latin1'), { defaultCharset: '8859/1' }).get('PID', 1, 5)).toBe('Hélène');
      expect(parseHl7(Buffer.from(noCharset)).charset).toBe('');
    });

    it('decodes other charsets through iconv-lite (8859/15 euro sign)', () => {
      const msg = parseHl7(iconv.encode(`${MSH}||||||8859/15\rNTE|||5€`, 'iso-8859-15'));
      expect(msg.get('NTE', 1, 3)).toBe('5€');
    });

    it('refuses latin1 bytes declared as UTF-8', () => {
      expect(parseError(Buffer.from(text('UNICODE UTF-8'), 'latin1'))).toMatchObject({ segment: 'MSH', field: 18, code: 102 });
    });

    it('refuses unknown and non-ASCII-compatible charsets, naming MSH-18', () => {
      const e = parseError(Buffer.from(text('KLINGON-1')));
      expect(e).toMatchObject({ segment: 'MSH', field: 18, code: 103 });
      expect(e.reason).toContain('MSH-18');
      expect(parseError(Buffer.from(text('UNICODE UTF-16')))).toMatchObject({ field: 18 });
    });
  });

  describe('errors', () => {
    it('rejects input not starting with MSH', () => {
      expect(parseError(Buffer.from('PID|||1\r'))).toMatchObject({ segment: 'MSH', code: 100 });
      expect(parseError(Buffer.alloc(0))).toMatchObject({ segment: 'MSH', code: 100 });
      expect(parseError('hello')).toMatchObject({ segment: 'MSH', code: 100 });
    });

    it('rejects missing or invalid MSH-1/MSH-2', () => {
      expect(parseError('MSH')).toMatchObject({ field: 1, code: 101 });
      expect(parseError('MSHA^~\\&|')).toMatchObject({ field: 1 });
      expect(parseError('MSH|^~|APP')).toMatchObject({ field: 2, code: 101 });
      expect(parseError('MSH|^^\\&|APP')).toMatchObject({ field: 2, code: 102 });
      expect(parseError('MSH|^~A&|APP')).toMatchObject({ field: 2 });
    });

    it('rejects invalid segment names and a second MSH, without quoting content', () => {
      const e = parseError(`${MSH}\rPID|||1\rdupont jean|x`);
      expect(e).toMatchObject({ segment: '', sequence: 3, code: 100 });
      expect(e.message).not.toContain('dupont');
      expect(parseError(`${MSH}\r${MSH}`)).toMatchObject({ segment: 'MSH', sequence: 2 });
    });

    it('throws on a malformed path (programming error)', () => {
      expect(() => parseHl7(`${MSH}`).field('PID3')).toThrow(/invalid HL7 path/);
    });
  });

  it('parses a sample given as a string', () => {
    expect(parseHl7(buildPamText('A28')).field('MSH-9.2')).toBe('A28');
  });

  describe('bounds (one pass, a limit named in the error)', () => {
    const limits = { maxSegments: 10, maxRepetitions: 5, maxFieldLength: 100 };
    const error = (text: string): Hl7ParseError => {
      try {
        parseHl7(text, { limits });
      } catch (err) {
        if (err instanceof Hl7ParseError) return err;
        throw err;
      }
      throw new Error('expected a parse error');
    };

    it('accepts a message exactly at the limits', () => {
      const text = [MSH, ...Array.from({ length: 8 }, () => 'OBX|1'), `PID|||${'1~'.repeat(4)}1|${'x'.repeat(100)}`].join('\r');
      expect(parseHl7(text, { limits }).segments).toHaveLength(10);
    });

    it('refuses too many segments, too many repetitions, a too long field — naming the limit', () => {
      const many = error([MSH, ...Array.from({ length: 10 }, () => 'OBX|1')].join('\r'));
      expect(many).toMatchObject({ segment: 'OBX', sequence: 11, code: 100 });
      expect(many.reason).toMatch(/more than 10 segments/);
      const reps = error(`${MSH}\rPID|||${'1~'.repeat(5)}1`);
      expect(reps).toMatchObject({ segment: 'PID', field: 3, code: 102 });
      expect(reps.reason).toMatch(/repeats more than 5 times/);
      const long = error(`${MSH}\rPID|1||||${'x'.repeat(101)}`);
      expect(long).toMatchObject({ segment: 'PID', field: 5 });
      expect(long.reason).toMatch(/longer than 100 characters/);
      expect(error(`${MSH}|${'y'.repeat(101)}`)).toMatchObject({ segment: 'MSH', field: 13 });
    });

    it('finds the n-th segment and repetition without rescanning (indexes built once)', () => {
      const text = [
        MSH,
        ...Array.from({ length: 500 }, (_, i) => `IN1|${i + 1}`),
        `PID|||${Array.from({ length: 150 }, (_, i) => `ID${i}`).join('~')}`,
      ].join('\r');
      const msg = parseHl7(text);
      expect(msg.segmentsNamed('IN1')).toHaveLength(500);
      expect(msg.get('IN1', 500, 1)).toBe('500');
      expect(msg.get('PID', 1, 3, 150)).toBe('ID149');
      expect(msg.get('PID', 1, 3, 151)).toBe('');
    });
  });
});
