/**
 * NOEMIE returns from the AMO: the ARL (logical acknowledgement of a B2 file) and the RSP (per-invoice payment,
 * rejection or warning), as 128-character hierarchical entities.
 *
 * MODELLED, NOT CERTIFIED — a certified editor replaces this declaration without touching code.
 *
 * Public [ameli.fr "Le retour NOEMIE"; BILLING.md]: an ARL per file, positive (received and conform) or negative
 * (the file must be re-emitted); an RSP per invoice: paiement, rejet with a motive code, signalement (paid, with a
 * warning); NOEMIE files are fixed-length entities numbered 000 (header) … 990 (totals of the level it closes), 999
 * (end). A useful shape for an anomaly [public: SNDS table ER_ANO_F]: code, data concerned, original value,
 * replacement value, comment. Everything else — entity numbers other than 000/990/999, positions, status letters,
 * what the totals count — is ours; the real catalogue is GIE SESAM-Vitale ETS-DT-003, not public.
 *
 * Counting (modelled): the 990 counts the entities between the 000 and itself, the invoices (200) and sums their
 * billed and paid amounts; the 999 counts every record of the file, its own 000 and 999 included.
 */
import type { LayoutDeclaration } from '../layout-declaration';
import { field, filler } from './field-shorthand';

export const NOEMIE_MODELLED_NOTICE = 'modelled, not certified — a certified editor replaces this declaration without touching code';

const entity = (code: string): ReturnType<typeof field> =>
  field('entity', 1, 3, 'N', 'O', 'entity number', { constant: code, key: true, code: true });

