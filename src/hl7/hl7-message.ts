/**
 * Small, allocation-light HL7 v2 parser.
 *
 * Design choices (they are why it is fast, see bench/hl7-parse.bench.ts):
 * - the payload is decoded once, in the charset MSH-18 declares (MSH itself is read as latin1 first);
 * - segments keep their raw text; a segment is split into fields only when first read, and
 *   repetitions/components/sub-components are located with indexOf, so a read allocates one string;
 * - escape sequences are decoded only on the value actually read.
 * Delimiters always come from MSH-1/MSH-2, never hard-coded.
 */
import { type CharsetCodec, InvalidBytesError, resolveCharset, UnsupportedCharsetError } from './hl7-charset';
import { type Hl7Delimiters, piece } from './hl7-escape';
import { DEFAULT_HL7_LIMITS, type Hl7Limits } from './hl7-limits';
import { Hl7Segment } from './hl7-segment';

export type { Hl7Delimiters } from './hl7-escape';
export { Hl7Segment } from './hl7-segment';

/** Unparseable message. `code` is the HL7 table 0357 code an ACK should carry. Reasons never quote data. */
export class Hl7ParseError extends Error {
  readonly segment: string;
  readonly field?: number;
  readonly sequence?: number;
  readonly reason: string;
  readonly code: number;

  constructor(init: { segment: string; field?: number; sequence?: number; reason: string; code?: number }) {
    const where = init.field === undefined ? init.segment : `${init.segment}-${init.field}`;
    super(`HL7 parse error at ${where || 'message'}: ${init.reason}`);
    this.name = 'Hl7ParseError';
    this.segment = init.segment;
    this.field = init.field;
    this.sequence = init.sequence;
    this.reason = init.reason;
    this.code = init.code ?? 102;
  }
}

export interface Hl7ParseOptions {
  /** MSH-18 style name used when MSH-18 is empty. Default 'UNICODE UTF-8'. */
  defaultCharset?: string;
  /** Bounds checked while splitting (default DEFAULT_HL7_LIMITS); a message beyond them is an Hl7ParseError. */
  limits?: Hl7Limits;
}

const PATH = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?-(\d+)(?:\[(\d+)\])?(?:\.(\d+))?(?:\.(\d+))?$/;
type ParsedPath = readonly [string, number, number, number, number, number];
const pathCache = new Map<string, ParsedPath>();

function parsePath(path: string): ParsedPath {
  const hit = pathCache.get(path);
  if (hit !== undefined) return hit;
  const m = PATH.exec(path);
  if (m === null) throw new Error(`invalid HL7 path "${path}" (expected e.g. PID-3, PID-3.4.2, PID[1]-3[2].1)`);
  const n = (s: string | undefined): number => (s === undefined ? 1 : Number(s));
  const parsed: ParsedPath = [m[1], n(m[2]), Number(m[3]), n(m[4]), n(m[5]), n(m[6])];
  if (pathCache.size < 1000) pathCache.set(path, parsed); // paths are code constants; the bound is a safety net
  return parsed;
}

export class Hl7Message {
  readonly segments: Hl7Segment[] = [];
  /** Segments by name, built once while parsing: looking up IN1 #n is O(1), not a scan of the message. */
  private readonly byName = new Map<string, Hl7Segment[]>();

  constructor(
    readonly delimiters: Hl7Delimiters,
    /** Codec of the payload (MSH-18 or the default); ACKs are encoded with it. */
    readonly codec: CharsetCodec,
  ) {}

  /** MSH-18 value as declared ('' when absent, the default charset was used). */
  get charset(): string {
    return this.codec.hl7Name;
  }

  /** `occurrence`-th (1-based) segment with that name. */
  segment(name: string, occurrence = 1): Hl7Segment | undefined {
    return this.byName.get(name)?.[occurrence - 1];
  }

  segmentsNamed(name: string): readonly Hl7Segment[] {
    return this.byName.get(name) ?? [];
  }

  /** Appends a segment (the parser's, in message order). */
  add(segment: Hl7Segment): void {
    this.segments.push(segment);
    const list = this.byName.get(segment.name);
    if (list === undefined) this.byName.set(segment.name, [segment]);
    else list.push(segment);
  }

  has(name: string): boolean {
    return this.segment(name) !== undefined;
  }

