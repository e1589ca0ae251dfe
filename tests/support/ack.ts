import { parseHl7 } from '../../src/hl7/hl7-message';

/** The parts of an ACK the tests look at. */
export function readAck(ack: Buffer): { code: string; controlId: string; ackControlId: string; errors: string[]; text: string } {
  const msg = parseHl7(ack);
  return {
    code: msg.get('MSA', 1, 1),
    ackControlId: msg.get('MSA', 1, 2),
    controlId: msg.get('MSH', 1, 10),
    errors: msg.segmentsNamed('ERR').map((_, i) => `${msg.raw('ERR', i + 1, 2)}|${msg.get('ERR', i + 1, 3)}|${msg.get('ERR', i + 1, 8)}`),
    text: ack.toString('latin1'),
  };
}
