/**
 * Writes one B2 record from typed values, walking its declaration (no per-record code): every field padded as its
 * kind says, constants filled in. Nothing is ever truncated or dropped: a value that does not fit its field, or
 * cannot be written in it, throws a B2WriteError naming the record type, the field and the invoice — never the value.
 */
import { toB2Date } from './b2-date';
import { B2WriteError } from './b2-errors';
import { isB2Alnum, toB2Text } from './b2-text';
import { type B2Value, type B2Values } from './b2-values';
import { b2FinessForm } from './corsican-finess';
import { type CompiledField, type CompiledRecord, type LayoutSet } from './layout-loader';

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function encodeField(rec: CompiledRecord, f: CompiledField, v: B2Value | undefined, invoice: string | undefined): string {
  const fail = (problem: ConstructorParameters<typeof B2WriteError>[3], detail: string): never => {
    throw new B2WriteError(rec.code, f.name, invoice, problem, detail);
  };
  // A constant may be left out or given as written.
  if (f.constant !== undefined && v === f.constant) return f.constant;
  if (v === undefined || v === '') {
    if (f.constant !== undefined) return f.constant;
    if (f.mandatory) fail('missing', 'mandatory field has no value');
    return f.empty;
  }
  let out: string;
  switch (f.kind) {
    case 'A': {
      if (typeof v !== 'string') return fail('not-representable', 'expects text');
      let s = f.finess ? b2FinessForm(v) : v;
      if (f.text) {
        const t = toB2Text(s);
        if (t === undefined) return fail('not-representable', 'has characters with no upper-case ASCII reading');
        s = t;
      } else if (!isB2Alnum(s)) {
        return fail('not-representable', 'accepts upper-case ASCII letters, digits and spaces only');
      }
      if (s.length > f.length) return fail('too-long', `${s.length} characters, the field holds ${f.length}`);
      if (f.mandatory && f.constant === undefined && s.trimEnd() === '') return fail('missing', 'mandatory field is blank');
      out = s.length === f.length ? s : s.padEnd(f.length, ' ');
      break;
    }
    case 'N':
    case 'M': {
      let digits: string;
      if (typeof v === 'number') {
        if (!Number.isSafeInteger(v)) {
          return fail('not-representable', f.kind === 'M' ? 'an amount is an integer number of cents' : 'expects an integer');
        }
        if (v < 0) return fail('not-representable', f.kind === 'M' ? 'amounts are unsigned' : 'must not be negative');
        digits = String(v);
      } else if (f.code) {
        digits = f.finess ? b2FinessForm(v) : v;
        if (!isDigits(digits)) return fail('not-representable', 'accepts digits only');
      } else {
        return fail('not-representable', f.kind === 'M' ? 'an amount is an integer number of cents' : 'expects an integer');
      }
      if (digits.length > f.length) return fail('too-long', `${digits.length} digits, the field holds ${f.length}`);
      out = digits.length === f.length ? digits : digits.padStart(f.length, '0');
      break;
    }
    case 'D': {
      const d = typeof v === 'string' ? toB2Date(v) : undefined;
      if (d === undefined) return fail('bad-date', 'expects a real day as YYYY-MM-DD or AAMMJJ');
      out = d;
      break;
    }
  }
  if (f.constant !== undefined && out !== f.constant) fail('constant', `is fixed to "${f.constant}"`);
  return out;
}

/** The 128-character line of one record (without end of line). */
export function writeRecord(set: LayoutSet, code: string, values: B2Values, invoice?: string): string {
  const rec = set.records.get(code);
  const inv = invoice ?? (typeof values.invoiceNumber === 'string' ? values.invoiceNumber : undefined);
  if (rec === undefined) throw new B2WriteError(code, undefined, inv, 'unknown-record', 'no such record in the layout declarations');
  for (const name in values) {
    if (!rec.byName.has(name) && values[name] !== undefined)
      throw new B2WriteError(code, name, inv, 'unknown-field', 'no such field in this record');
  }
  let line = '';
  for (const f of rec.fields) line += encodeField(rec, f, values[f.name], inv);
  return line;
}
