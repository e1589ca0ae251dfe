/**
 * Writes one B2 record from typed values, walking its declaration (no per-record code): every field padded as its
 * kind says, constants filled in. Nothing is ever truncated or dropped: a value that does not fit its field, or
 * cannot be written in it, throws a B2WriteError naming the record type, the field and the invoice — never the value.
 *
 * Fields are encoded straight into bytes (ASCII): the file writer renders whole lots this way without building a
 * string per field — at tens of thousands of invoices a second, those strings were most of the cost (garbage).
 */
import { toB2Date } from './b2-date';
import { B2WriteError, type B2WriteProblem } from './b2-errors';
import { isB2Alnum, toB2Text } from './b2-text';
import { type B2Value, type B2Values } from './b2-values';
import { b2FinessForm } from './corsican-finess';
import { type CompiledField, type CompiledRecord, type LayoutSet } from './layout-loader';

const ZERO = 48;
const SPACE = 32;

function fail(rec: CompiledRecord, f: CompiledField, invoice: string | undefined, problem: B2WriteProblem, detail: string): never {
  throw new B2WriteError(rec.code, f.name, invoice, problem, detail);
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `s` (ASCII, length ≤ n) left-aligned in n bytes, `pad` after it. */
function putLeft(out: Uint8Array, at: number, n: number, s: string, pad: number): void {
  let i = 0;
  for (; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  for (; i < n; i++) out[at + i] = pad;
}

/** `s` (digits, length ≤ n) right-aligned in n bytes, zeros before it. */
function putRight(out: Uint8Array, at: number, n: number, s: string): void {
  const lead = n - s.length;
  for (let i = 0; i < lead; i++) out[at + i] = ZERO;
  for (let i = 0; i < s.length; i++) out[at + lead + i] = s.charCodeAt(i);
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at `i` as a number, or -1. */
function twoDigits(v: string, i: number): number {
  const a = v.charCodeAt(i) - ZERO;
  const b = v.charCodeAt(i + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * 'YYYY-MM-DD' or 'AAMMJJ' written as AAMMJJ at `p`, without building a string (the hot path: every record has
 * dates); false when it is not a real day. Same rules as b2-date.ts's toB2Date (the specs hold both to them).
 */
function putDate(out: Uint8Array, p: number, v: string): boolean {
  let y: number;
  let o: number; // offset of YY in v
  let mo: number;
  let dd: number;
  if (v.length === 10 && v.charCodeAt(4) === 45 && v.charCodeAt(7) === 45) {
    const c = twoDigits(v, 0);
    const yy = twoDigits(v, 2);
    if (c < 0 || yy < 0) return false;
    y = c * 100 + yy;
    o = 2;
    mo = twoDigits(v, 5);
    dd = twoDigits(v, 8);
    if (mo === 2 && dd === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return false;
  } else if (v.length === 6) {
    y = twoDigits(v, 0);
    if (y < 0) return false;
    o = 0;
    mo = twoDigits(v, 2);
    dd = twoDigits(v, 4);
    if (mo === 2 && dd === 29 && y % 4 !== 0) return false;
  } else {
    return false;
  }
  if (mo < 1 || mo > 12 || dd < 1 || dd > DAYS[mo - 1]) return false;
  out[p] = v.charCodeAt(o);
  out[p + 1] = v.charCodeAt(o + 1);
  const m0 = o === 2 ? 5 : 2;
  const d0 = o === 2 ? 8 : 4;
  out[p + 2] = v.charCodeAt(m0);
  out[p + 3] = v.charCodeAt(m0 + 1);
  out[p + 4] = v.charCodeAt(d0);
  out[p + 5] = v.charCodeAt(d0 + 1);
  return true;
}

function encodeField(
  rec: CompiledRecord,
  f: CompiledField,
  v: B2Value | undefined,
  invoice: string | undefined,
  out: Uint8Array,
  at: number,
): void {
  const p = at + f.start;
  const n = f.length;
  // A constant may be left out or given as written.
  if (f.constant !== undefined && (v === undefined || v === '' || v === f.constant)) {
    putLeft(out, p, n, f.constant, SPACE);
    return;
  }
  if (v === undefined || v === '') {
    if (f.mandatory) fail(rec, f, invoice, 'missing', 'mandatory field has no value');
    for (let i = 0; i < n; i++) out[p + i] = f.kind === 'A' ? SPACE : ZERO;
    return;
  }
  let written: string;
  switch (f.kind) {
    case 'A': {
      if (typeof v !== 'string') return fail(rec, f, invoice, 'not-representable', 'expects text');
      let s = f.finess ? b2FinessForm(v) : v;
      if (f.text) {
        const t = toB2Text(s);
        if (t === undefined) return fail(rec, f, invoice, 'not-representable', 'has characters with no upper-case ASCII reading');
        s = t;
      } else if (!isB2Alnum(s)) {
        return fail(rec, f, invoice, 'not-representable', 'accepts upper-case ASCII letters, digits and spaces only');
      }
      if (s.length > n) return fail(rec, f, invoice, 'too-long', `${s.length} characters, the field holds ${n}`);
      if (f.mandatory && s.trimEnd() === '') return fail(rec, f, invoice, 'missing', 'mandatory field is blank');
      putLeft(out, p, n, s, SPACE);
      written = s;
      break;
    }
    case 'N':
    case 'M': {
      if (typeof v === 'number') {
        if (!Number.isSafeInteger(v)) {
          return fail(
            rec,
            f,
            invoice,
            'not-representable',
            f.kind === 'M' ? 'an amount is an integer number of cents' : 'expects an integer',
          );
        }
        if (v < 0) return fail(rec, f, invoice, 'not-representable', f.kind === 'M' ? 'amounts are unsigned' : 'must not be negative');
        // Digits from the right, no intermediate string (small-integer arithmetic when it fits 31 bits).
        let x = v;
        if (x <= 0x7fffffff) {
          for (let i = n - 1; i >= 0; i--) {
            const q = (x / 10) | 0;
            out[p + i] = ZERO + x - q * 10;
            x = q;
          }
        } else {
          for (let i = n - 1; i >= 0; i--) {
            out[p + i] = ZERO + (x % 10);
            x = Math.floor(x / 10);
          }
        }
        if (x > 0) return fail(rec, f, invoice, 'too-long', `${String(v).length} digits, the field holds ${n}`);
        if (f.constant === undefined) return;
        written = String(v).padStart(n, '0');
        break;
      }
      if (!f.code) {
        return fail(
          rec,
          f,
          invoice,
          'not-representable',
          f.kind === 'M' ? 'an amount is an integer number of cents' : 'expects an integer',
        );
      }
      const digits = f.finess ? b2FinessForm(v) : v;
      if (!isDigits(digits)) return fail(rec, f, invoice, 'not-representable', 'accepts digits only');
      if (digits.length > n) return fail(rec, f, invoice, 'too-long', `${digits.length} digits, the field holds ${n}`);
      putRight(out, p, n, digits);
      written = digits;
      break;
    }
    case 'D': {
      if (typeof v !== 'string' || !putDate(out, p, v))
        return fail(rec, f, invoice, 'bad-date', 'expects a real day as YYYY-MM-DD or AAMMJJ');
      if (f.constant === undefined) return;
      written = toB2Date(v) ?? '';
      break;
    }
  }
  if (f.constant !== undefined && (f.kind === 'A' ? written.padEnd(n, ' ') : written.padStart(n, '0')) !== f.constant) {
    fail(rec, f, invoice, 'constant', `is fixed to "${f.constant}"`);
  }
}

let generation = 0;

/**
 * Encodes one record into `out` at `offset` (set.recordLength bytes, no end of line). On a B2WriteError the bytes
 * at `offset` are partly written: the caller discards them (the file writer drops the whole invoice).
 *
 * Walks the values' own keys (for-in is V8's fast path) rather than looking every declared field up in the values:
 * reading absent properties by computed name is megamorphic and cost ten times more. Each field given is marked
 * with this call's generation over a copy of the record's template (every field empty or at its constant); a
 * mandatory field left unmarked is then refused.
 */
export function writeRecordInto(
  set: LayoutSet,
  code: string,
  values: B2Values,
  invoice: string | undefined,
  out: Uint8Array,
  offset: number,
): void {
  const inv = invoice ?? (typeof values.invoiceNumber === 'string' ? values.invoiceNumber : undefined);
  const rec = set.records.get(code);
  if (rec === undefined) throw new B2WriteError(code, undefined, inv, 'unknown-record', 'no such record in the layout declarations');
  if (generation === 0xffffffff) {
    generation = 0;
    for (const r of set.records.values()) r.marks.fill(0);
  }
  const gen = ++generation;
  const marks = rec.marks;
  out.set(rec.template, offset);
  for (const name in values) {
    const v = values[name];
    if (v === undefined) continue;
    const f = rec.byName.get(name);
    // A typo must not drop a value silently.
    if (f === undefined) throw new B2WriteError(code, name, inv, 'unknown-field', 'no such field in this record');
    marks[f.index] = gen;
    encodeField(rec, f, v, inv, out, offset);
  }
  const required = rec.required;
  for (let i = 0; i < required.length; i++) {
    const f = required[i];
    if (marks[f.index] !== gen) fail(rec, f, inv, 'missing', 'mandatory field has no value');
  }
}

/**
 * Every field problem of one record, not just the first: what pre-flight reports on an invoice so that the billing
 * office fixes all of them in one pass. Empty when the record can be written.
 */
export function recordWriteProblems(set: LayoutSet, code: string, values: B2Values, invoice?: string): B2WriteError[] {
  const inv = invoice ?? (typeof values.invoiceNumber === 'string' ? values.invoiceNumber : undefined);
  const rec = set.records.get(code);
  if (rec === undefined) return [new B2WriteError(code, undefined, inv, 'unknown-record', 'no such record in the layout declarations')];
  const problems: B2WriteError[] = [];
  const scratch = Buffer.allocUnsafe(set.recordLength);
  // The problems are returned as values, never thrown on: their stack traces would only cost. Pre-flight calls this
  // on partial values (identity fields left out, each one a 'missing'), and capturing a stack per problem was ~10 %
  // of the gateway's CPU in the end-to-end benchmark (bench/fides-e2e.bench.ts).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const name in values) {
      if (values[name] !== undefined && !rec.byName.has(name)) {
        problems.push(new B2WriteError(code, name, inv, 'unknown-field', 'no such field in this record'));
      }
    }
    for (const f of rec.fields) {
      try {
        encodeField(rec, f, values[f.name], inv, scratch, 0);
      } catch (err) {
        if (!(err instanceof B2WriteError)) throw err;
        problems.push(err);
      }
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return problems;
}

/** The 128-character line of one record (without end of line). */
export function writeRecord(set: LayoutSet, code: string, values: B2Values, invoice?: string): string {
  const buf = Buffer.allocUnsafe(set.recordLength);
  writeRecordInto(set, code, values, invoice, buf, 0);
  return buf.toString('latin1');
}