  /** e.g. get('PID', 1, 3, 1, 1): segment name, occurrence, field, repetition, component, sub-component. */
  get(name: string, occurrence: number, field: number, repetition = 1, component = 1, subcomponent = 1): string {
    const s = this.segment(name, occurrence);
    return s === undefined ? '' : s.get(field, repetition, component, subcomponent);
  }

  /** Raw (still escaped, still structured) text of a field. */
  raw(name: string, occurrence: number, field: number): string {
    const s = this.segment(name, occurrence);
    return s === undefined ? '' : s.fieldRaw(field);
  }

  repetitionCount(name: string, occurrence: number, field: number): number {
    const s = this.segment(name, occurrence);
    return s === undefined ? 0 : s.repetitionCount(field);
  }

  /** String getter: 'MSH-10', 'MSH-9.2', 'PID-3[2].4.2', 'IN1[2]-49'. Component/repetition default to 1. */
  field(path: string): string {
    const [name, occ, field, rep, comp, sub] = parsePath(path);
    return this.get(name, occ, field, rep, comp, sub);
  }
}

const CR = 0x0d;
const LF = 0x0a;

function isAlnumOrSpace(c: number): boolean {
  return c <= 0x20 || c >= 0x7f || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function mshError(field: number | undefined, reason: string, code?: number): Hl7ParseError {
  return new Hl7ParseError({ segment: 'MSH', field, sequence: 1, reason, code });
}

/** Validates MSH-1/MSH-2 from the MSH line and returns the delimiters. */
function readDelimiters(msh: string): Hl7Delimiters {
  if (msh.length < 4) throw mshError(1, 'MSH-1 field separator missing', 101);
  const field = msh[3];
  if (isAlnumOrSpace(field.charCodeAt(0))) throw mshError(1, 'MSH-1 field separator is not a valid delimiter');
  const end = msh.indexOf(field, 4);
  const enc = end === -1 ? msh.slice(4) : msh.slice(4, end);
  if (enc.length < 4) {
    throw mshError(2, 'MSH-2 must declare 4 encoding characters', 101);
  }
  // A 5th character is the v2.7 truncation character: tolerated, unused.
  const all = field + enc;
  for (let i = 1; i < all.length; i++) {
    // indexOf < i: the character already appeared (delimiters must be distinct).
    if (all.length > 6 || all.indexOf(all[i]) < i || isAlnumOrSpace(all.charCodeAt(i))) {
      throw mshError(2, 'MSH-2 encoding characters are invalid');
    }
  }
  return { field, component: enc[0], repetition: enc[1], escape: enc[2], subcomponent: enc[3] };
}

/** Leading bytes tolerated before MSH: a UTF-8 BOM and blank lines some senders emit. */
function skipLeading(buf: Buffer): number {
  let i = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (i < buf.length && (buf[i] === CR || buf[i] === LF)) i++;
  return i;
}

const notMsh = (): Hl7ParseError => mshError(undefined, 'message does not start with an MSH segment', 100);

function resolveCodec(msh: string, d: Hl7Delimiters, opts: Hl7ParseOptions): CharsetCodec {
  // MSH-18 may repeat: the first repetition is the charset of the message.
  const msh18 = piece(piece(piece(msh, d.field, 18), d.repetition, 1), d.component, 1);
  try {
    return resolveCharset(msh18, opts.defaultCharset);
  } catch (err) {
    if (err instanceof UnsupportedCharsetError) {
      throw mshError(18, err.message, 103);
    }
    throw err;
  }
}

/** Segment name: [A-Z][A-Z0-9]{2}, tested on char codes (a regex here was measurable in the benchmark). */
function isSegmentName(line: string): boolean {
  if (line.length < 3) return false;
  const a = line.charCodeAt(0);
  const b = line.charCodeAt(1);
  const c = line.charCodeAt(2);
  const upperOrDigit = (x: number): boolean => (x >= 0x41 && x <= 0x5a) || (x >= 0x30 && x <= 0x39);
  return a >= 0x41 && a <= 0x5a && upperOrDigit(b) && upperOrDigit(c);
}

/**
 * Parses one HL7 v2 message (bytes as received, or an already decoded string).
 * Throws Hl7ParseError when the message cannot be read at all; content rules belong to the validators.
 */
export function parseHl7(input: Buffer | string, opts: Hl7ParseOptions = {}): Hl7Message {
  let text: string;
  let delimiters: Hl7Delimiters;
  let codec: CharsetCodec;
  if (typeof input === 'string') {
    text = input.replace(/^\uFEFF?[\r\n]*/, '');
    if (!text.startsWith('MSH')) throw notMsh();
    const eol = text.search(/[\r\n]/);
    const msh = eol === -1 ? text : text.slice(0, eol);
    delimiters = readDelimiters(msh);
    codec = resolveCodec(msh, delimiters, opts);
  } else {
    const start = skipLeading(input);
    if (input.length - start < 3 || input[start] !== 0x4d || input[start + 1] !== 0x53 || input[start + 2] !== 0x48) {
      throw notMsh();
    }
    let eol = start;
    while (eol < input.length && input[eol] !== CR && input[eol] !== LF) eol++;
    // MSH is ASCII by definition, so latin1 reads it byte-for-byte whatever the charset turns out to be.
    const msh = input.toString('latin1', start, eol);
    delimiters = readDelimiters(msh);
    codec = resolveCodec(msh, delimiters, opts);
    try {
      text = codec.decode(start === 0 ? input : input.subarray(start));
    } catch (err) {
      if (err instanceof InvalidBytesError) throw mshError(18, err.message);
      throw err;
    }
  }
  const msg = new Hl7Message(delimiters, codec);
  const limits = opts.limits ?? DEFAULT_HL7_LIMITS;
  // \r is the HL7 separator; \n and \r\n are accepted because files and some GAPs use them.
  const lines = text.indexOf('\n') === -1 ? text.split('\r') : text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length === 0) continue;
    const name = line.length >= 3 ? line.slice(0, 3) : line;
    const seq = msg.segments.length + 1;
    if (!isSegmentName(line) || (line.length > 3 && line[3] !== delimiters.field)) {
      if (line.trim() === '') continue; // trailing blanks after the last segment
      const reason = `segment #${seq} has an invalid segment name or field separator`;
      throw new Hl7ParseError({ segment: isSegmentName(line) ? name : '', sequence: seq, reason, code: 100 });
    }
    if (name === 'MSH' && seq > 1) {
      const reason = 'several MSH segments: batches are not accepted here';
      throw new Hl7ParseError({ segment: 'MSH', sequence: seq, reason, code: 100 });
    }
    if (seq > limits.maxSegments) {
      const reason = `message has more than ${limits.maxSegments} segments (limit of this gateway)`;
      throw new Hl7ParseError({ segment: name, sequence: seq, reason, code: 100 });
    }
    checkFieldBounds(line, name, seq, delimiters, limits);
    msg.add(new Hl7Segment(name, line, msg));
  }
  return msg;
}

