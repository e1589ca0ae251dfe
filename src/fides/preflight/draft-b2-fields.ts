/**
 * Which B2 record and field each draft field becomes (as invoice-draft.ts documents it), so that "mandatory" and
 * "how long" are read from the B2 layout declarations (b2/layouts) rather than written a second time here: a
 * certified editor who replaces a declaration changes what pre-flight demands without touching this file.
 *
 * Only draft fields with a B2 home are listed. Fields other rules own (NIR + key, invoice number, FINESS) are left
 * out of the mandatory check so that one mistake gives one finding.
 */
import type { InvoiceDraft, InvoiceDraftLine, InvoiceDraftLineKind } from '../invoice-draft';
import { b2Layouts } from '../b2';
import type { CompiledField } from '../b2';

export interface DraftB2Field<T> {
  /** Path below the draft (header) or below the line (`lines[i].` is prefixed). */
  readonly path: string;
  readonly record: string;
  readonly b2Field: string;
  readonly read: (from: T) => string | number | undefined;
}

type HeaderField = DraftB2Field<InvoiceDraft>;
type LineField = DraftB2Field<InvoiceDraftLine>;

export const HEADER_FIELDS: readonly HeaderField[] = [
  { path: 'entryNumber', record: '2', b2Field: 'entryNumber', read: (d) => d.entryNumber },
  { path: 'coverage.grandRegime', record: '2', b2Field: 'grandRegime', read: (d) => d.coverage.grandRegime },
  { path: 'coverage.managingFund', record: '2', b2Field: 'managingFund', read: (d) => d.coverage.managingFund },
  { path: 'coverage.managingCentre', record: '2', b2Field: 'managingCentre', read: (d) => d.coverage.managingCentre },
  { path: 'coverage.managementCode', record: '2', b2Field: 'benefitRegime', read: (d) => d.coverage.managementCode },
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
  { path: 'careDate', record, b2Field: record === '4' ? 'careDate' : 'stayStartDate', read: (l) => l.careDate },
  { path: 'quantity', record, b2Field: 'quantity', read: (l) => l.quantity },
  { path: 'coefficient', record, b2Field: 'coefficient', read: (l) => l.coefficient },
  { path: 'unitPrice', record, b2Field: 'unitPrice', read: (l) => l.unitPrice },
  { path: 'reimbursementBase', record, b2Field: 'reimbursementBase', read: (l) => l.reimbursementBase },
  { path: 'rate', record, b2Field: 'rate', read: (l) => l.rate },
  { path: 'amoAmount', record, b2Field: 'amoAmount', read: (l) => l.amoAmount },
  { path: 'totalBilled', record, b2Field: record === '4' ? 'feesAmount' : 'totalExpense', read: (l) => l.totalBilled },
  { path: 'exemptionJustification', record, b2Field: 'exemptionJustification', read: (l) => l.exemptionJustification },
  { path: 'treatmentMode', record, b2Field: 'treatmentMode', read: (l) => l.treatmentMode },
  { path: 'serviceDiscipline', record, b2Field: 'serviceDiscipline', read: (l) => l.serviceDiscipline },
];

export const LINE_FIELDS: Readonly<Record<InvoiceDraftLineKind, readonly LineField[]>> = {
  'hospital-service': priced('3'),
  fee: [
    ...priced('4'),
    { path: 'count', record: '4', b2Field: 'count', read: (l) => l.count },
    { path: 'executantSpecialty', record: '4', b2Field: 'executantSpecialty', read: (l) => l.executantSpecialty },
  ],
  ccam: [
    { path: 'code', record: '4M', b2Field: 'ccamCode', read: (l) => l.code },
    { path: 'ccam.activity', record: '4M', b2Field: 'activityCode', read: (l) => l.ccam?.activity },
    { path: 'ccam.phase', record: '4M', b2Field: 'phaseCode', read: (l) => l.ccam?.phase },
    { path: 'ccam.association', record: '4M', b2Field: 'associationCode', read: (l) => l.ccam?.association },
    { path: 'ccam.documentaryExtension', record: '4M', b2Field: 'documentaryExtension', read: (l) => l.ccam?.documentaryExtension },
  ],
  biology: [
    { path: 'code', record: '4B', b2Field: 'nabmCode1', read: (l) => l.code },
    { path: 'careDate', record: '4B', b2Field: 'actDate1', read: (l) => l.careDate },
    { path: 'quantity', record: '4B', b2Field: 'quantity1', read: (l) => l.quantity },
  ],
  ucd: [
    { path: 'code', record: '3H', b2Field: 'ucdCode', read: (l) => l.code },
    { path: 'splitCoefficient', record: '3H', b2Field: 'splitCoefficient', read: (l) => l.splitCoefficient },
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

/** The compiled B2 field a mapping points at; throws when the declarations no longer have it (a mapping bug). */
export function b2FieldOf(m: { record: string; b2Field: string }): CompiledField {
  const f = b2Layouts().records.get(m.record)?.byName.get(m.b2Field);
  if (f === undefined) throw new Error(`pre-flight mapping names B2 ${m.record}.${m.b2Field}, which no declaration has`);
  return f;
}