export const NOEMIE_RETURN_LAYOUTS: LayoutDeclaration = {
  name: 'noemie-returns',
  status: 'modelled',
  source: `Passerelle model (${NOEMIE_MODELLED_NOTICE}); the official catalogue is GIE SESAM-Vitale ETS-DT-003, not public`,
  recordLength: 128,
  records: [
    {
      code: '000',
      name: 'return file header',
      fields: [
        entity('000'),
        field('fileKind', 4, 3, 'A', 'O', 'ARL or RSP'),
        field('emitterRegime', 7, 2, 'N', 'O', 'emitting caisse: grand régime', { code: true }),
        field('emitterFund', 9, 3, 'N', 'O', 'emitting caisse: caisse gestionnaire', { code: true }),
        field('emitterCentre', 12, 4, 'N', 'F', 'emitting caisse: centre gestionnaire', { code: true }),
        field('recipientId', 16, 9, 'N', 'O', 'recipient: FINESS juridique of the legal entity', { code: true, finess: true }),
        field('returnFileId', 25, 14, 'A', 'O', 'identifier of this return file, unique per emitter'),
        field('creationDate', 39, 6, 'D', 'O', 'date the return was made'),
        field('creationTime', 45, 4, 'N', 'O', 'time the return was made, HHMM', { code: true }),
        field('normVersion', 49, 8, 'A', 'O', 'norm and version of the return'),
        field('testIndicator', 57, 1, 'A', 'O', 'T test, R real'),
        filler('filler58', 58, 71),
      ],
    },
    {
      code: '100',
      name: 'ARL: acknowledgement of a B2 file',
      fields: [
        entity('100'),
        field('fileNumber', 4, 6, 'N', 'O', 'number of the acknowledged B2 file (its 000)', { code: true }),
        field('fileEmitterId', 10, 9, 'N', 'O', 'emitter of the acknowledged file (FINESS juridique)', { code: true, finess: true }),
        field('fileDate', 19, 6, 'D', 'O', 'creation date of the acknowledged file'),
        field('status', 25, 1, 'A', 'O', 'P positive (received and conform), N negative (re-emit the file)'),
        field('reasonCode', 26, 4, 'A', 'F', 'why the file is refused (negative ARL)'),
        field('lotCount', 30, 3, 'N', 'O', 'lots read in the file'),
        field('invoiceCount', 33, 7, 'N', 'O', 'invoices read in the file'),
        field('receivedDate', 40, 6, 'D', 'O', 'date the file was received'),
        filler('filler46', 46, 83),
      ],
    },
    {
      code: '110',
      name: 'ARL: anomaly found in the B2 file',
      fields: [
        entity('110'),
        field('line', 4, 8, 'N', 'O', 'line of the B2 file'),
        field('lotNumber', 12, 3, 'N', 'F', 'lot of that line', { code: true }),
        field('recordType', 15, 4, 'A', 'O', 'record type of that line'),
        field('fieldName', 19, 30, 'A', 'F', 'field in error', { text: true }),
        field('reasonCode', 49, 4, 'A', 'O', 'anomaly code'),
        field('comment', 53, 60, 'A', 'F', 'what is wrong', { text: true }),
        filler('filler113', 113, 16),
      ],
    },
    {
      code: '040',
      name: 'RSP: recipient (billing establishment)',
      fields: [
        entity('040'),
        field('partnerNumber', 4, 9, 'N', 'O', 'billing FINESS géographique', { code: true, finess: true }),
        filler('filler13', 13, 116),
      ],
    },
    {
      code: '200',
      name: 'RSP: invoice outcome',
      fields: [
        entity('200'),
        field('lotNumber', 4, 3, 'N', 'O', 'lot the invoice came in', { code: true }),
        field('invoiceNumber', 7, 9, 'N', 'O', 'invoice number', { code: true }),
        field('insuredNir', 16, 13, 'A', 'O', "insured person's NIR, 13 characters"),
        field('insuredNirKey', 29, 2, 'N', 'O', "key of the insured person's NIR", { code: true }),
        field('beneficiaryRank', 31, 3, 'N', 'F', 'rank of the beneficiary', { code: true }),
        field('outcome', 34, 1, 'A', 'O', 'P paid, R rejected, S paid with a warning (signalement)'),
        field('billedAmount', 35, 10, 'M', 'O', 'amount billed to the AMO as the caisse read it'),
        field('paidAmount', 45, 10, 'M', 'F', 'amount paid'),
        field('paymentDate', 55, 6, 'D', 'F', 'date of payment'),
        field('paymentReference', 61, 20, 'A', 'F', 'reference of the payment (transfer) carrying this amount'),
        field('careDate', 81, 6, 'D', 'F', 'first date of care of the invoice'),
        filler('filler87', 87, 42),
      ],
    },
    {
      code: '210',
      name: 'RSP: reject or warning motive of the invoice above',
      fields: [
        entity('210'),
        field('anomalyCode', 4, 5, 'A', 'O', 'motive code'),
        field('dataConcerned', 9, 20, 'A', 'F', 'datum concerned'),
        field('originalValue', 29, 20, 'A', 'F', 'value as billed'),
        field('replacementValue', 49, 20, 'A', 'F', 'value retained by the caisse'),
        field('comment', 69, 60, 'A', 'F', 'wording of the motive', { text: true }),
      ],
    },
    {
      code: '220',
      name: 'RSP: payment (transfer)',
      fields: [
        entity('220'),
        field('paymentReference', 4, 20, 'A', 'O', 'reference of the transfer'),
        field('paymentDate', 24, 6, 'D', 'O', 'date of the transfer'),
        field('amount', 30, 12, 'M', 'O', 'amount of the transfer'),
        field('invoiceCount', 42, 6, 'N', 'O', 'invoices the transfer pays'),
        filler('filler48', 48, 81),
      ],
    },
    {
      code: '990',
      name: 'totals',
      fields: [
        entity('990'),
        field('entityCount', 4, 8, 'N', 'O', 'entities between the 000 and this 990'),
        field('invoiceCount', 12, 7, 'N', 'O', 'invoice outcomes (200)'),
        field('totalBilled', 19, 12, 'M', 'O', 'sum of billedAmount of the 200'),
        field('totalPaid', 31, 12, 'M', 'O', 'sum of paidAmount of the 200'),
        filler('filler43', 43, 86),
      ],
    },
    {
      code: '999',
      name: 'end of file',
      fields: [
        entity('999'),
        field('recordCount', 4, 8, 'N', 'O', 'records of the file, 000 and 999 included'),
        filler('filler12', 12, 117),
      ],
    },
  ],
};
