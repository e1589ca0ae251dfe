/**
 * Which B2 record and field each draft field becomes (as ../invoice-draft.ts documents it), and the value written
 * there: the one table both the B2 builder (draft-to-b2.ts, draft-line-records.ts) and pre-flight's field rules
 * (../preflight/rules/fields.rules.ts) read. "Mandatory" and "how long" come from the B2 layout declarations
 * (../b2/layouts), not from here: a certified editor who replaces a declaration changes what pre-flight demands and
 * what the builder writes without touching this file.
 *
 * `read` gives the value as the builder writes it (code gestion padded, "1+4" digits as the integer, the type 4
 * coefficient's 1.00 default), so pre-flight checks exactly what would be written.
 *
 * Left out, written by the builder from other sources: the identity every record repeats (NIR + key, rank, invoice
 * number, FINESS — other pre-flight rules own them, so one mistake gives one finding), the establishment's facts
 * (B2InvoiceContext), and the copies of a mapped field on other records (stay start as type 2 hospitalisationDate,
 * 3S prescriptionDate; stay end as type 3 stayEndDate), whose checks are those of the field they copy.
 */
import type { InvoiceDraft, InvoiceDraftLine, InvoiceDraftLineKind } from '../invoice-draft';
import { b2Layouts } from '../b2';
import type { B2Value, B2Values, CompiledField } from '../b2';

export interface DraftB2Field<T> {
  /** Path below the draft (header) or below the line (`lines[i].` is prefixed). */
  readonly path: string;
  readonly record: string;
  readonly b2Field: string;
  /** The value written in the B2 field; a line's reader also sees its draft (a type 3 dates from the stay). */
  readonly read: (from: T, draft: InvoiceDraft) => B2Value | undefined;
}

export type HeaderField = DraftB2Field<InvoiceDraft>;
export type LineField = DraftB2Field<InvoiceDraftLine>;

/** [modelled mapping] the 2-character code gestion is written in the 3-digit benefitRegime, zero on the left. */
export const managementCodeToBenefitRegime = (code: string | undefined): string | undefined =>
  code === undefined ? undefined : code.padStart(3, '0');

/** "1+4" fractioning coefficient as the source wrote its digits → the integer the writer scales (01000 → 1000). */
const splitCoefficient = (s: string | undefined): number | string | undefined => (s !== undefined && /^\d+$/.test(s) ? Number(s) : s);

export const HEADER_FIELDS: readonly HeaderField[] = [
  { path: 'entryNumber', record: '2', b2Field: 'entryNumber', read: (d) => d.entryNumber },
  { path: 'coverage.grandRegime', record: '2', b2Field: 'grandRegime', read: (d) => d.coverage.grandRegime },
  { path: 'coverage.managingFund', record: '2', b2Field: 'managingFund', read: (d) => d.coverage.managingFund },
  { path: 'coverage.managingCentre', record: '2', b2Field: 'managingCentre', read: (d) => d.coverage.managingCentre },
  {
    path: 'coverage.managementCode',
    record: '2',
    b2Field: 'benefitRegime',
    read: (d) => managementCodeToBenefitRegime(d.coverage.managementCode),
  },
  { path: 'coverage.insuranceNature', record: '2', b2Field: 'insuranceNature', read: (d) => d.coverage.insuranceNature },
  {
    path: 'coverage.exemptionJustification',
    record: '2',
    b2Field: 'exemptionJustification',
    read: (d) => d.coverage.exemptionJustification,
  },
  { path: 'coverage.accidentReference', record: '2', b2Field: 'accidentReference', read: (d) => d.coverage.accidentReference },
  { path: 'coverage.contractType', record: '2', b2Field: 'contractType', read: (d) => d.coverage.contractType },
  { path: 'coverage.complementaryOrganism', record: '2', b2Field: 'complementaryOrganism', read: (d) => d.coverage.complementaryOrganism },
  { path: 'coverage.carePathwayIndicator', record: '2S', b2Field: 'carePathwayIndicator', read: (d) => d.coverage.carePathwayIndicator },
  { path: 'patient.birthDate', record: '2', b2Field: 'birthDate', read: (d) => d.patient.birthDate },
  { path: 'patient.birthRank', record: '2', b2Field: 'birthRank', read: (d) => d.patient.birthRank },
  { path: 'stay.start', record: '2', b2Field: 'entryDate', read: (d) => d.stay.start },
  { path: 'stay.end', record: '2', b2Field: 'exitDate', read: (d) => d.stay.end },
];

