/**
 * Amounts: the totals the source stated against its lines (RG_MF633: the type 5 is the sum of the lines, so a
 * mismatch means a line was lost or changed on the way), and the rate against the exoneration.
 */
import type { InvoiceDraft, InvoiceDraftLine } from '../../invoice-draft';
import { exemptionJustification } from '../exemption-justifications';
import { hitAt, type PreflightRule, type RuleHit } from '../preflight-rule';

type Stated = keyof InvoiceDraft['statedTotals'];

/** Which lines and which amount each stated total sums, as invoice-totals.ts builds the type 5 (types 3 and 4 only). */
const TOTALS: readonly { stated: Stated; kind: InvoiceDraftLine['kind']; amount: (l: InvoiceDraftLine) => number | undefined }[] = [
  { stated: 'hospitalBase', kind: 'hospital-service', amount: (l) => l.reimbursementBase },
  { stated: 'hospitalAmo', kind: 'hospital-service', amount: (l) => l.amoAmount },
  { stated: 'hospitalBilled', kind: 'hospital-service', amount: (l) => l.totalBilled },
  { stated: 'feesBilled', kind: 'fee', amount: (l) => l.totalBilled },
  { stated: 'feesAmo', kind: 'fee', amount: (l) => l.amoAmount },
];

/** The justification that applies to a line: its own, else the invoice's. */
export const lineJustification = (d: InvoiceDraft, l: InvoiceDraftLine): string | undefined =>
  l.exemptionJustification !== undefined && l.exemptionJustification.trim() !== ''
    ? l.exemptionJustification
    : d.coverage.exemptionJustification;

export const AMOUNT_RULES: readonly PreflightRule[] = [
  {
    code: 'PF-TOTALS',
    field: 'statedTotals',
    severity: 'error',
    message: '{field} differs from the sum of the lines (B2 rule RG_MF633)',
    check: ({ draft: d }) => {
      const out: RuleHit[] = [];
      for (const t of TOTALS) {
        const stated = d.statedTotals[t.stated];
        // A source that states no total (a FHIR Claim may not) has nothing to disagree with: the type 5 is computed.
        if (stated === undefined) continue;
        const sum = d.lines.filter((l) => l.kind === t.kind).reduce((s, l) => s + (t.amount(l) ?? 0), 0);
        if (sum !== stated) out.push(hitAt(`statedTotals.${t.stated}`));
      }
      return out;
    },
  },
  {
    code: 'PF-RATE-EXONERATION',
    field: 'lines[].rate',
    severity: 'error',
    message: '{field}: an exonerated line (justification on the line or the invoice) is reimbursed at 100 %',
    check: ({ draft: d }) =>
      d.lines.flatMap((l, i) =>
        l.rate !== undefined && l.rate !== 100 && exemptionJustification(lineJustification(d, l)).exonerates
          ? [hitAt(`lines[${i}].rate`)]
          : [],
      ),
  },
  {
    code: 'PF-RATE-RANGE',
    field: 'lines[].rate',
    severity: 'error',
    message: '{field}: a reimbursement rate is a whole percent from 0 to 100',
    check: ({ draft: d }) =>
      d.lines.flatMap((l, i) =>
        l.rate === undefined || (Number.isInteger(l.rate) && l.rate >= 0 && l.rate <= 100) ? [] : [hitAt(`lines[${i}].rate`)],
      ),
  },
];
