/**
 * From invoices to B2 lot files, pure code (no database, no HTTP):
 * - draftToB2Invoice: an InvoiceDraft → the ordered records of its B2 invoice, or the problems (pre-flight errors)
 *   that keep it out — the public invoice records of the SFG FIDES ACE transcription (../b2/LAYOUTS.md);
 * - groupByRecipient, writeLotFile, writeDraftsLotFile: one file per (grand régime, caisse gestionnaire), lots cut
 *   at a maximum and numbered by the caller's sequence — the file and lot envelope is MODELLED, NOT CERTIFIED;
 * - b2InvoiceToProjection / projectDraft: what a lot file holds of each draft, to show it parses back the same.
 */
export type { B2InvoiceContext, DraftProblem } from './b2-invoice-context';
export { draftToB2Invoice, managementCodeToBenefitRegime } from './draft-to-b2';
export type { DraftToB2Result } from './draft-to-b2';
export { groupByRecipient, recipientKey } from './lot-recipient';
export type { LotRecipient, RecipientGroup, RefusedDraft } from './lot-recipient';
export { planLots, writeLotFile } from './lot-file-writer';
export type { LotFileEnvelope, LotFileOptions, LotNumbering, WrittenLot } from './lot-file-writer';
export { writeDraftsLotFile } from './lot-file-from-drafts';
export type { LotFileResult } from './lot-file-from-drafts';
export { b2InvoiceToProjection } from './b2-to-draft';
export { canonicalLines, projectDraft } from './b2-invoice-projection';
export type { B2InvoiceProjection, ProjectedLine } from './b2-invoice-projection';