const priced = (record: '3' | '4'): LineField[] => [
  { path: 'code', record, b2Field: 'actCode', read: (l) => l.code },
  record === '4'
    ? { path: 'careDate', record, b2Field: 'careDate', read: (l) => l.careDate }
    : // A type 3 starts on its date of care, else with the stay.
      { path: 'careDate', record, b2Field: 'stayStartDate', read: (l, d) => l.careDate ?? d.stay.start },
  { path: 'quantity', record, b2Field: 'quantity', read: (l) => l.quantity },
  // [0483] the type 4 coefficient is "1.00 when not given".
  { path: 'coefficient', record, b2Field: 'coefficient', read: record === '4' ? (l) => l.coefficient ?? 100 : (l) => l.coefficient },
  { path: 'unitPrice', record, b2Field: 'unitPrice', read: (l) => l.unitPrice },
  { path: 'reimbursementBase', record, b2Field: 'reimbursementBase', read: (l) => l.reimbursementBase },
  { path: 'rate', record, b2Field: 'rate', read: (l) => l.rate },
  { path: 'amoAmount', record, b2Field: 'amoAmount', read: (l) => l.amoAmount },
  { path: 'totalBilled', record, b2Field: record === '4' ? 'feesAmount' : 'totalExpense', read: (l) => l.totalBilled },
  { path: 'exemptionJustification', record, b2Field: 'exemptionJustification', read: (l) => l.exemptionJustification },
  { path: 'treatmentMode', record, b2Field: 'treatmentMode', read: (l) => l.treatmentMode },
  { path: 'serviceDiscipline', record, b2Field: 'serviceDiscipline', read: (l) => l.serviceDiscipline },
];

/** [4M59–62] up to four AMO modifiers, filled from the first (more than four is the builder's FIDES-CCAM-MODIFIERS). */
const modifiers: LineField[] = [0, 1, 2, 3].map((i) => ({
  path: `ccam.modifiers[${i}]`,
  record: '4M',
  b2Field: `modifier${i + 1}`,
  read: (l) => l.ccam?.modifiers[i],
}));

/**
 * Per line kind. A biology line is one of the five NABM slots of a 4B: listed here as slot 1 (`nabmCode1`…), the
 * builder writes slot n with `biologySlotField`.
 */
