/**
 * Low-level helpers shared by the parser and the ACK builder: locating one piece of a delimited string
 * without allocating the array of pieces, and HL7 escape sequences both ways.
 */
import { type CharsetCodec } from './hl7-charset';

export interface Hl7Delimiters {
  readonly field: string;
  readonly component: string;
  readonly repetition: string;
  readonly escape: string;
  readonly subcomponent: string;
}

/** `n`-th (1-based) piece of `s` cut on `sep`, without building the array of pieces. */
export function piece(s: string, sep: string, n: number): string {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const e = s.indexOf(sep, start);
    if (e === -1) return '';
    start = e + 1;
  }
  const end = s.indexOf(sep, start);
  if (start === 0) return end === -1 ? s : s.slice(0, end);
  return end === -1 ? s.slice(start) : s.slice(start, end);
}

export function countPieces(s: string, sep: string): number {
  let count = 1;
  for (let i = s.indexOf(sep); i !== -1; i = s.indexOf(sep, i + 1)) count++;
  return count;
}

const HEX_SEQUENCE = /^X(?:[0-9A-Fa-f]{2})+$/;

/** Decodes \F\ \S\ \T\ \R\ \E\ and \Xhh…\ (bytes in the message charset); other sequences stay verbatim. */
export function unescapeHl7(s: string, d: Hl7Delimiters, codec: CharsetCodec): string {
  const esc = d.escape;
  let i = s.indexOf(esc);
  if (i === -1) return s;
  let out = '';
  let last = 0;
  while (i !== -1) {
    const j = s.indexOf(esc, i + 1);
    if (j === -1) break; // a lone escape character is kept as data
    const seq = s.slice(i + 1, j);
    let rep: string | undefined;
    switch (seq) {
      case 'F':
        rep = d.field;
        break;
      case 'S':
        rep = d.component;
        break;
      case 'T':
        rep = d.subcomponent;
        break;
      case 'R':
        rep = d.repetition;
        break;
      case 'E':
        rep = esc;
        break;
      default:
        if (HEX_SEQUENCE.test(seq)) {
          try {
            rep = codec.decode(Buffer.from(seq.slice(1), 'hex'));
          } catch {
            rep = undefined; // bytes invalid in the charset: keep the sequence rather than lose data
          }
        }
    }
    if (rep === undefined) {
      // Unknown sequence (\H\, \.br\, \Zxx\…): keep it, and resume scanning after it.
      i = s.indexOf(esc, j + 1);
      continue;
    }
    out += s.slice(last, i) + rep;
    last = j + 1;
    i = s.indexOf(esc, last);
  }
  return last === 0 ? s : out + s.slice(last);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A value we put in an HL7 field, made safe: every control character (C0, DEL, C1) becomes a space. A carriage
 * return inside a value would end the segment (a CSV name "DUPONT\r" broke the A08's PID); the others have no
 * meaning in HL7 text and some receivers choke on them. Delimiters are not touched here: escapeHl7 (or the
 * builder's own escaping) does that. Every field of every message we build goes through this.
 */
export function hl7SafeText(s: string): string {
  return s.replace(CONTROL_CHARACTERS, ' ');
}

/** Escapes delimiter characters in free text we write (ACK texts, echoed values); control characters become spaces. */
export function escapeHl7(s: string, d: Hl7Delimiters): string {
  let out = '';
  for (const ch of hl7SafeText(s)) {
    if (ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else out += ch;
  }
  return out;
}
