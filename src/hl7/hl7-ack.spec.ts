import { buildA01, buildPam, MALFORMED, SAMPLE_FAMILY, SAMPLE_INSURED_NIR, SAMPLE_NIR } from '../../tests/support/hl7-samples';
import { buildAck, buildNakFromRaw, formatHl7Timestamp, type Hl7Issue } from './hl7-ack';
import { type Hl7ParseError, parseHl7 } from './hl7-message';

const NOW = new Date(2025, 0, 31, 14, 30, 5);

describe('buildAck', () => {
  it('answers AA with swapped applications, ACK^event^ACK, new MSH-10, MSA-2 = original MSH-10', () => {
    const original = parseHl7(buildA01({ controlId: 'ORIG-0001' }));
    const ack = parseHl7(
      buildAck(original, { code: 'AA', controlId: 'ACK-0001', now: NOW, sendingApp: 'PASSERELLE', sendingFacility: 'FAC-GW' }),
    );
    expect(ack.field('MSH-3')).toBe('PASSERELLE');
    expect(ack.field('MSH-4')).toBe('FAC-GW');
    expect(ack.field('MSH-5')).toBe('GAP-TEST');
    expect(ack.field('MSH-6')).toBe('990000010');
    expect(ack.field('MSH-7')).toBe(formatHl7Timestamp(NOW));
    expect(ack.raw('MSH', 1, 9)).toBe('ACK^A01^ACK');
    expect(ack.field('MSH-10')).toBe('ACK-0001');
    expect(ack.field('MSH-11')).toBe('P');
    expect(ack.raw('MSH', 1, 12)).toBe('2.5^FRA^2.11');
    expect(ack.field('MSH-18')).toBe('UNICODE UTF-8');
    expect(ack.field('MSA-1')).toBe('AA');
    expect(ack.field('MSA-2')).toBe('ORIG-0001');
    expect(ack.has('ERR')).toBe(false);
  });

  it('defaults MSH-3/MSH-4 to the original receiving application/facility', () => {
    const ack = parseHl7(buildAck(parseHl7(buildA01()), { code: 'AA', controlId: 'X' }));
    expect(ack.field('MSH-3')).toBe('PASSERELLE');
    expect(ack.field('MSH-5')).toBe('GAP-TEST');
  });

  it('writes one HL7 v2.5 ERR per issue, escaping delimiters in texts', () => {
    const issues: Hl7Issue[] = [
      { segment: 'PID', sequence: 1, field: 3, code: 101, severity: 'E', text: 'PID-3 is required' },
      { segment: 'MSH', sequence: 1, field: 12, component: 2, code: 203, severity: 'W', text: 'should be FRA | see ^ spec' },
    ];
    const bytes = buildAck(parseHl7(buildA01()), { code: 'AE', controlId: 'C2', errors: issues, now: NOW });
    const ack = parseHl7(bytes);
    expect(ack.segmentsNamed('ERR')).toHaveLength(2);
    expect(ack.raw('ERR', 1, 2)).toBe('PID^1^3');
    expect(ack.raw('ERR', 1, 3)).toBe('101^Required field missing^HL70357');
    expect(ack.field('ERR-4')).toBe('E');
    expect(ack.field('ERR-8')).toBe('PID-3 is required');
    expect(ack.raw('ERR', 2, 2)).toBe('MSH^1^12^1^2');
    expect(ack.get('ERR', 2, 4)).toBe('W');
    expect(ack.get('ERR', 2, 8)).toBe('should be FRA | see ^ spec');
    expect(bytes.toString('utf8')).toContain('\\F\\');
  });

  it('encodes the ACK in the charset of the original', () => {
    const original = parseHl7(buildPam('A04', { charset: '8859/1', given: 'PRÉNOMTEST' }));
    const bytes = buildAck(original, {
      code: 'AE',
      controlId: 'C3',
      errors: [{ segment: 'PID', code: 102, severity: 'E', text: 'donnée invalide' }],
    });
    expect(bytes.includes(Buffer.from('donnée', 'latin1'))).toBe(true);
    expect(parseHl7(bytes).field('ERR-8')).toBe('donnée invalide');
    expect(parseHl7(bytes).field('MSH-18')).toBe('8859/1');
  });

  it('keeps the original delimiters', () => {
    const original = parseHl7('MSH#*$!@#APP#FAC#GW#GWF#20250101##ADT*A04#C9#P#2.5*FRA*2.11\rPID###1');
    const ack = buildAck(original, { code: 'AA', controlId: 'K1', now: NOW }).toString();
    expect(ack.startsWith('MSH#*$!@#GW#GWF#APP#FAC#')).toBe(true);
    expect(ack).toContain('#ACK*A04*ACK#K1#P#2.5*FRA*2.11');
    expect(ack).toContain('MSA#AA#C9');
  });
});

