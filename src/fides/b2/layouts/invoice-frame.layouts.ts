/**
 * The frame of a B2 invoice: type 2 (header: insured, beneficiary, stay, coverage) and 2S (complement), then type 5
 * (the totals that close it). [public] From the SFG FIDES ACE transcription, rules RG_MF631-633: see
 * fides-ace-invoice.layouts.ts for the source and how the declarations are checked.
 */
import type { RecordDeclaration } from '../layout-declaration';
import { complement, field, filler, identityPrefix } from './field-shorthand';

/** Types 2 and 2S, which open an invoice. */
export const INVOICE_HEADER_RECORDS: readonly RecordDeclaration[] = [
  {
    code: '2',
    name: 'invoice header',
    rule: 'RG_MF631',
    fields: [
      ...identityPrefix('2', '02', { rank: true, rankPresence: 'F' }),
      field('operationNature', 39, 1, 'N', 'O', "nature d'opération", { id: '0239', constant: '1', key: true }),
      field('entryNumber', 40, 9, 'N', 'O', 'entry (admission) number', { id: '0240', source: 'EF_BS01_01', code: true }),
      field('grandRegime', 49, 2, 'N', 'O', 'code grand régime', { id: '0249', source: 'EF_CF08_02', code: true }),
      field('managingFund', 51, 3, 'N', 'O', 'caisse gestionnaire', { id: '0251', source: 'EF_CF08_03', code: true }),
      field('managingCentre', 54, 4, 'N', 'O', 'centre gestionnaire', { id: '0254', source: 'EF_CF08_04', code: true }),
      field('rightsProofNature', 58, 1, 'N', 'O', 'nature of the proof of AMO rights', { id: '0258', source: 'EF_BS03_02', code: true }),
      field('coverIssuedOn', 59, 6, 'D', 'F', 'prise en charge issued on', { id: '0259' }),
      field('rightsValidFrom', 65, 6, 'D', 'F', 'rights support valid from', { id: '0265' }),
      field('issuedBy', 71, 3, 'N', 'F', 'prise en charge issued by', { id: '0271', code: true }),
      field('benefitRegime', 74, 3, 'N', 'F', "insured person's benefit regime", { id: '0274', code: true }),
      field(
        'insuranceNature',
        77,
        2,
        'N',
        'O',
        "nature d'assurance: 10 maladie, 13 Alsace-Moselle, 30 maternité, 41 AT/MP, 90 prévention",
        {
          id: '0277',
          source: 'EF_CF04_01',
          code: true,
        },
      ),
      field('exemptionJustification', 79, 1, 'A', 'O', 'justification of exemption from the ticket modérateur, invoice level', {
        id: '0279',
      }),
      field('hospitalisationDate', 80, 6, 'D', 'O', 'date of hospitalisation (entry)', { id: '0280', source: 'EF_BS01_02' }),
      field('accidentReference', 86, 9, 'N', 'F', 'AT number, or date of a common-law accident as 000AAMMJJ', { id: '0286', code: true }),
      field('splitFlowFlag', 95, 1, 'A', 'F', "'F' when the AMC part is billed on a separate invoice", { id: '0295' }),
      field('birthDate', 96, 6, 'D', 'O', "beneficiary's birth date", { id: '0296', source: 'EF_BS02_01' }),
      field('birthRank', 102, 1, 'N', 'F', 'rank of birth', { id: '02102', source: 'EF_BS02_02', code: true }),
      field('entryDate', 103, 6, 'D', 'O', 'entry date', { id: '02103', source: 'EF_BS01_02' }),
      field('exitDate', 109, 6, 'D', 'O', 'exit date', { id: '02109', source: 'EF_BS01_03' }),
      field('exitHour', 115, 2, 'N', 'O', 'exit hour', { id: '02115', source: 'EF_BS01_04', code: true }),
      field('contractType', 117, 2, 'N', 'F', 'type of contract (00 by default, 89 C2S)', { id: '02117', code: true }),
      field('complementaryOrganism', 119, 10, 'A', 'F', 'complementary organism number (AME, C2S)', { id: '02119' }),
    ],
  },
  {
    code: '2S',
    name: 'invoice header complement',
    rule: 'RG_MF632',
    note: 'Follows the type 2 immediately when present.',
    fields: [
      ...identityPrefix('2', '2S', { rank: true }),
      ...complement('S', '2S', 39, '01'),
      field('titleComplement', 42, 6, 'N', 'F', 'complement of the title number (establishment code, product, constant) for the Trésor', {
        id: '2S42',
        code: true,
      }),
      field('paymentRecipient', 48, 2, 'N', 'F', 'recipient of the payment', { id: '2S48', code: true }),
      field('beneficiaryNir', 50, 13, 'A', 'F', "beneficiary's own NIR, 13 characters", { id: '2S50', source: 'EF_BS02_03' }),
      field('beneficiaryNirKey', 63, 2, 'N', 'F', "key of the beneficiary's own NIR", { id: '2S63', source: 'EF_BS02_03', code: true }),
      filler('filler65', 65, 6, { id: '2S65' }),
      field('referringDoctorFlag', 71, 1, 'A', 'F', 'médecin traitant declared', { id: '2S71', source: 'EF_CF03_02' }),
      field('referringDoctorName', 72, 25, 'A', 'F', 'surname of the médecin traitant or of the doctor who referred the patient', {
        id: '2S72',
        text: true,
      }),
      field('referringDoctorFirstName', 97, 15, 'A', 'F', 'first name of that doctor', { id: '2S97', text: true }),
      field('referringDoctorNumber', 112, 9, 'N', 'F', "médecin traitant's AMO number", {
        id: '2S112',
        source: 'EF_BS17_04',
        code: true,
      }),
      field('carePathwayIndicator', 121, 1, 'A', 'F', 'parcours de soins indicator (IPS)', { id: '2S121', source: 'EF_CF03_01' }),
      filler('filler122', 122, 7, { id: '2S122' }),
    ],
  },
];

