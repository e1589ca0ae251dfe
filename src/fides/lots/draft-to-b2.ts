/**
 * An InvoiceDraft → the ordered B2 records of one invoice (type 2, 2S when needed, the 3x/4x lines, type 5), or the
 * list of reasons it cannot be written. Field by field as ../invoice-draft.ts documents; values are checked with the
 * writer's own rules (recordWriteProblems: a value too long, missing or outside the alphabet is a problem, never
 * truncated) and the invoice with ../b2/invoice-rules.ts (ordering, 1–999 lines, identity, type 5 = lines). The
 * Corsican FINESS form (RG_MF609) is applied by the writer on the fields the declarations tag `finess`, and here on
 * the one they do not (3S prescriber). Problems name the invoice number and the field, never a value.
 */
import { b2Layouts, checkInvoice, invoiceTrailer, recordWriteProblems } from '../b2';
import type { B2Invoice, B2Record, LayoutSet } from '../b2';
import type { InvoiceDraft } from '../invoice-draft';
import type { B2InvoiceContext, DraftProblem } from './b2-invoice-context';
import { draftPathOf, headerValues } from './draft-b2-fields';
import { draftLineRecords, type B2Identity, type LineSources } from './draft-line-records';

export { managementCodeToBenefitRegime } from './draft-b2-fields';

export type DraftToB2Result =
  { readonly ok: true; readonly invoice: B2Invoice } | { readonly ok: false; readonly problems: DraftProblem[] };

function headerRecords(draft: InvoiceDraft, id: B2Identity, ctx: B2InvoiceContext): B2Record[] {
  const p = draft.patient;
  const out: B2Record[] = [
    {
      code: '2',
      values: {
        ...id,
        ...headerValues('2', draft),
        rightsProofNature: ctx.rightsProofNature,
        // The same day as entryDate (mapped from stay.start, and checked there).
        hospitalisationDate: draft.stay.start,
        exitHour: ctx.exitHour,
      },
    },
  ];
  // The 2S is written only when it carries something: the beneficiary's own NIR or the parcours de soins.
  if (p.beneficiaryNir !== undefined || draft.coverage.carePathwayIndicator !== undefined)
    out.push({
      code: '2S',
      values: { ...id, ...headerValues('2S', draft), beneficiaryNir: p.beneficiaryNir, beneficiaryNirKey: p.beneficiaryNirKey },
    });
  return out;
}

/** Stated totals (what the source said) against the type 5 computed from the lines: "line totals = invoice totals". */
function statedTotalProblems(draft: InvoiceDraft, trailer: B2Record): DraftProblem[] {
  const pairs = [
    ['hospitalBase', 'totalHospitalBase'],
    ['hospitalAmo', 'totalHospitalAmo'],
    ['feesBilled', 'totalFees'],
    ['feesAmo', 'totalFeesAmo'],
    ['hospitalBilled', 'totalHospitalBilled'],
  ] as const;
  return pairs.flatMap(([stated, field]) => {
    const want = draft.statedTotals[stated];
    if (want === undefined || want === trailer.values[field]) return [];
    return [
      {
        code: 'FIDES-STATED-TOTAL',
        field: `5.${field}`,
        message: `invoice ${draft.invoiceNumber}: the stated ${stated} total differs from the sum of the lines (type 5 ${field})`,
      },
    ];
  });
}

export function draftToB2Invoice(draft: InvoiceDraft, ctx: B2InvoiceContext, set: LayoutSet = b2Layouts()): DraftToB2Result {
  const problems: DraftProblem[] = [];
  const id: B2Identity = {
    partnerNumber: draft.geographicFiness,
    insuredNir: draft.patient.insuredNir,
    insuredNirKey: draft.patient.insuredNirKey,
    beneficiaryRank: draft.patient.beneficiaryRank,
    invoiceNumber: draft.invoiceNumber,
  };
  const head = headerRecords(draft, id, ctx);
  const sources: LineSources = new Map();
  const lines = draftLineRecords(draft, id, ctx, problems, sources);
  const trailer = invoiceTrailer(head[0].values, lines);
  const records = [...head, ...lines, trailer];
  for (const r of records)
    for (const e of recordWriteProblems(set, r.code, r.values, draft.invoiceNumber)) {
      const from = e.field === undefined || r === trailer ? undefined : draftPathOf(draft, r.code, e.field, sources.get(r));
      problems.push({ code: `B2-WRITE-${e.problem}`, field: `${e.recordType}.${e.field ?? ''}`, message: e.message, ...from });
    }
  const invoice: B2Invoice = { records };
  for (const v of checkInvoice(invoice))
    problems.push({
      code: v.code,
      field: `${v.recordType ?? ''}.${v.field ?? ''}`,
      message: `invoice ${draft.invoiceNumber}: ${v.message}${v.record !== undefined ? ` (record ${v.record + 1})` : ''}`,
    });
  problems.push(...statedTotalProblems(draft, trailer));
  // Same problem on several records (a missing rank repeats on every line): once is enough; a draft field's is its own.
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = `${p.code}|${p.field}|${p.path ?? ''}|${p.sourceRef ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.length === 0 ? { ok: true, invoice } : { ok: false, problems: unique };
}
