/**
 * What a B2 invoice holds of an InvoiceDraft, in one comparable shape, from both sides:
 * - `projectDraft(draft)`: the draft with only what B2 writes (no source, IPP, line references, stated totals; the
 *   billing FINESS in its Corsican B2 form; a fee's missing coefficient as the 1.00 written for it; no date on
 *   UCD/LPP lines — 3F/3H have none; CCAM and biology lines without the mode/discipline that 4M/4B do not carry;
 *   hospital-service lines without count and specialty that type 3 does not carry);
 * - `b2InvoiceToProjection(invoice)` (b2-to-draft.ts): the same shape read back from the records.
 * "Drafts → B2 file → parse → the same invoices" is `b2InvoiceToProjection(read) ≡ projectDraft(draft)`.
 * Lines are compared as a set in a canonical order: B2 puts complements after their parent line, the draft lists
 * them flat. Values are compared as B2 holds them: a numeric code at its declared width (the writer zero-pads
 * '1104' to the NABM's '00001104'), and an optional field that is zero or blank as absent (B2 cannot tell them apart).
 */
import { b2FinessForm, b2Layouts, type LayoutSet } from '../b2';
import type { InvoiceDraft, InvoiceDraftCoverage, InvoiceDraftLine, InvoiceDraftPatient } from '../invoice-draft';

export type ProjectedLine = Omit<InvoiceDraftLine, 'sourceRef'>;

export interface B2InvoiceProjection {
  readonly invoiceNumber: string;
  readonly entryNumber: string;
  readonly geographicFiness: string;
  readonly patient: Omit<InvoiceDraftPatient, 'ipp'>;
  readonly coverage: InvoiceDraftCoverage;
  readonly stay: { readonly start?: string; readonly end?: string };
  readonly lines: readonly ProjectedLine[];
}

/** Drops undefined values and sorts keys, so that two equal lines serialise the same. */
export function canonical<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) {
    const v = (o as Record<string, unknown>)[k];
    if (v === undefined) continue;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? canonical(v) : v;
  }
  return out as T;
}

/** Lines in a canonical order (by their serialised form). */
export function canonicalLines(lines: readonly ProjectedLine[]): ProjectedLine[] {
  return lines
    .map((l) => canonical(l))
    .map((l) => [JSON.stringify(l), l] as const)
    .sort((a, b) => a[0].localeCompare(b[0], 'en'))
    .map(([, l]) => l);
}

/** A value as the field of `record` holds it: numeric codes zero-padded, optional zeros and blanks absent. */
type AsB2 = <T extends string | number | undefined>(record: string, field: string, v: T) => T | undefined;

function asB2(set: LayoutSet): AsB2 {
  return <T extends string | number | undefined>(record: string, field: string, v: T): T | undefined => {
    const f = set.records.get(record)?.byName.get(field);
    if (v === undefined || f === undefined) return v;
    if (typeof v === 'number') return !f.mandatory && v === 0 ? undefined : v;
    const s = String(v);
    const w = f.kind === 'N' && f.code ? s.padStart(f.length, '0') : s.trimEnd();
    const empty = f.kind === 'N' ? /^0*$/.test(w) : w === '';
    return !f.mandatory && empty ? undefined : (w as T);
  };
}

