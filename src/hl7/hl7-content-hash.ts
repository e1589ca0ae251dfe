import { createHash } from 'node:crypto';
import { type Hl7Message } from './hl7-message';

/**
 * What makes two messages "the same message" for the (MSH-3, MSH-4, MSH-10) idempotency key: SHA-256 of the decoded
 * segments, CR-separated, trailing empty fields dropped, with MSH-7 emptied.
 *
 * Only MSH-7 (date/time of message) is left out: interface engines stamp it again when they retransmit. Nothing else
 * is: MSH-10 is the key itself; EVN-2 (recorded date/time) and EVN-6 are when the event happened in the GAP and do
 * not change on a resend; anything else that changed is a different message and must not be answered with another
 * patient's ACK. Decoding first makes the hash independent of the charset and of \r vs \r\n line ends.
 */
export function hl7ContentHash(msg: Hl7Message): string {
  const h = createHash('sha256');
  const sep = msg.delimiters.field;
  for (const s of msg.segments) {
    let text = s.raw;
    if (s.name === 'MSH') {
      const fields = text.split(sep);
      if (fields.length > 6) fields[6] = ''; // pieces: MSH, MSH-2, MSH-3 … so index 6 is MSH-7
      text = fields.join(sep);
    }
    let end = text.length;
    while (end > 3 && text[end - 1] === sep) end--;
    h.update(text.slice(0, end));
    h.update('\r');
  }
  return h.digest('hex');
}

/** Hash of a frame that could not be parsed (used to count the attempts of a failing message). */
export function rawContentHash(frame: Buffer): string {
  return createHash('sha256').update(frame).digest('hex');
}