/**
 * One pass over a segment's characters: no field longer than maxFieldLength, no field with more than maxRepetitions
 * repetitions. Linear in the segment length, so the whole parse stays linear in the message size.
 */
function checkFieldBounds(line: string, name: string, seq: number, d: Hl7Delimiters, limits: Hl7Limits): void {
  const fieldSep = d.field.charCodeAt(0);
  const repSep = d.repetition.charCodeAt(0);
  let field = 0;
  let start = 0;
  let reps = 1;
  const n = line.length;
  for (let i = 3; i <= n; i++) {
    const c = i === n ? fieldSep : line.charCodeAt(i);
    if (c === fieldSep) {
      if (i - start > limits.maxFieldLength) {
        const reason = `field longer than ${limits.maxFieldLength} characters (limit of this gateway)`;
        throw new Hl7ParseError({ segment: name, sequence: seq, field: fieldNumber(name, field), reason, code: 102 });
      }
      field++;
      start = i + 1;
      reps = 1;
    } else if (c === repSep && ++reps > limits.maxRepetitions && !(name === 'MSH' && field === 1)) {
      const reason = `field repeats more than ${limits.maxRepetitions} times (limit of this gateway)`;
      throw new Hl7ParseError({ segment: name, sequence: seq, field: fieldNumber(name, field), reason, code: 102 });
    }
  }
}

/** HL7 field number of the n-th separator-delimited piece (MSH counts its field separator as MSH-1). */
function fieldNumber(name: string, piece: number): number {
  return name === 'MSH' ? piece + 1 : piece;
}
