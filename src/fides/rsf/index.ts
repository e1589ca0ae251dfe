/**
 * ATIH RSF import: the monthly invoice file every French public hospital's GAP already produces, read with its layout
 * declared as data per year, grouped into invoices and mapped to InvoiceDraft. No database, no HTTP.
 */
export type { RsfError, RsfProblem } from './rsf-errors';
export type * from './rsf-layout-declaration';
export { compileRsfLayout, rsfLayout, rsfLayoutYears } from './rsf-layout';
export type { RsfCompiledField, RsfCompiledRecord, RsfLayout } from './rsf-layout';
export { rsfLines } from './rsf-lines';
export type { RsfRawLine } from './rsf-lines';
export { parseRsfLine } from './rsf-record-parser';
export type { RsfLineReading, RsfRecord, RsfValue } from './rsf-record-parser';
export { RSF_MAX_ERRORS_KEPT, RSF_MAX_LINES_PER_INVOICE, RsfInvoiceReader, readRsf } from './rsf-reader';
export type { ReadRsfOptions, RsfCounts, RsfEvent, RsfInvoice } from './rsf-reader';
export { rsfInvoiceToDraft } from './rsf-to-invoice-draft';