export const LINE_FIELDS: Readonly<Record<InvoiceDraftLineKind, readonly LineField[]>> = {
  'hospital-service': priced('3'),
  fee: [
    ...priced('4'),
    { path: 'count', record: '4', b2Field: 'count', read: (l) => l.count },
    { path: 'executantSpecialty', record: '4', b2Field: 'executantSpecialty', read: (l) => l.executantSpecialty },
  ],
  ccam: [
    { path: 'code', record: '4M', b2Field: 'ccamCode', read: (l) => l.code },
    { path: 'careDate', record: '4M', b2Field: 'sessionDate', read: (l) => l.careDate },
    { path: 'ccam.activity', record: '4M', b2Field: 'activityCode', read: (l) => l.ccam?.activity },
    { path: 'ccam.phase', record: '4M', b2Field: 'phaseCode', read: (l) => l.ccam?.phase },
    { path: 'ccam.association', record: '4M', b2Field: 'associationCode', read: (l) => l.ccam?.association },
    { path: 'ccam.documentaryExtension', record: '4M', b2Field: 'documentaryExtension', read: (l) => l.ccam?.documentaryExtension },
    ...modifiers,
  ],
  biology: [
    { path: 'code', record: '4B', b2Field: 'nabmCode1', read: (l) => l.code },
    { path: 'careDate', record: '4B', b2Field: 'actDate1', read: (l) => l.careDate },
    { path: 'quantity', record: '4B', b2Field: 'quantity1', read: (l) => l.quantity },
  ],
  ucd: [
    { path: 'code', record: '3H', b2Field: 'ucdCode', read: (l) => l.code },
    { path: 'splitCoefficient', record: '3H', b2Field: 'splitCoefficient', read: (l) => splitCoefficient(l.splitCoefficient) },
    { path: 'unitPrice', record: '3H', b2Field: 'unitPurchasePrice', read: (l) => l.unitPrice },
    { path: 'quantity', record: '3H', b2Field: 'quantity', read: (l) => l.quantity },
    { path: 'totalBilled', record: '3H', b2Field: 'totalBilled', read: (l) => l.totalBilled },
  ],
  lpp: [
    { path: 'code', record: '3F', b2Field: 'lppCode', read: (l) => l.code },
    { path: 'quantity', record: '3F', b2Field: 'quantity', read: (l) => l.quantity },
    { path: 'unitPrice', record: '3F', b2Field: 'unitPrice', read: (l) => l.unitPrice },
    { path: 'totalBilled', record: '3F', b2Field: 'totalBilled', read: (l) => l.totalBilled },
  ],
};

/** `nabmCode1` → `nabmCode3` for the third biology act of a 4B. */
export const biologySlotField = (b2Field: string, slot: number): string => b2Field.replace(/1$/, String(slot));

/** The values a record gets from the table: header fields of `record` from the draft. */
export function headerValues(record: string, draft: InvoiceDraft): B2Values {
  const out: Record<string, B2Value | undefined> = {};
  for (const m of HEADER_FIELDS) if (m.record === record) out[m.b2Field] = m.read(draft, draft);
  return out;
}

/** The values a line's own record gets from the table; `rename` places a field elsewhere (a 4B slot). */
export function lineValues(line: InvoiceDraftLine, draft: InvoiceDraft, rename: (b2Field: string) => string = (f) => f): B2Values {
  const out: Record<string, B2Value | undefined> = {};
  for (const m of LINE_FIELDS[line.kind]) out[rename(m.b2Field)] = m.read(line, draft);
  return out;
}

/**
 * The draft field a B2 field of a built record comes from: header records from the table, line records from the
 * draft lines they were built from (`sources`, one per 4B slot in slot order; one for the others).
 */
export function draftPathOf(
  draft: InvoiceDraft,
  record: string,
  b2Field: string,
  sources: readonly InvoiceDraftLine[] | undefined,
): { readonly path: string; readonly sourceRef?: string } | undefined {
  if (sources === undefined) {
    const m = HEADER_FIELDS.find((x) => x.record === record && x.b2Field === b2Field);
    return m && { path: m.path };
  }
  for (const [k, line] of sources.entries()) {
    const name = (f: string): string => (line.kind === 'biology' ? biologySlotField(f, k + 1) : f);
    const m = LINE_FIELDS[line.kind].find((x) => x.record === record && name(x.b2Field) === b2Field);
    if (m !== undefined) return { path: `lines[${draft.lines.indexOf(line)}].${m.path}`, sourceRef: line.sourceRef };
  }
  return undefined;
}

/** The compiled B2 field a mapping points at; throws when the declarations no longer have it (a mapping bug). */
export function b2FieldOf(m: { record: string; b2Field: string }): CompiledField {
  const f = b2Layouts().records.get(m.record)?.byName.get(m.b2Field);
  if (f === undefined) throw new Error(`the draft → B2 mapping names B2 ${m.record}.${m.b2Field}, which no declaration has`);
  return f;
}
