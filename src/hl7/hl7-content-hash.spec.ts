import { buildPamText } from '../../tests/support/hl7-samples';
import { hl7ContentHash } from './hl7-content-hash';
import { parseHl7 } from './hl7-message';

const hash = (text: string): string => hl7ContentHash(parseHl7(text));

describe('hl7ContentHash (what makes a resend the same message)', () => {
  const text = buildPamText('A01', { controlId: 'H-1' });

  it('ignores MSH-7 (stamped again by engines on retransmission), line ends and trailing empty fields', () => {
    const restamped = text.replace('|20250115083500||ADT', '|20250116000000||ADT');
    expect(restamped).not.toBe(text);
    expect(hash(restamped)).toBe(hash(text));
    expect(hash(text.replace(/\r/g, '\r\n'))).toBe(hash(text));
    expect(hash(text.replace(/\rPID\|([^\r]*)/, '\rPID|$1|||'))).toBe(hash(text));
  });

  it('sees every other change: EVN-2, the patient, the visit, MSH-10', () => {
    expect(hash(text.replace(/\rEVN\|\|20250115083500/, '\rEVN||20250115083501'))).not.toBe(hash(text));
    expect(hash(text.replace('TESTNOM-ZZQ', 'AUTRE'))).not.toBe(hash(text));
    expect(hash(text.replace('NDA-TEST-0001', 'NDA-TEST-0002'))).not.toBe(hash(text));
    expect(hash(text.replace('|H-1|', '|H-2|'))).not.toBe(hash(text));
  });
});