describe('buildNakFromRaw', () => {
  it('salvages MSH fields of a frame that does not parse and answers AR', () => {
    const raw = Buffer.from(
      'MSH|^~\\&|GAP|FAC|GW|GWF|20250101||ADT^A01|CTRL-77|P|2.5^FRA^2.11|||||FRA|8859/1\rPID|||1\r\u0001zz|x',
      'latin1',
    );
    const nak = parseHl7(buildNakFromRaw(raw, 'message cannot be parsed', 'NAK-1', { now: NOW, sendingApp: 'PASSERELLE' }));
    expect(nak.field('MSA-1')).toBe('AR');
    expect(nak.field('MSA-2')).toBe('CTRL-77');
    expect(nak.field('MSH-3')).toBe('PASSERELLE');
    expect(nak.field('MSH-5')).toBe('GAP');
    expect(nak.raw('MSH', 1, 9)).toBe('ACK^A01^ACK');
    expect(nak.field('MSH-10')).toBe('NAK-1');
    expect(nak.field('MSH-18')).toBe('8859/1');
    expect(nak.raw('ERR', 1, 3)).toBe('207^Application internal error^HL70357');
    expect(nak.field('ERR-8')).toBe('message cannot be parsed');
  });

  it('maps an Hl7ParseError to its location and code', () => {
    const raw = MALFORMED.truncatedMsh();
    let err: unknown;
    try {
      parseHl7(raw);
    } catch (e) {
      err = e;
    }
    const nak = parseHl7(buildNakFromRaw(raw, err as Hl7ParseError, 'NAK-2'));
    expect(nak.raw('ERR', 1, 2)).toBe('MSH^1^2');
    expect(nak.raw('ERR', 1, 3)).toMatch(/^101\^/);
  });

  it('salvages MSH-10 even when MSH-2 is unusable', () => {
    const nak = parseHl7(buildNakFromRaw(Buffer.from('MSH|^^|GAP|FAC|||2025||ADT^A01|CTRL-88|P|2.5\r'), 'bad MSH-2', 'N3'));
    expect(nak.field('MSA-2')).toBe('CTRL-88');
  });

  it.each(Object.entries(MALFORMED))('never throws and stays parseable: %s', (_name, make) => {
    const nak = buildNakFromRaw(make(), 'x', 'N4');
    expect(parseHl7(nak).field('MSA-1')).toBe('AR');
  });

  it('drops an MSH-18 it could not honour', () => {
    const nak = parseHl7(buildNakFromRaw(Buffer.from('MSH|^~\\&|A|B|||1||ADT^A01|C|P|2.5||||||UNICODE UTF-16\r'), 'x', 'N5'));
    expect(nak.field('MSH-18')).toBe('');
  });

  it('never echoes patient data from the frame', () => {
    const raw = buildA01({ controlId: 'C-PII' });
    const text = buildNakFromRaw(raw, 'rejected', 'N6').toString('latin1');
    for (const secret of [SAMPLE_NIR, SAMPLE_INSURED_NIR, SAMPLE_FAMILY, '19851201']) expect(text).not.toContain(secret);
  });

  it('echoes only printable ASCII, so the NAK is readable in the charset it declares (found by the fuzz test)', () => {
    const raw = Buffer.concat([
      Buffer.from('MSH|^~\\&|GAP', 'latin1'),
      Buffer.from([0xfc, 0x00]),
      Buffer.from('|FAC|||20250101||ADT^A1', 'latin1'),
      Buffer.from([0xec]),
      Buffer.from('|CTRL|P|2.5|||||FRA|UNICODE UTF-8\rPID|bad', 'latin1'),
    ]);
    const nak = buildNakFromRaw(raw, 'payload bytes are not valid', 'NAK-9');
    expect(nak.every((b) => b === 0x0d || (b >= 0x20 && b <= 0x7e))).toBe(true);
    const msg = parseHl7(nak);
    expect([msg.get('MSA', 1, 1), msg.get('MSA', 1, 2), msg.field('MSH-5'), msg.field('MSH-18')]).toEqual([
      'AR',
      'CTRL',
      'GAP??',
      'UNICODE UTF-8',
    ]);
  });
});
