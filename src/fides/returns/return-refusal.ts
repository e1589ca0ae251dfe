/**
 * Why a return file is not applied. A refused return is recorded (fides_return, status `error`) with its code and
 * detail, counted, logged — and nothing of it is applied. The detail names lines, lots, invoice numbers and codes,
 * never a value read from the file: an RSP line carries the insured person's NIR.
 */
export const RETURN_ERROR_CODES = {
  'RETURN-NO-CONTENT': 'the return reached the flow without readable content',
  'RETURN-MALFORMED': 'the file is not a readable ARL or RSP (a line, record or field is wrong)',
  'RETURN-TOTALS': 'the 990 totals or the 999 count do not match the file',
  'RETURN-UNKNOWN-LOT': 'the return names a lot (file) we never sent',
  'RETURN-LOT-MISMATCH': 'the return names another lot than the transmission it came for',
  'ARL-LOT-SETTLED': 'the lot already has its ARL',
  'ARL-LOT-NOT-SENT': 'the lot was never handed over for sending',
  'ARL-BAD-STATUS': 'an ARL status other than P (positive) or N (negative)',
  'RSP-LOT-REFUSED': 'an RSP for a lot whose file was refused (negative ARL)',
  'RSP-UNKNOWN-INVOICE': 'an RSP line names an invoice that is not in that lot',
  'RSP-INVOICE-SETTLED': 'an RSP line for an invoice that already has its outcome',
  'RSP-INVOICE-NOT-AWAITING': 'an RSP line for an invoice that is no longer in that lot (sent back, or in another lot)',
  'RSP-DUPLICATE-LINE': 'the same invoice twice in one RSP',
  'RSP-BAD-OUTCOME': 'an outcome other than P (paid), S (warned) or R (rejected)',
  'RSP-PAYMENT-TOTAL': 'a transfer (220) whose amount or count is not what its invoices add up to',
} as const;

export type ReturnErrorCode = keyof typeof RETURN_ERROR_CODES;

export class ReturnRefused extends Error {
  constructor(
    readonly code: ReturnErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ReturnRefused';
  }
}
