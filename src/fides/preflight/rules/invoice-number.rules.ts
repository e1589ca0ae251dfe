/**
 * The invoice number: B2 type 2 invoiceNumber is 9 digits, unique per FINESS and non-zero [public: SFG FIDES ACE];
 * it is also what makes intake idempotent, so a duplicate would merge two invoices on the insurer's side.
 */
import { b2FieldOf } from '../../lots/draft-b2-fields';
import { hitAt, type PreflightRule } from '../preflight-rule';

const width = (): number => b2FieldOf({ record: '2', b2Field: 'invoiceNumber' }).length;
const wellFormed = (n: string): boolean => /^\d+$/.test(n) && n.length <= width() && !/^0+$/.test(n);

export const INVOICE_NUMBER_RULES: readonly PreflightRule[] = [
  {
    code: 'PF-INVOICE-NUMBER',
    field: 'invoiceNumber',
    severity: 'error',
    message: '{field}: the invoice number is digits only, at most {limit}, and not zero',
    check: ({ draft: d }) => (wellFormed(d.invoiceNumber ?? '') ? [] : [hitAt('invoiceNumber', { limit: String(width()) })]),
  },
  {
    code: 'PF-INVOICE-DUPLICATE',
    field: 'invoiceNumber',
    severity: 'error',
    message: '{field}: this invoice number is already used by another invoice of this FINESS',
    check: async ({ draft: d, ctx }) => {
      // A malformed number is PF-INVOICE-NUMBER's finding; asking the registry about it would tell nothing more.
      if (!wellFormed(d.invoiceNumber ?? '')) return [];
      const taken = await ctx.invoiceNumbers.isInvoiceNumberTaken(d.geographicFiness, d.invoiceNumber, ctx.invoiceVersion);
      return taken ? [hitAt('invoiceNumber')] : [];
    },
  },
];
