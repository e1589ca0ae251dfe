/**
 * HL7 v2.5 original-mode acknowledgements (ACK with MSA and one ERR per issue).
 *
 * Texts put in ERR-8 come from validators and name fields and rules only: never a value read from the
 * message (the rule "no NIR, name or birth date outside the inbox" applies to ACKs too, they get logged).
 */
import { resolveCharset } from './hl7-charset';
import { escapeHl7, type Hl7Delimiters, piece } from './hl7-escape';
import { type Hl7Message, Hl7ParseError } from './hl7-message';

export type AckCode = 'AA' | 'AE' | 'AR';

export interface Hl7Issue {
  segment: string;
  /** Occurrence of the segment (ERL-2), 1 for the first. */
  sequence?: number;
  field?: number;
  component?: number;
  /** HL7 table 0357 code. */
  code: number;
  severity: 'E' | 'W';
  /** Why, for the GAP team: field names and rules only, never patient data. */
  text: string;
}

/** HL7 table 0357 (message error condition codes), v2.5. */
export const HL7_ERROR_CODES: Readonly<Record<number, string>> = {
  0: 'Message accepted',
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
  204: 'Unknown key identifier',
  205: 'Duplicate key identifier',
  206: 'Application record locked',
  207: 'Application internal error',
};

export interface AckOptions {
  code: AckCode;
  errors?: Hl7Issue[];
  /** MSH-10 of the ACK: unique, chosen by the caller (e.g. ControlIdGenerator). */
  controlId: string;
  now?: Date;
  /** Our own application/facility (MSH-3/MSH-4). Default: the original MSH-5/MSH-6. */
  sendingApp?: string;
  sendingFacility?: string;
}

