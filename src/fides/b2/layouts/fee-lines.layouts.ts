/**
 * B2 act and consultation lines: type 4 (NGAP fees), 4S (complement), 4E (executant), 4B (NABM biology), 4H
 * (retrocession drugs), 4M (CCAM coding). [public] From the SFG FIDES ACE transcription, rules RG_MF620-626: see
 * fides-ace-invoice.layouts.ts for the source and how the declarations are checked.
 */
import type { RecordDeclaration } from '../layout-declaration';
import { complement, field, filler, identityPrefix } from './field-shorthand';

/** Types 4, 4S, 4E, 4B, 4H, 4M. */
export const FEE_LINE_RECORDS: readonly RecordDeclaration[] = [
  {
    code: '4',
    name: 'act and consultation line',
    rule: 'RG_MF620',
    fields: [
      ...identityPrefix('4', '04', { rank: true }),
      field('treatmentMode', 39, 2, 'N', 'F', 'mode de traitement (MT)', { id: '0439', code: true }),
      field('serviceDiscipline', 41, 3, 'N', 'F', 'discipline de prestation (DMT)', { id: '0441', code: true }),
      field('prescriberNumber', 44, 9, 'N', 'O', 'prescriber number + key', {
        id: '0444',
        source: 'EF_IP02_03',
        code: true,
        finess: true,
      }),
      field('prescriptionOrigin', 53, 1, 'A', 'F', 'origin of the prescription', { id: '0453', source: 'EF_IP01_02' }),
      field('exemptionJustification', 54, 1, 'A', 'F', 'exemption justification, line level', { id: '0454', source: '0364' }),
      field('prescriberSpecialty', 55, 2, 'N', 'F', "prescriber's specialty (salaried)", { id: '0455', code: true }),
      field('executantNumber', 57, 9, 'N', 'O', 'executant number + key', { id: '0457', source: '0202', code: true, finess: true }),
      field('executantTariffZone', 66, 2, 'N', 'F', "executant's tariff zone", { id: '0466', code: true }),
      field('executantSpecialty', 68, 2, 'N', 'F', "executant's specialty", { id: '0468', source: 'EF_IP03_01', code: true }),
      field('careDate', 70, 6, 'D', 'O', 'date of care', { id: '0470', source: 'EF_IP05_01' }),
      field('actCode', 76, 5, 'A', 'O', 'act code ("4+1"): NGAP letter key, or CCAM grouping code', { id: '0476' }),
      field('quantity', 81, 2, 'N', 'O', 'quantity', { id: '0481', source: 'EF_VF01_02' }),
      field('coefficient', 83, 6, 'N', 'O', 'coefficient "4+2" (1.00 when not given)', { id: '0483', source: 'EF_VF01_01', scale: 2 }),
      field('count', 89, 2, 'N', 'O', 'dénombrement', { id: '0489', source: 'EF_VF01_03' }),
      field('unitPrice', 91, 7, 'M', 'O', 'unit price', { id: '0491', source: 'EF_VF02_02' }),
      field('reimbursementBase', 98, 7, 'M', 'O', 'AMO reimbursement base', { id: '0498', source: 'EF_VF03_02' }),
      field('rate', 105, 3, 'N', 'O', 'reimbursement rate (%)', { id: '04105', source: 'EF_VF04_02' }),
      field('amoAmount', 108, 7, 'M', 'O', 'amount reimbursable by the AMO', { id: '04108', source: 'EF_VF05_03' }),
      field('feesAmount', 115, 7, 'M', 'O', 'fees, excess included', { id: '04115', source: '03102' }),
      field('expenseQualifier', 122, 1, 'A', 'F', 'qualifier of the expense', { id: '04122', source: 'EF_CF04_07' }),
      field('amcAmount', 123, 6, 'M', 'F', 'amount reimbursable by the complementary organism ("4+2": at most 9999.99)', { id: '04123' }),
    ],
  },
  {
    code: '4S',
    name: 'act line complement',
    rule: 'RG_MF621',
    note: 'Follows its type 4 immediately.',
    fields: [
      ...identityPrefix('4', '4S', { rank: false }),
      ...complement('S', '4S', 36, '01'),
      field('executantPracticeCondition', 39, 1, 'A', 'F', "executant's practice condition", { id: '4S39', source: 'EF_IP03_04' }),
      field('coordinationOption', 40, 1, 'A', 'F', 'coordination option', { id: '4S40' }),
      field('theoreticalBase', 41, 7, 'M', 'F', 'theoretical reimbursement base', { id: '4S41' }),
      field('prescriberPracticeCondition', 48, 1, 'A', 'F', "prescriber's practice condition", { id: '4S48', source: 'EF_IP02_02' }),
      field('priorAgreementRequestDate', 49, 6, 'D', 'F', 'date of the prior-agreement request', { id: '4S49', source: 'EF_IP14_03' }),
      field('priorAgreementCode', 55, 1, 'N', 'O', 'prior-agreement code', { id: '4S55', source: 'EF_IP14_02', code: true }),
      filler('filler56', 56, 15, {
        id: '4S56',
        note: 'The transcription gives 10 characters and the next field at 71: positions 66-70 are covered by none; 15 closes the gap.',
      }),
      field('amoPricingOverride', 71, 1, 'A', 'F', 'AMO pricing override flag', { id: '4S71' }),
      field('executionPlace', 72, 14, 'N', 'F', 'place of the act (FINESS géographique)', {
        id: '4S72',
        source: 'EF_IP16_01',
        code: true,
        finess: true,
      }),
      field('networkId', 86, 14, 'N', 'F', 'care network identification', { id: '4S86', code: true }),
      field('amcPricingOverride', 100, 1, 'A', 'F', 'AMC pricing override flag', { id: '4S100' }),
      field('technicalPackageOrder', 101, 5, 'N', 'F', 'order number of the technical package (exam)', {
        id: '4S101',
        source: 'EF_CF06_02',
        code: true,
      }),
      field('deviceNumber', 106, 14, 'N', 'F', 'device number or secure video connection id', {
        id: '4S106',
        source: 'EF_CF06_01',
        code: true,
      }),
      field('ghsNumber', 120, 4, 'N', 'F', 'GHS / GHT / GMT number', { id: '4S120', code: true }),
      field('activityDomain', 124, 1, 'A', 'O', 'activity domain', { id: '4S124', source: 'EF_IP05_09' }),
      field('preventionFlag', 125, 1, 'A', 'F', 'joint AMO/AMC prevention action', { id: '4S125' }),
      field('preventionQualifier', 126, 2, 'A', 'F', 'qualifier of the prevention scheme', { id: '4S126' }),
      field('patientContributionCode', 128, 1, 'A', 'F', 'patient contribution code', { id: '4S128', source: 'EF_VF06_01' }),
    ],
  },
  {
    code: '4E',
    name: 'act line, RPPS of prescriber and executant',
    rule: 'RG_MF622',
    note: 'Only when an RPPS is known; follows the 4S.',
    fields: [
      ...identityPrefix('4', '4E', { rank: false }),
      ...complement('E', '4E', 36, '01'),
      field('prescriberRpps', 39, 11, 'N', 'F', "prescriber's RPPS + key", {
        id: '4E39',
        source: 'EF_IP02_04',
        code: true,
        note: 'N here while the same datum is A in the 3E: kept as the transcription says.',
      }),
      field('prescriberStructure', 50, 14, 'A', 'F', 'structure where the prescription was made', {
        id: '4E50',
        source: 'EF_IP17_01',
        finess: true,
      }),
      field('executantRpps', 64, 11, 'N', 'F', "executant's RPPS + key", { id: '4E64', source: 'EF_IP03_02', code: true }),
      field('executantStructure', 75, 14, 'A', 'F', 'structure where the act was done', {
        id: '4E75',
        source: 'EF_IP16_01',
        finess: true,
      }),
      filler('filler89', 89, 40, { id: '4E89' }),
    ],
  },
  {
    code: '4B',
    name: 'NABM biology line',
    rule: 'RG_MF623',
    note: 'Follows a 4S or 4E; up to 10 per type 4, sequence 01-10; five (date, quantity, code) slots.',
    fields: [
      ...identityPrefix('4', '4B', { rank: false }),
      ...complement('B', '4B', 36),
      filler('reservedSesam', 39, 4, { id: '4B39' }),
      filler('filler43', 43, 6, { id: '4B43' }),
      ...[1, 2, 3, 4, 5].flatMap((n) => {
        const at = 49 + (n - 1) * 16;
        const presence = n === 1 ? 'O' : 'F';
        return [
          field(`actDate${n}`, at, 6, 'D', presence, `date of act ${n}`, { id: `4B${at}`, source: 'EF_IP05_01' }),
          field(`quantity${n}`, at + 6, 2, 'N', presence, `quantity of act ${n} (1)`, { id: `4B${at + 6}` }),
          field(`nabmCode${n}`, at + 8, 8, 'N', presence, `NABM code of act ${n}`, {
            id: `4B${at + 8}`,
            source: 'EF_IP11_01',
            code: true,
          }),
        ];
      }),
    ],
  },
  {
    code: '4H',
    name: 'UCD drug line (retrocession)',
    rule: 'RG_MF625',
    note: 'Follows a 4S or 4E; up to 10 per type 4, sequence 01-10.',
    fields: [
      ...identityPrefix('4', '4H', { rank: false }),
      ...complement('H', '4H', 36),
      filler('reservedSesam', 39, 4, { id: '4H39' }),
      filler('filler43', 43, 6, { id: '4H43' }),
      field('ucdCode', 49, 7, 'N', 'O', 'UCD code', { id: '4H49', source: 'EF_IP13_01', code: true }),
      filler('filler56', 56, 1, { id: '4H56' }),
      field('splitCoefficient', 57, 5, 'N', 'O', 'fractioning coefficient "1+4"', { id: '4H57', source: 'EF_IP13_02', scale: 4 }),
      filler('filler62', 62, 5, { id: '4H62' }),
      field('reconstitutionCost', 67, 7, 'M', 'F', 'cost of reconstituting the drug, incl. VAT', { id: '4H67', source: 'EF_IP13_03' }),
      field('marginAmount', 74, 7, 'M', 'F', 'margin incl. VAT', { id: '4H74', source: 'EF_IP13_04' }),
      field('unitPriceBilled', 81, 7, 'M', 'O', 'unit price billed incl. VAT', { id: '4H81', source: 'EF_IP13_05' }),
      field('quantity', 88, 3, 'N', 'O', 'quantity', { id: '4H88', source: 'EF_IP13_06' }),
      field('totalBilled', 91, 7, 'M', 'O', 'total billed incl. VAT', { id: '4H91', source: 'EF_IP13_07' }),
      filler('filler98', 98, 31, { id: '4H98' }),
    ],
  },
  {
    code: '4M',
    name: 'CCAM act line',
    rule: 'RG_MF626',
    note: 'Follows a 4S or 4E; up to 26 per type 4, sequence 01-26, sorted by session date; modifiers filled from the first without gaps.',
    fields: [
      ...identityPrefix('4', '4M', { rank: false }),
      ...complement('M', '4M', 36),
      filler('reservedSesam', 39, 4, { id: '4M39' }),
      field('ccamCode', 43, 13, 'A', 'O', 'CCAM act code (7 characters, left-aligned)', { id: '4M43', source: 'EF_IP08_01' }),
      field('documentaryExtension', 56, 1, 'A', 'F', 'CCAM documentary extension', { id: '4M56', source: 'EF_IP08_04' }),
      field('activityCode', 57, 1, 'A', 'O', 'CCAM activity code', { id: '4M57', source: 'EF_IP08_02' }),
      field('phaseCode', 58, 1, 'N', 'F', 'CCAM treatment phase', { id: '4M58', source: 'EF_IP08_03', code: true }),
      ...[1, 2, 3, 4].map((n) =>
        field(`modifier${n}`, 58 + n, 1, 'A', 'F', `CCAM AMO modifier ${n}`, { id: `4M${58 + n}`, source: 'EF_IP09_01' }),
      ),
      field('associationCode', 63, 1, 'A', 'F', 'CCAM association code', { id: '4M63', source: 'EF_IP08_05' }),
      field('conditionalReimbursement', 64, 1, 'A', 'F', 'CCAM reimbursement-under-condition code', { id: '4M64', source: 'EF_IP08_06' }),
      field('sessionDate', 65, 6, 'D', 'F', 'date of the session of the phase', { id: '4M65', source: 'EF_IP08_07' }),
      ...Array.from({ length: 16 }, (_, i) =>
        field(`tooth${i + 1}`, 71 + 2 * i, 2, 'A', 'F', `tooth treated ${i + 1}`, { id: `4M${71 + 2 * i}`, source: 'EF_IP10_01' }),
      ),
      field('chargeSupplement', 103, 1, 'A', 'F', 'charge supplement', { id: '4M103' }),
      ...[1, 2, 3, 4].map((n) => field(`amcModifier${n}`, 103 + n, 1, 'A', 'F', `AMC modifier ${n}`, { id: `4M${103 + n}` })),
      filler('filler108', 108, 21, { id: '4M108' }),
    ],
  },
];
