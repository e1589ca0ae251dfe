/**
 * Reads one B2 line into its record code and typed values, walking the declaration the writer walks. The record is
 * recognised by its key fields (record type digit, complement letter…), the most specific declaration first. Errors
 * name the line number, the record type and the field, never the value.
 */
import { isB2Date } from './b2-date';
import { B2ParseError } from './b2-errors';
import { isB2Alnum } from './b2-text';
import { type B2Record, type B2Value } from './b2-values';
import { type CompiledRecord, type LayoutSet } from './layout-loader';

function matches(rec: CompiledRecord, line: string): boolean {
  for (const k of rec.keys) if (!line.startsWith(k.value, k.start)) return false;
  return true;
}

/** The declared record a line is, or undefined. Throws when two equally specific declarations both match. */
export function identifyRecord(set: LayoutSet, line: string, lineNumber: number): CompiledRecord | undefined {
  const order = set.matchOrder;
  for (let i = 0; i < order.length; i++) {
    const rec = order[i];
    if (!matches(rec, line)) continue;
    for (let j = i + 1; j < order.length && order[j].keys.length === rec.keys.length; j++) {
      if (matches(order[j], line))
        throw new B2ParseError(lineNumber, undefined, undefined, `matches both record ${rec.code} and ${order[j].code}`);
    }
    return rec;
  }
  return undefined;
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function allZeros(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== 48) return false;
  return true;
}

/** One line (without its end of line) → record code and values. */
export function parseRecord(set: LayoutSet, line: string, lineNumber: number): B2Record {
  if (line.length !== set.recordLength) {
    throw new B2ParseError(lineNumber, undefined, undefined, `has ${line.length} characters, a record has ${set.recordLength}`);
  }
  const rec = identifyRecord(set, line, lineNumber);
  if (rec === undefined) throw new B2ParseError(lineNumber, undefined, undefined, 'is not a declared record type');
  const values: Record<string, B2Value> = {};
  for (const f of rec.fields) {
    const raw = line.slice(f.start, f.start + f.length);
    const fail = (detail: string): never => {
      throw new B2ParseError(lineNumber, rec.code, f.name, detail);
    };
    if (f.constant !== undefined) {
      if (raw !== f.constant) fail(`must be "${f.constant}"`);
      continue;
    }
    switch (f.kind) {
      case 'A': {
        if (!isB2Alnum(raw)) fail('has characters other than upper-case ASCII letters, digits and spaces');
        const s = raw.trimEnd();
        if (s === '') {
          if (f.mandatory) fail('mandatory field is blank');
          continue;
        }
        values[f.name] = s;
        break;
      }
      case 'N':
      case 'M': {
        if (!allDigits(raw)) fail('is not numeric');
        if (!f.mandatory && allZeros(raw)) continue;
        values[f.name] = f.code ? raw : Number(raw);
        break;
      }
      case 'D': {
        if (!allDigits(raw)) fail('is not numeric');
        if (allZeros(raw)) {
          if (f.mandatory) fail('mandatory date is zero');
          continue;
        }
        if (!isB2Date(raw)) fail('is not a real day (AAMMJJ)');
        values[f.name] = raw;
        break;
      }
    }
  }
  return { code: rec.code, values };
}
