/**
 * An accepted RSF invoice (rsf-reader.ts) → the neutral InvoiceDraft (../invoice-draft.ts) that pre-flight and the
 * B2 writer work on. Pure mapping, field names as the RSF declaration gives them; nothing is checked here that the
 * reader did not already check (NIR keys, FINESS check digits, totals are pre-flight's rules).
 */
import type { InvoiceDraft, InvoiceDraftLine } from '../invoice-draft';
import type { RsfInvoice } from './rsf-reader';
import type { RsfRecord } from './rsf-record-parser';

const str = (r: RsfRecord, name: string): string | undefined => {
  const v = r.values[name];
  return v === undefined ? undefined : String(v);
};
const num = (r: RsfRecord, name: string): number | undefined => {
  const v = r.values[name];
  return typeof v === 'number' ? v : undefined;
};
/** Mandatory in the declaration, so present on an accepted invoice. */
const must = (r: RsfRecord, name: string): string => {
  const v = str(r, name);
  if (v === undefined) throw new Error(`RSF line ${r.line}, record ${r.type}: ${name} is missing on an accepted invoice`);
  return v;
};

/** Fields B (hospital services) and C (fees) share: the same ATIH columns, different B2 records. */
function pricedLine(r: RsfRecord, kind: 'hospital-service' | 'fee'): InvoiceDraftLine {
  return {
    kind,
    sourceRef: `rsf:${r.line}`,
    code: must(r, 'actCode'),
    careDate: str(r, 'careDate'),
    quantity: num(r, 'quantity'),
    coefficient: num(r, 'coefficient'),
    count: num(r, 'count'),
    unitPrice: num(r, 'unitPrice'),
    reimbursementBase: num(r, 'reimbursementBase'),
    rate: num(r, 'rate'),
    amoAmount: num(r, 'amoAmount'),
    totalBilled: num(r, 'feesAmount'),
    exemptionJustification: str(r, 'exemptionJustification'),
    treatmentMode: str(r, 'treatmentMode'),
    serviceDiscipline: str(r, 'serviceDiscipline'),
    executantSpecialty: str(r, 'executantSpecialty'),
  };
}

/** One RSF line → its draft lines (an L record carries up to five biology acts). */
function draftLines(r: RsfRecord): InvoiceDraftLine[] {
  switch (r.type) {
    case 'B':
      return [pricedLine(r, 'hospital-service')];
    case 'C':
      return [pricedLine(r, 'fee')];
    case 'H':
      return [
        {
          kind: 'ucd',
          sourceRef: `rsf:${r.line}`,
          code: must(r, 'ucdCode'),
          careDate: str(r, 'stayStartDate'),
          quantity: num(r, 'quantity'),
          unitPrice: num(r, 'unitPurchasePrice'),
          totalBilled: num(r, 'totalBilled'),
          splitCoefficient: str(r, 'splitCoefficient'),
        },
      ];
    case 'P':
      return [
        {
          kind: 'lpp',
          sourceRef: `rsf:${r.line}`,
          code: must(r, 'lppCode'),
          careDate: str(r, 'stayStartDate'),
          quantity: num(r, 'quantity'),
          unitPrice: num(r, 'lppTariff'),
          totalBilled: num(r, 'totalBilled'),
        },
      ];
    case 'M': {
      const modifiers = [1, 2, 3, 4].map((i) => str(r, `modifier${i}`)).filter((m): m is string => m !== undefined);
      return [
        {
          kind: 'ccam',
          sourceRef: `rsf:${r.line}`,
          code: must(r, 'ccamCode'),
          careDate: str(r, 'careDate'),
          treatmentMode: str(r, 'treatmentMode'),
          serviceDiscipline: str(r, 'serviceDiscipline'),
          ccam: {
            activity: str(r, 'activityCode'),
            phase: str(r, 'phaseCode'),
            modifiers,
            association: str(r, 'associationCode'),
            documentaryExtension: str(r, 'documentaryExtension'),
          },
        },
      ];
    }
    case 'L': {
      const out: InvoiceDraftLine[] = [];
      for (let i = 1; i <= 5; i++) {
        const code = str(r, `nabmCode${i}`);
        if (code === undefined) continue;
        out.push({
          kind: 'biology',
          sourceRef: `rsf:${r.line}#${i}`,
          code,
          careDate: str(r, `actDate${i}`),
          quantity: num(r, `quantity${i}`),
          treatmentMode: str(r, 'treatmentMode'),
          serviceDiscipline: str(r, 'serviceDiscipline'),
        });
      }
      return out;
    }
    case 'A':
      return [];
  }
}

/** Throws on a refused invoice: only accepted ones become drafts. */
export function rsfInvoiceToDraft(invoice: RsfInvoice): InvoiceDraft {
  const a = invoice.header;
  if (!invoice.accepted || a === undefined) throw new Error(`RSF invoice at line ${invoice.line} was refused: it has no draft`);
  const insuredNir = must(a, 'insuredNir');
  const beneficiaryNir = str(a, 'beneficiaryNir');
  const ownNir = beneficiaryNir !== undefined && beneficiaryNir !== insuredNir;
  return {
    source: 'rsf',
    invoiceNumber: must(a, 'invoiceNumber'),
    entryNumber: must(a, 'entryNumber'),
    geographicFiness: must(a, 'geographicFiness'),
    declaredFiness: str(a, 'epmsiFiness'),
    patient: {
      insuredNir,
      insuredNirKey: must(a, 'insuredNirKey'),
      beneficiaryNir: ownNir ? beneficiaryNir : undefined,
      beneficiaryNirKey: ownNir ? str(a, 'beneficiaryNirKey') : undefined,
      beneficiaryRank: str(a, 'beneficiaryRank'),
      birthDate: str(a, 'birthDate'),
      birthRank: str(a, 'birthRank'),
      ipp: str(a, 'ipp'),
    },
    coverage: {
      grandRegime: str(a, 'grandRegime'),
      managementCode: str(a, 'managementCode'),
      insuranceNature: str(a, 'insuranceNature'),
      exemptionJustification: str(a, 'exemptionJustification'),
      carePathwayIndicator: str(a, 'carePathwayIndicator'),
      accidentReference: str(a, 'accidentReference'),
      contractType: str(a, 'contractType'),
      complementaryOrganism: str(a, 'complementaryOrganism'),
    },
    stay: { start: str(a, 'entryDate'), end: str(a, 'exitDate') },
    lines: invoice.lines.flatMap(draftLines),
    statedTotals: {
      hospitalBase: num(a, 'totalHospitalBase'),
      hospitalAmo: num(a, 'totalHospitalAmo'),
      feesBilled: num(a, 'totalFeesBilled'),
      feesAmo: num(a, 'totalFeesAmo'),
      hospitalBilled: num(a, 'totalHospitalBilled'),
    },
  };
}
