/**
 * B2 hospital-service lines: type 3 (GHS, supplements, forfait journalier…), 3S (complement), 3E (executant), 3F (LPP
 * devices), 3H (UCD drugs). [public] From the SFG FIDES ACE transcription, rules RG_MF610-614: see
 * fides-ace-invoice.layouts.ts for the source and how the declarations are checked.
 */
import type { RecordDeclaration } from '../layout-declaration';
import { complement, field, filler, identityPrefix } from './field-shorthand';

/** Types 3, 3S, 3E, 3F, 3H. */
export const HOSPITAL_LINE_RECORDS: readonly RecordDeclaration[] = [
  {
    code: '3',
    name: 'hospital service line',
    rule: 'RG_MF610',
    fields: [
      ...identityPrefix('3', '03', { rank: true }),
      field('treatmentMode', 39, 2, 'N', 'F', 'mode de traitement (MT)', { id: '0339', code: true }),
      field('serviceDiscipline', 41, 3, 'N', 'F', 'discipline de prestation (DMT)', { id: '0341', code: true }),
      field('stayStartDate', 44, 6, 'D', 'O', 'start of stay', { id: '0344', source: 'EF_BS01_02' }),
      field('stayEndDate', 50, 6, 'D', 'O', 'end of stay', { id: '0350', source: 'EF_BS01_03' }),
      field('actCode', 56, 5, 'A', 'O', 'act / service code ("4+1")', { id: '0356' }),
      field('quantity', 61, 3, 'N', 'O', 'quantity', { id: '0361', source: 'EF_VF01_02' }),
      field('exemptionJustification', 64, 1, 'A', 'F', 'exemption justification, line level', { id: '0364' }),
      field('coefficient', 65, 5, 'N', 'F', 'coefficient "3+2" (1.00 when not given)', { id: '0365', source: 'EF_VF01_01', scale: 2 }),
      field('dailyChargeCover', 70, 1, 'A', 'F', 'cover code of the forfait journalier', {
        id: '0370',
        note: 'Blank in FIDES ACE; carried here for stays (modelled use).',
      }),
      field('mcoCoefficient', 71, 5, 'N', 'F', 'MCO/HAD/SMR coefficient "1+4" in ten-thousandths', {
        id: '0371',
        source: 'EF_CF04_19',
        scale: 4,
      }),
      field('unitPrice', 76, 7, 'M', 'O', 'unit price', { id: '0376', source: 'EF_VF02_02' }),
      field('reimbursementBase', 83, 8, 'M', 'O', 'AMO reimbursement base', { id: '0383', source: 'EF_VF03_02' }),
      field('rate', 91, 3, 'N', 'O', 'reimbursement rate (%)', { id: '0391', source: 'EF_VF04_02' }),
      field('amoAmount', 94, 8, 'M', 'O', 'amount reimbursable by the caisse', { id: '0394', source: 'EF_VF05_03' }),
      field('totalExpense', 102, 8, 'M', 'O', 'total expense (AMO + AMC amounts, or fees with FPU/FPV or forfait journalier)', {
        id: '03102',
      }),
      field('ghsNumber', 110, 4, 'N', 'F', 'GHS / GHT / GMT number', {
        id: '03110',
        code: true,
        note: '0000 in FIDES ACE; carries the GHS of a stay (modelled use).',
      }),
      field('fundingRate', 114, 3, 'N', 'F', 'funding rate', {
        id: '03114',
        note: 'The transcription strikes out the row with source EF_CF09_07 and keeps one with value 000.',
      }),
      field('patientContributionCode', 117, 1, 'A', 'F', 'patient contribution code', { id: '03117', source: 'EF_VF06_01' }),
      filler('filler118', 118, 2, { id: '03118' }),
      field('expenseQualifier', 120, 1, 'A', 'F', 'qualifier of the expense', { id: '03120', source: 'EF_CF04_07' }),
      field('activityDomain', 121, 1, 'A', 'F', 'activity domain', { id: '03121', source: 'EF_IP05_09' }),
      field('amcAmount', 122, 7, 'M', 'F', 'amount reimbursable by the complementary organism (0 when 0295 = F)', { id: '03122' }),
    ],
  },
  {
    code: '3S',
    name: 'hospital service line complement',
    rule: 'RG_MF611',
    note: 'Follows its type 3 immediately.',
    fields: [
      ...identityPrefix('3', '3S', { rank: true }),
      ...complement('S', '3S', 39, '01'),
      field('prescriberNumber', 42, 9, 'N', 'O', 'prescriber: PS number when liberal, else the FINESS of attachment', {
        id: '3S42',
        code: true,
        finess: true,
      }),
      field('prescriberPracticeCondition', 51, 1, 'A', 'F', "prescriber's practice condition", { id: '3S51', source: 'EF_IP02_02' }),
      field('prescriberSpecialty', 52, 2, 'N', 'O', "salaried prescriber's specialty", {
        id: '3S52',
        code: true,
        note: 'The transcription says "blank" unless salaried, for a numeric field: we write zeros (the general rule).',
      }),
      field('prescriptionDate', 54, 6, 'D', 'O', 'date of prescription', { id: '3S54', source: 'EF_IP01_01' }),
      field('priorAgreementRequestDate', 60, 6, 'D', 'F', 'date of the prior-agreement request', { id: '3S60', source: 'EF_IP14_03' }),
      field('priorAgreementCode', 66, 1, 'N', 'O', 'prior-agreement code', { id: '3S66', source: 'EF_IP14_02', code: true }),
      field('executionPlace', 67, 14, 'N', 'F', 'establishment of transfer/return or place of the act (FINESS géographique)', {
        id: '3S67',
        source: 'EF_IP16_01',
        code: true,
        finess: true,
      }),
      field('stayEndNature', 81, 1, 'A', 'F', 'nature of interruption or end of stay', { id: '3S81' }),
      field('networkId', 82, 14, 'N', 'F', 'care network identification', {
        id: '3S82',
        code: true,
        note: 'The transcription says "blank" for a numeric field: zeros written.',
      }),
      field('technicalPackageOrder', 96, 5, 'N', 'F', 'order number of the technical package (exam)', {
        id: '3S96',
        source: 'EF_CF06_02',
        code: true,
      }),
      field('deviceNumber', 101, 14, 'N', 'F', 'imaging device number', { id: '3S101', source: 'EF_CF06_01', code: true }),
      field('prescriptionOrigin', 115, 1, 'A', 'F', 'origin of the prescription', { id: '3S115', source: 'EF_IP01_02' }),
      filler('filler116', 116, 13, {
        id: '3S116',
        note: 'The transcription gives 16 characters, which would end at 131: 13 (116-128) is what closes the record.',
      }),
    ],
  },
  {
    code: '3E',
    name: 'hospital service line, prescriber RPPS',
    rule: 'RG_MF612',
    note: 'Only when the prescriber has an RPPS; follows the 3S (or the 3 when there is no 3S).',
    fields: [
      ...identityPrefix('3', '3E', { rank: true }),
      ...complement('E', '3E', 39, '01'),
      field('prescriberRpps', 42, 11, 'A', 'F', "prescriber's RPPS + key", { id: '3E42', source: 'EF_IP02_04' }),
      field('prescriberStructure', 53, 14, 'A', 'F', 'structure where the prescription was made', {
        id: '3E53',
        source: 'EF_IP17_01',
        finess: true,
      }),
      filler('filler67', 67, 62, { id: '3E67' }),
    ],
  },
  {
    code: '3F',
    name: 'LPP device line',
    rule: 'RG_MF613',
    note: 'Follows a 3S or 3E; up to 10 per type 3, sequence 01-10. No rank field: the invoice number sits at 27.',
    fields: [
      ...identityPrefix('3', '3F', { rank: false }),
      ...complement('F', '3F', 36),
      filler('reservedSesam', 39, 4, {
        id: '3F39',
        note: 'The transcription says N, mandatory, value "blank": written blank.',
      }),
      field('lppCode', 43, 13, 'A', 'O', 'LPP reference code (7 characters, left-aligned)', { id: '3F43', source: 'EF_IP12_01' }),
      field('manufacturerSiret', 56, 14, 'A', 'F', "manufacturer's or importer's SIRET", { id: '3F56', source: 'EF_IP12_02' }),
      field('quantity', 70, 2, 'N', 'O', 'quantity', { id: '3F70', source: 'EF_IP12_04' }),
      field('unitPrice', 72, 7, 'M', 'O', 'LPP reference tariff or unit price on estimate', { id: '3F72', source: 'EF_IP12_03' }),
      field('totalBilled', 79, 7, 'M', 'O', 'total billed', { id: '3F79', source: 'EF_IP12_05' }),
      field('unitPurchasePrice', 86, 7, 'M', 'F', 'unit purchase price', { id: '3F86', source: 'EF_IP12_06' }),
      field('unitIndemnifiableGap', 93, 7, 'M', 'F', 'unit indemnifiable gap', { id: '3F93', source: 'EF_IP12_07' }),
      field('totalIndemnifiableGap', 100, 7, 'M', 'F', 'total indemnifiable gap', { id: '3F100', source: 'EF_IP12_08' }),
      filler('filler107', 107, 22, { id: '3F107' }),
    ],
  },
  {
    code: '3H',
    name: 'UCD drug line (liste en sus)',
    rule: 'RG_MF614',
    note: 'Follows a 3S or 3E; up to 10 per type 3, sequence 01-10.',
    fields: [
      ...identityPrefix('3', '3H', { rank: false }),
      ...complement('H', '3H', 36),
      field('reservedSesam', 39, 4, 'N', 'F', 'reserved', { id: '3H39', constant: '0000' }),
      filler('filler43', 43, 6, { id: '3H43' }),
      field('ucdCode', 49, 7, 'N', 'O', 'UCD code', { id: '3H49', source: 'EF_IP13_01', code: true }),
      filler('filler56', 56, 1, { id: '3H56' }),
      field('splitCoefficient', 57, 5, 'N', 'O', 'fractioning coefficient "1+4"', { id: '3H57', source: 'EF_IP13_02', scale: 4 }),
      filler('filler62', 62, 5, { id: '3H62' }),
      field('unitPurchasePrice', 67, 7, 'M', 'O', 'unit purchase price incl. VAT (negotiated, or the JO tariff)', { id: '3H67' }),
      field('unitIndemnifiableGap', 74, 7, 'M', 'F', 'unit indemnifiable gap', { id: '3H74', source: 'EF_IP13_08' }),
      field('totalIndemnifiableGap', 81, 7, 'M', 'F', 'total indemnifiable gap', { id: '3H81', source: 'EF_IP13_09' }),
      field('quantity', 88, 3, 'N', 'O', 'quantity', { id: '3H88', source: 'EF_IP13_06' }),
      field('totalBilled', 91, 7, 'M', 'O', 'total billed incl. VAT', { id: '3H91', source: 'EF_IP13_07' }),
      filler('filler98', 98, 31, { id: '3H98' }),
    ],
  },
];
