/**
 * Reads one RSF line into its record type and typed values, walking the year's declaration. Every problem of the
 * line is collected (not only the first), each naming line, record type and field, never the value.
 */
import { isIsoDate } from '../../identifiers';
import { rsfError, type RsfError } from './rsf-errors';
import type { RsfCompiledField, RsfLayout } from './rsf-layout';
import type { RsfRecordType } from './rsf-layout-declaration';

export type RsfValue = string | number;

export interface RsfRecord {
  readonly type: RsfRecordType;
  readonly line: number;
  /** By our field name; absent when blank (or an all-zero date). A: trimmed text; N and D: strings; I and M: numbers. */
  readonly values: Readonly<Record<string, RsfValue>>;
}

export interface RsfLineReading {
  /** Undefined when the record type is unknown. */
  readonly record?: RsfRecord;
  readonly errors: readonly RsfError[];
}

const DIGITS = /^\d+$/;
const isDigits = (s: string): boolean => DIGITS.test(s);

function isBlank(s: string): boolean {
  return s.trim() === '';
}

/** One field → its value, undefined when absent, or the problem. */
function readField(f: RsfCompiledField, raw: string): { value?: RsfValue; problem?: [RsfError['problem'], string] } {
  if (isBlank(raw)) return f.mandatory ? { problem: ['missing', 'mandatory field is blank'] } : {};
  switch (f.kind) {
    case 'A':
      return { value: raw.trim() };
    case 'N':
      return isDigits(raw) ? { value: raw } : { problem: ['not-numeric', 'is not numeric'] };
    case 'I':
    case 'M':
      return isDigits(raw) ? { value: Number(raw) } : { problem: ['not-numeric', 'is not numeric'] };
    case 'D': {
      if (!isDigits(raw)) return { problem: ['not-numeric', 'is not numeric (JJMMAAAA)'] };
      if (/^0+$/.test(raw)) return f.mandatory ? { problem: ['missing', 'mandatory date is zero'] } : {};
      const iso = `${raw.slice(4, 8)}-${raw.slice(2, 4)}-${raw.slice(0, 2)}`;
      return isIsoDate(iso) ? { value: iso } : { problem: ['bad-date', 'is not a real day (JJMMAAAA)'] };
    }
  }
}

/** One line (without its end of line) → record and problems. */
export function parseRsfLine(layout: RsfLayout, text: string, lineNumber: number): RsfLineReading {
  const rec = layout.records.get(text.charAt(0));
  if (rec === undefined) {
    const declared = [...layout.records.keys()].join(', ');
    return { errors: [rsfError(lineNumber, 'unknown-record', `the first character is not a declared record type (${declared})`)] };
  }
  const errors: RsfError[] = [];
  if (text.length !== rec.length) {
    const problem = text.length < rec.length ? 'short-line' : 'long-line';
    errors.push(rsfError(lineNumber, problem, `has ${text.length} characters, a record ${rec.type} has ${rec.length}`, rec.type));
  }
  const values: Record<string, RsfValue> = {};
  for (const f of rec.fields) {
    // A short line still gives the fields it holds whole (the invoice links, often): the rest are not read.
    if (f.start + f.length > text.length) break;
    const read = readField(f, text.slice(f.start, f.start + f.length));
    if (read.problem !== undefined) errors.push(rsfError(lineNumber, read.problem[0], read.problem[1], rec.type, f));
    else if (read.value !== undefined) values[f.name] = read.value;
  }
  return { record: { type: rec.type, line: lineNumber, values }, errors };
}
