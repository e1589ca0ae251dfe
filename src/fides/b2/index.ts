/**
 * B2 billing files and NOEMIE returns, driven by record-layout declarations (LAYOUTS.md says what is public and what
 * is modelled). No database, no HTTP: the FIDES flow builds on these.
 */
export { B2ParseError, B2WriteError } from './b2-errors';
export type { B2WriteProblem } from './b2-errors';
export { checkEnvelope, readB2File, readB2Lines, splitB2Lines } from './b2-file-reader';
export type { B2FileReading, ReadInvoice, ReadLot, ReadRecord } from './b2-file-reader';
export { B2FileWriter } from './b2-file-writer';
export { B2LineReader, readB2Stream } from './b2-stream-reader';
export type { B2Event } from './b2-stream-reader';
export type { B2EndOfLine, B2FileWriterOptions } from './b2-file-writer';
export { isB2Date, toB2Date } from './b2-date';
export { toB2Text } from './b2-text';
export type { B2Invoice, B2Record, B2Value, B2Values } from './b2-values';
export { b2FinessForm } from './corsican-finess';
export {
  checkBillingDelay,
  checkEmergencyPackageOrder,
  checkForbiddenRecordTypes,
  checkInvoice,
  checkInvoiceStructure,
  checkInvoiceTotals,
  emergencyPackageRank3,
  emergencyPackageRank4,
  rawRecordCode,
} from './invoice-rules';
export type { B2RuleViolation, EstablishmentCategory } from './invoice-rules';
export { invoiceTrailer, invoiceTrailerTotals } from './invoice-totals';
export type { LayoutDeclaration, RecordDeclaration, FieldDeclaration } from './layout-declaration';
export { LayoutDeclarationError, loadLayouts } from './layout-loader';
export type { CompiledField, CompiledRecord, LayoutSet } from './layout-loader';
export { B2_ENVELOPE_MODELLED_NOTICE, b2Layouts, noemieLayouts } from './layouts';
export { checkNoemieTotals, readNoemieFile, renderNoemieFile } from './noemie-file';
export type { NoemieInvoiceOutcome, NoemieReading } from './noemie-file';
export { identifyRecord, parseRecord } from './record-parser';
export { recordWriteProblems, writeRecord, writeRecordInto } from './record-writer';
export { b2Record, noemieRecord } from './typed-record';
export type { B2RecordValuesByCode, NoemieRecordValuesByCode } from './b2-record-types.generated';
