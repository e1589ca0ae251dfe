/**
 * B2 file and lot envelope: file header (000), lot header (1), lot trailer (6), file trailer (999).
 *
 * MODELLED, NOT CERTIFIED — a certified editor replaces this declaration without touching code.
 *
 * The envelope records are described in GIE SESAM-Vitale's ETS-DT-003 ("SFG Fichier AMO et retours"), which is not
 * public (the public SFG FIDES ACE only points to it). What is public and shapes this model: one logical file per
 * physical file, for one (grand régime, caisse gestionnaire) [arrêté du 31/12/2014]; a lot number of 3 digits
 * (BILLING.md); 128-character records in the style of the invoice records. Everything else here — record codes,
 * positions, the counts and totals carried and how they are counted — is ours. The writer fills the fields tagged
 * `derive` (lot number, counts, totals) whatever their names, so a replacement declaration only has to tag its own.
 *
 * Counting (modelled): a lot's record count includes its header and trailer; the file's includes every record of
 * the file, its own header and trailer too. Billed total of an invoice = its type-5 fields tagged `total: 'billed'`
 * (0558 fees + 05115 hospital services), AMO total = those tagged 'amo' (0550 + 0566).
 */
import type { LayoutDeclaration } from '../layout-declaration';
import { field, filler } from './field-shorthand';

export const B2_ENVELOPE_MODELLED_NOTICE = 'modelled, not certified — a certified editor replaces this declaration without touching code';

export const B2_ENVELOPE_LAYOUTS: LayoutDeclaration = {
  name: 'b2-envelope',
  status: 'modelled',
  source: `Passerelle model (${B2_ENVELOPE_MODELLED_NOTICE}); the official layout is GIE SESAM-Vitale ETS-DT-003, not public`,
  recordLength: 128,
  records: [
    {
      code: '000',
      name: 'file header',
      role: 'fileHeader',
      fields: [
        field('recordType', 1, 3, 'N', 'O', 'record type', { constant: '000', key: true, code: true }),
        field('emitterId', 4, 9, 'N', 'O', 'emitter: FINESS juridique of the legal entity', { code: true, finess: true }),
        field('grandRegime', 13, 2, 'N', 'O', 'recipient grand régime (one per file)', { code: true }),
        field('managingFund', 15, 3, 'N', 'O', 'recipient caisse gestionnaire (one per file)', { code: true }),
        field('managingCentre', 18, 4, 'N', 'F', 'recipient centre gestionnaire', { code: true }),
        field('fileNumber', 22, 6, 'N', 'O', 'file number, per (emitter, recipient)', { code: true }),
        field('creationDate', 28, 6, 'D', 'O', 'date the file was made'),
        field('creationTime', 34, 4, 'N', 'O', 'time the file was made, HHMM', { code: true }),
        field('normVersion', 38, 8, 'A', 'O', 'norm and version of the invoice records (e.g. B22005E)'),
        field('testIndicator', 46, 1, 'A', 'O', 'T test file, R real file'),
        field('softwareId', 47, 12, 'A', 'F', 'emitting software (CNDA authorisation number when certified)'),
        filler('filler59', 59, 70),
      ],
    },
    {
      code: '1',
      name: 'lot header',
      role: 'lotHeader',
      fields: [
        field('recordType', 1, 1, 'N', 'O', 'record type', { constant: '1', key: true }),
        field('partnerNumber', 2, 9, 'N', 'O', 'billing FINESS géographique', { code: true, finess: true }),
        filler('filler11', 11, 1),
        field('lotNumber', 12, 3, 'N', 'O', 'lot number 001-999, per (emitter, recipient), never reused', {
          code: true,
          derive: 'lotNumber',
        }),
        field('grandRegime', 15, 2, 'N', 'O', 'recipient grand régime', { code: true }),
        field('managingFund', 17, 3, 'N', 'O', 'recipient caisse gestionnaire', { code: true }),
        field('managingCentre', 20, 4, 'N', 'F', 'recipient centre gestionnaire', { code: true }),
        field('creationDate', 24, 6, 'D', 'O', 'date the lot was closed'),
        field('lotKind', 30, 1, 'A', 'F', 'A external consultations (ACE), S stays'),
        filler('filler31', 31, 98),
      ],
    },
    {
      code: '6',
      name: 'lot trailer',
      role: 'lotTrailer',
      fields: [
        field('recordType', 1, 1, 'N', 'O', 'record type', { constant: '6', key: true }),
        field('partnerNumber', 2, 9, 'N', 'O', 'billing FINESS géographique', { code: true, finess: true }),
        filler('filler11', 11, 1),
        field('lotNumber', 12, 3, 'N', 'O', 'lot number, as in the lot header', { code: true, derive: 'lotNumber' }),
        field('invoiceCount', 15, 5, 'N', 'O', 'invoices in the lot', { derive: 'lotInvoiceCount' }),
        field('recordCount', 20, 7, 'N', 'O', 'records in the lot, its header and trailer included', { derive: 'lotRecordCount' }),
        field('totalBilled', 27, 12, 'M', 'O', 'sum of the invoices billed totals', { derive: 'lotTotalBilled' }),
        field('totalAmo', 39, 12, 'M', 'O', 'sum of the invoices AMO totals', { derive: 'lotTotalAmo' }),
        filler('filler51', 51, 78),
      ],
    },
    {
      code: '999',
      name: 'file trailer',
      role: 'fileTrailer',
      fields: [
        field('recordType', 1, 3, 'N', 'O', 'record type', { constant: '999', key: true, code: true }),
        field('emitterId', 4, 9, 'N', 'O', 'emitter, as in the file header', { code: true, finess: true }),
        field('lotCount', 13, 3, 'N', 'O', 'lots in the file', { derive: 'fileLotCount' }),
        field('recordCount', 16, 8, 'N', 'O', 'records in the file, its header and trailer included', { derive: 'fileRecordCount' }),
        field('invoiceCount', 24, 7, 'N', 'O', 'invoices in the file', { derive: 'fileInvoiceCount' }),
        filler('filler31', 31, 98),
      ],
    },
  ],
};
