/**
 * Mandatory, too-long and unwritable fields: the B2 writer's own field checks (recordWriteProblems, the ones the lot
 * builder meets at lot time) run on the values the builder would write, taken through the same draft → B2 table
 * (../../lots/draft-b2-fields.ts). Nothing is checked twice in two ways: pre-flight only names the draft field the
 * writer's problem is about, so the GAP hears about it before the invoice is accepted (and issue 9 §3: never
 * truncated silently, too long is a pre-flight error naming the field).
 */
import { b2Layouts, recordWriteProblems } from '../../b2';
import type { B2WriteProblem } from '../../b2';
import type { InvoiceDraft } from '../../invoice-draft';
import { b2FieldOf, HEADER_FIELDS, headerValues, LINE_FIELDS, lineValues } from '../../lots/draft-b2-fields';
import type { PreflightRule, RuleHit } from '../preflight-rule';

interface FieldProblem {
  readonly path: string;
  readonly record: string;
  readonly b2Field: string;
  readonly problem: B2WriteProblem;
  readonly detail: string;
}

/** The writer's problems on the mapped fields of one record, in the table's order, each with its draft path. */
function mappedProblems(
  mapping: readonly { path: string; record: string; b2Field: string }[],
  record: string,
  values: Parameters<typeof recordWriteProblems>[2],
  prefix: string,
): FieldProblem[] {
  // Identity and establishment fields are not in the values: their "missing" is not the draft field's problem.
  const byField = new Map(recordWriteProblems(b2Layouts(), record, values).map((e) => [e.field, e]));
  return mapping.flatMap((m) => {
    const e = m.record === record ? byField.get(m.b2Field) : undefined;
    return e === undefined ? [] : [{ path: prefix + m.path, record, b2Field: m.b2Field, problem: e.problem, detail: e.detail }];
  });
}

const cache = new WeakMap<InvoiceDraft, readonly FieldProblem[]>();

/** Every field problem of the draft, computed once per draft for the three rules below. */
function fieldProblems(d: InvoiceDraft): readonly FieldProblem[] {
  let out = cache.get(d);
  if (out === undefined) {
    const records = [...new Set(HEADER_FIELDS.map((m) => m.record))];
    out = [
      ...records.flatMap((r) => mappedProblems(HEADER_FIELDS, r, headerValues(r, d), '')),
      ...d.lines.flatMap((line, i) => {
        const mapping = LINE_FIELDS[line.kind];
        return mappedProblems(mapping, mapping[0].record, lineValues(line, d), `lines[${i}].`);
      }),
    ];
    cache.set(d, out);
  }
  return out;
}

const hitsOf = (d: InvoiceDraft, problem: B2WriteProblem, hit: (p: FieldProblem) => RuleHit): RuleHit[] =>
  fieldProblems(d)
    .filter((p) => p.problem === problem)
    .map(hit);

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
    check: ({ draft }) => hitsOf(draft, 'missing', (p) => ({ field: p.path, params: { record: p.record, b2Field: p.b2Field } })),
  },
  {
    code: 'PF-FIELD-LENGTH',
    field: '*',
    severity: 'error',
    message: '{field} is longer than B2 record {record} field {b2Field} ({limit} characters): it would be truncated',
    check: ({ draft }) =>
      hitsOf(draft, 'too-long', (p) => ({
        field: p.path,
        params: { record: p.record, b2Field: p.b2Field, limit: String(b2FieldOf(p).length) },
      })),
  },
  {
    code: 'PF-FIELD-FORMAT',
    field: '*',
    severity: 'error',
    // The writer's reason: digits only, no sign on an amount, the B2 alphabet… (a bad date is the date rules').
    message: '{field}: B2 record {record} field {b2Field} cannot hold this value ({detail})',
    check: ({ draft }) =>
      hitsOf(draft, 'not-representable', (p) => ({ field: p.path, params: { record: p.record, b2Field: p.b2Field, detail: p.detail } })),
  },
];