/** Type 5, which closes an invoice with its totals. */
export const INVOICE_TRAILER_RECORDS: readonly RecordDeclaration[] = [
  {
    code: '5',
    name: 'invoice trailer (totals)',
    rule: 'RG_MF633',
    fields: [
      ...identityPrefix('5', '05', { rank: true, rankPresence: 'F' }),
      field('lineRecordCount', 39, 3, 'N', 'O', 'number of type 3x and 4x records of the invoice', { id: '0539' }),
      field('totalHospitalBase', 42, 8, 'M', 'O', 'sum of type-3 reimbursement bases (0383)', { id: '0542' }),
      field('totalHospitalAmo', 50, 8, 'M', 'O', 'sum of type-3 AMO amounts (0394)', { id: '0550', total: 'amo' }),
      field('totalFees', 58, 8, 'M', 'O', 'sum of type-4 fees (04115)', { id: '0558', total: 'billed' }),
      field('totalFeesAmo', 66, 8, 'M', 'O', 'sum of type-4 AMO amounts (04108)', { id: '0566', total: 'amo' }),
      field('totalPatientShare', 74, 8, 'M', 'O', 'patient share before AMC: Σ03102 − 0550 + 0558 − 0566', { id: '0574' }),
      field('totalHospitalAmc', 82, 8, 'M', 'F', 'sum of type-3 AMC amounts (03122)', { id: '0582' }),
      field('totalFeesAmc', 90, 8, 'M', 'F', 'sum of type-4 AMC amounts (04123)', { id: '0590' }),
      filler('filler98', 98, 17, { id: '0598' }),
      field('totalHospitalBilled', 115, 8, 'M', 'O', 'sum of type-3 total expenses (03102)', { id: '05115', total: 'billed' }),
      field('editorReserved', 123, 4, 'A', 'F', 'reserved for editors', { id: '05123' }),
      filler('filler127', 127, 2, { id: '05127' }),
    ],
  },
];