function projectLine(l: InvoiceDraftLine, stayStart: string | undefined, b: AsB2): ProjectedLine {
  switch (l.kind) {
    case 'hospital-service':
      return {
        kind: l.kind,
        code: l.code,
        careDate: l.careDate ?? stayStart,
        quantity: l.quantity,
        coefficient: b('3', 'coefficient', l.coefficient),
        unitPrice: l.unitPrice,
        reimbursementBase: l.reimbursementBase,
        rate: l.rate,
        amoAmount: l.amoAmount,
        totalBilled: l.totalBilled,
        exemptionJustification: b('3', 'exemptionJustification', l.exemptionJustification),
        treatmentMode: b('3', 'treatmentMode', l.treatmentMode),
        serviceDiscipline: b('3', 'serviceDiscipline', l.serviceDiscipline),
      };
    case 'fee':
      return {
        kind: l.kind,
        code: l.code,
        careDate: l.careDate,
        quantity: l.quantity,
        coefficient: l.coefficient ?? 100,
        count: l.count,
        unitPrice: l.unitPrice,
        reimbursementBase: l.reimbursementBase,
        rate: l.rate,
        amoAmount: l.amoAmount,
        totalBilled: l.totalBilled,
        exemptionJustification: b('4', 'exemptionJustification', l.exemptionJustification),
        treatmentMode: b('4', 'treatmentMode', l.treatmentMode),
        serviceDiscipline: b('4', 'serviceDiscipline', l.serviceDiscipline),
        executantSpecialty: b('4', 'executantSpecialty', l.executantSpecialty),
      };
    case 'ccam':
      return {
        kind: l.kind,
        code: l.code,
        careDate: l.careDate,
        ccam: l.ccam && {
          activity: l.ccam.activity,
          phase: b('4M', 'phaseCode', l.ccam.phase),
          modifiers: l.ccam.modifiers,
          association: b('4M', 'associationCode', l.ccam.association),
          documentaryExtension: b('4M', 'documentaryExtension', l.ccam.documentaryExtension),
        },
      };
    case 'biology':
      return { kind: l.kind, code: b('4B', 'nabmCode1', l.code) ?? l.code, careDate: l.careDate, quantity: l.quantity };
    case 'ucd':
      return {
        kind: l.kind,
        code: b('3H', 'ucdCode', l.code) ?? l.code,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        totalBilled: l.totalBilled,
        splitCoefficient: l.splitCoefficient,
      };
    case 'lpp':
      return { kind: l.kind, code: l.code, quantity: l.quantity, unitPrice: l.unitPrice, totalBilled: l.totalBilled };
  }
}

export function projectDraft(draft: InvoiceDraft, set: LayoutSet = b2Layouts()): B2InvoiceProjection {
  const b = asB2(set);
  const { patient: p, coverage: c } = draft;
  return canonical({
    invoiceNumber: b('2', 'invoiceNumber', draft.invoiceNumber) ?? '',
    entryNumber: b('2', 'entryNumber', draft.entryNumber) ?? '',
    geographicFiness: b2FinessForm(draft.geographicFiness),
    patient: {
      insuredNir: p.insuredNir,
      insuredNirKey: b('2', 'insuredNirKey', p.insuredNirKey) ?? '',
      beneficiaryNir: b('2S', 'beneficiaryNir', p.beneficiaryNir),
      beneficiaryNirKey: b('2S', 'beneficiaryNirKey', p.beneficiaryNirKey),
      beneficiaryRank: b('2S', 'beneficiaryRank', p.beneficiaryRank),
      birthDate: p.birthDate,
      birthRank: b('2', 'birthRank', p.birthRank),
    },
    coverage: {
      grandRegime: b('2', 'grandRegime', c.grandRegime),
      managingFund: b('2', 'managingFund', c.managingFund),
      managingCentre: b('2', 'managingCentre', c.managingCentre),
      managementCode: c.managementCode,
      insuranceNature: b('2', 'insuranceNature', c.insuranceNature),
      exemptionJustification: b('2', 'exemptionJustification', c.exemptionJustification),
      carePathwayIndicator: b('2S', 'carePathwayIndicator', c.carePathwayIndicator),
      accidentReference: b('2', 'accidentReference', c.accidentReference),
      contractType: b('2', 'contractType', c.contractType),
      complementaryOrganism: b('2', 'complementaryOrganism', c.complementaryOrganism),
    },
    stay: draft.stay,
    lines: canonicalLines(draft.lines.map((l) => projectLine(l, draft.stay.start, b))),
  });
}