const DEFAULT_DELIMITERS: Hl7Delimiters = {
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
};

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** HL7 DTM with seconds and UTC offset, in the local time zone: 20250131143000+0100. */
export function formatHl7Timestamp(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return (
    `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}${pad(d.getHours())}${pad(d.getMinutes())}` +
    `${pad(d.getSeconds())}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** Raw MSH field values copied into the ACK (already escaped in the original's delimiters). */
interface MshCopy {
  app: string; // MSH-3
  facility: string; // MSH-4
  receivingApp: string; // MSH-5
  receivingFacility: string; // MSH-6
  event: string; // MSH-9.2
  controlId: string; // MSH-10
  processingId: string; // MSH-11
  version: string; // MSH-12
  country: string; // MSH-17
  charset: string; // MSH-18
}

function errSegment(issue: Hl7Issue, d: Hl7Delimiters): string {
  const c = d.component;
  // ERR-2 (ERL): segment ^ segment sequence ^ field ^ field repetition ^ component; trailing empties dropped.
  const rep = issue.component !== undefined ? 1 : '';
  const loc = [escapeHl7(issue.segment, d), issue.sequence ?? '', issue.field ?? '', rep, issue.component ?? ''];
  while (loc.length > 0 && loc[loc.length - 1] === '') loc.pop();
  const label = HL7_ERROR_CODES[issue.code] ?? 'Error';
  // ERR-3 is the 0357 code (CWE), ERR-4 the severity, ERR-8 the user message.
  const code = `${issue.code}${c}${label}${c}HL70357`;
  return ['ERR', '', loc.join(c), code, issue.severity, '', '', '', escapeHl7(issue.text, d)].join(d.field);
}

function assemble(m: MshCopy, d: Hl7Delimiters, o: Omit<AckOptions, 'errors'>, errors: Hl7Issue[]): string {
  const f = d.field;
  const c = d.component;
  const msh = [
    `MSH${f}${d.component}${d.repetition}${d.escape}${d.subcomponent}`,
    o.sendingApp !== undefined ? escapeHl7(o.sendingApp, d) : m.receivingApp,
    o.sendingFacility !== undefined ? escapeHl7(o.sendingFacility, d) : m.receivingFacility,
    m.app,
    m.facility,
    formatHl7Timestamp(o.now ?? new Date()),
    '',
    m.event === '' ? 'ACK' : `ACK${c}${m.event}${c}ACK`,
    escapeHl7(o.controlId, d),
    m.processingId || 'P',
    m.version || `2.5${c}FRA${c}2.11`,
    '',
    '',
    '',
    '',
    m.country,
    m.charset,
  ]
    .join(f)
    .replace(new RegExp(`\\${f}+$`), '');
  const segments = [msh, ['MSA', o.code, m.controlId].join(f)];
  for (const e of errors) segments.push(errSegment(e, d));
  return segments.join('\r') + '\r';
}

/** ACK for a parsed message, encoded in the original's charset, with the original's delimiters. */
export function buildAck(original: Hl7Message, opts: AckOptions): Buffer {
  const d = original.delimiters;
  const raw = (n: number): string => original.raw('MSH', 1, n);
  const copy: MshCopy = {
    app: raw(3),
    facility: raw(4),
    receivingApp: raw(5),
    receivingFacility: raw(6),
    event: piece(piece(raw(9), d.repetition, 1), d.component, 2),
    controlId: raw(10),
    processingId: raw(11),
    version: raw(12),
    country: raw(17),
    charset: raw(18),
  };
  return original.codec.encode(assemble(copy, d, opts, opts.errors ?? []));
}

export interface NakOptions {
  now?: Date;
  sendingApp?: string;
  sendingFacility?: string;
  /** Default AR: the message cannot be processed as sent (HL7 2.9.2). */
  code?: 'AE' | 'AR';
  /** Table 0357 code used when `reason` is a plain string. Default 207. */
  errorCode?: number;
}

/** Reads MSH-1/MSH-2 leniently; undefined when they are not usable as delimiters. */
function lenientDelimiters(msh: string): Hl7Delimiters | undefined {
  if (msh.length < 8 || !msh.startsWith('MSH')) return undefined;
  const chars = msh.slice(3, 8);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what an encoding character must not be
  if (new Set(chars).size !== 5 || /[\sA-Za-z0-9\x00-\x1f\x7f-\xff]/.test(chars)) return undefined;
  return { field: chars[0], component: chars[1], repetition: chars[2], escape: chars[3], subcomponent: chars[4] };
}

function reasonToIssue(reason: string | Hl7Issue | Hl7ParseError, errorCode: number): Hl7Issue {
  if (typeof reason === 'string') return { segment: '', code: errorCode, severity: 'E', text: reason };
  if (reason instanceof Hl7ParseError) {
    const { segment, sequence, field, code } = reason;
    return { segment, sequence, field, code, severity: 'E', text: reason.reason };
  }
  return reason;
}

const LAST_RESORT = 'MSH|^~\\&|||||||ACK|0|P|2.5\rMSA|AR|\r';

/**
 * NAK for a frame that could not be parsed: salvages MSH-3..6, MSH-9 event, MSH-10, MSH-11, MSH-12, MSH-18
 * by a tolerant split of the first line, answers AR with one ERR. Never throws.
 * Built in latin1 from the raw bytes, so copied fields keep their exact bytes whatever the charset.
 */
export function buildNakFromRaw(
  rawFrame: Buffer,
  reason: string | Hl7Issue | Hl7ParseError,
  controlId: string,
  opts: NakOptions = {},
): Buffer {
  try {
    let start = 0;
    // Leading CR/LF/VT: a sloppy sender's blank lines or a stray MLLP start byte.
    while (start < rawFrame.length && [0x0d, 0x0a, 0x0b].includes(rawFrame[start])) start++;
    const text = rawFrame.toString('latin1', start, Math.min(rawFrame.length, start + 4096));
    const msh = text.split(/[\r\n]/, 1)[0];
    const theirs = lenientDelimiters(msh);
    const d = theirs ?? DEFAULT_DELIMITERS;
    // Unusable MSH-2 but a plausible MSH-1: still salvage values, stripped of anything that is a delimiter of ours,
    // so that MSA-2 can carry MSH-10 and the sender can match the NAK.
    const sep = theirs?.field ?? (msh.startsWith('MSH') && /^[!-/:-@[-`{-~]$/.test(msh.charAt(3)) ? msh[3] : undefined);
    const raw = (n: number): string => {
      if (sep === undefined) return '';
      // Printable ASCII only: the frame was not readable, maybe not even in the charset it declares, and the NAK must
      // be valid in any ASCII-compatible charset it ends up declaring (the fuzz test found latin1 bytes echoed under
      // MSH-18 UNICODE UTF-8, making our own NAK unreadable).
      const v = piece(msh, sep, n).replace(/[^\x20-\x7e]/g, '?');
      return theirs !== undefined ? v : v.replace(/[|^~\\&]/g, '');
    };
    let charset = raw(18);
    try {
      resolveCharset(piece(piece(charset, d.repetition, 1), d.component, 1));
    } catch {
      charset = ''; // unknown or not ASCII-compatible: our ASCII NAK would lie about its bytes
    }
    const copy: MshCopy = {
      app: raw(3),
      facility: raw(4),
      receivingApp: raw(5),
      receivingFacility: raw(6),
      event: piece(piece(raw(9), d.repetition, 1), d.component, 2),
      controlId: raw(10),
      processingId: raw(11),
      version: raw(12),
      country: raw(17),
      charset,
    };
    const issue = reasonToIssue(reason, opts.errorCode ?? 207);
    const { now, sendingApp, sendingFacility } = opts;
    const ack = { code: opts.code ?? 'AR', controlId, now, sendingApp, sendingFacility };
    return Buffer.from(assemble(copy, d, ack, [issue]), 'latin1');
  } catch {
    return Buffer.from(LAST_RESORT, 'latin1');
  }
}
