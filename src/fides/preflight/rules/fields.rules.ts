/**
 * Mandatory and too-long fields, per record type, read from the B2 declarations through draft-b2-fields.ts. The B2
 * writer would refuse such an invoice anyway — but at lot time, after the invoice was accepted; here the GAP hears
 * about it first, with the draft field named (and issue 9 §3: never truncated silently, too long is a pre-flight
 * error naming the field).
 */
import type { InvoiceDraft, InvoiceDraftLine } from '../../invoice-draft';
import { b2FieldOf, HEADER_FIELDS, LINE_FIELDS, type DraftB2Field } from '../draft-b2-fields';
import type { PreflightRule, RuleHit } from '../preflight-rule';

const isEmpty = (v: string | number | undefined): boolean => v === undefined || (typeof v === 'string' && v.trim() === '');

type Each = (m: Pick<DraftB2Field<unknown>, 'record' | 'b2Field'>, value: string | number | undefined, path: string) => RuleHit | undefined;

/** Walks the header mapping and every line's mapping, giving `each` the value and its full path. */
function walk(d: InvoiceDraft, each: Each): RuleHit[] {
  const out: RuleHit[] = [];
  const push = (h: RuleHit | undefined): void => {
    if (h !== undefined) out.push(h);
  };
  for (const m of HEADER_FIELDS) push(each(m, m.read(d), m.path));
  d.lines.forEach((line: InvoiceDraftLine, i) => {
    for (const m of LINE_FIELDS[line.kind]) push(each(m, m.read(line), `lines[${i}].${m.path}`));
  });
  return out;
}

/** Digits a value needs once written: amounts and scaled numbers are integers already (cents, 2 implied decimals). */
function writtenLength(value: string | number): number {
  return typeof value === 'number' ? String(Math.abs(Math.trunc(value))).length : value.length;
}

/** [public: SFG FIDES ACE] an invoice has 1 to 999 line records; each draft line is at least one of them. */
const MAX_LINES = 999;

export const FIELD_RULES: readonly PreflightRule[] = [
  {
    code: 'PF-LINES',
    field: 'lines',
    severity: 'error',
    message: '{field}: an invoice has 1 to {limit} lines',
    check: ({ draft }) =>
      draft.lines.length >= 1 && draft.lines.length <= MAX_LINES ? [] : [{ field: 'lines', params: { limit: String(MAX_LINES) } }],
  },
  {
    code: 'PF-MANDATORY',
    field: '*',
    severity: 'error',
    message: '{field} is missing: B2 record {record} field {b2Field} is mandatory',
    check: ({ draft }) =>
      walk(draft, (m, value, path) => {
        const f = b2FieldOf(m);
        return f.mandatory && f.constant === undefined && isEmpty(value)
          ? { field: path, params: { record: m.record, b2Field: m.b2Field } }
          : undefined;
      }),
  },
  {
    code: 'PF-FIELD-LENGTH',
    field: '*',
    severity: 'error',
    message: '{field} is longer than B2 record {record} field {b2Field} ({limit} characters): it would be truncated',
    check: ({ draft }) =>
      walk(draft, (m, value, path) => {
        if (isEmpty(value)) return undefined;
        const f = b2FieldOf(m);
        // Dates become AAMMJJ: their form is the date rules' business, not a length.
        if (f.kind === 'D') return undefined;
        return writtenLength(value as string | number) > f.length
          ? { field: path, params: { record: m.record, b2Field: m.b2Field, limit: String(f.length) } }
          : undefined;
      }),
  },
  {
    code: 'PF-FIELD-FORMAT',
    field: '*',
    severity: 'error',
    // An N/M field holds digits only; a negative amount cannot be written (B2 amounts are unsigned).
    message: '{field}: B2 record {record} field {b2Field} holds digits only (no sign, no letters)',
    check: ({ draft }) =>
      walk(draft, (m, value, path) => {
        if (isEmpty(value)) return undefined;
        const f = b2FieldOf(m);
        if (f.kind !== 'N' && f.kind !== 'M') return undefined;
        const ok = typeof value === 'number' ? Number.isSafeInteger(value) && value >= 0 : /^\d+$/.test(value as string);
        return ok ? undefined : { field: path, params: { record: m.record, b2Field: m.b2Field } };
      }),
  },
];
