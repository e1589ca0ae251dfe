/**
 * GENERATED from the layout declarations by b2-record-types.codegen.ts — do not edit; regenerate with
 * `npm run fides:fixtures`. Values as in b2-values.ts.
 */

/** invoice header (public) */
export type B2Record2Values = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  beneficiaryRank?: string;
  invoiceNumber: string;
  entryNumber: string;
  grandRegime: string;
  managingFund: string;
  managingCentre: string;
  rightsProofNature: string;
  coverIssuedOn?: string;
  rightsValidFrom?: string;
  issuedBy?: string;
  benefitRegime?: string;
  insuranceNature: string;
  exemptionJustification: string;
  hospitalisationDate: string;
  accidentReference?: string;
  splitFlowFlag?: string;
  birthDate: string;
  birthRank?: string;
  entryDate: string;
  exitDate: string;
  exitHour: string;
  contractType?: string;
  complementaryOrganism?: string;
};

/** invoice header complement (public) */
export type B2Record2SValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  beneficiaryRank: string;
  invoiceNumber: string;
  titleComplement?: string;
  paymentRecipient?: string;
  beneficiaryNir?: string;
  beneficiaryNirKey?: string;
  referringDoctorFlag?: string;
  referringDoctorName?: string;
  referringDoctorFirstName?: string;
  referringDoctorNumber?: string;
  carePathwayIndicator?: string;
};

/** hospital service line (public) */
export type B2Record3Values = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  beneficiaryRank: string;
  invoiceNumber: string;
  treatmentMode?: string;
  serviceDiscipline?: string;
  stayStartDate: string;
  stayEndDate: string;
  actCode: string;
  quantity: number;
  exemptionJustification?: string;
  coefficient?: number;
  dailyChargeCover?: string;
  mcoCoefficient?: number;
  unitPrice: number;
  reimbursementBase: number;
  rate: number;
  amoAmount: number;
  totalExpense: number;
  ghsNumber?: string;
  fundingRate?: number;
  patientContributionCode?: string;
  expenseQualifier?: string;
  activityDomain?: string;
  amcAmount?: number;
};

/** hospital service line complement (public) */
export type B2Record3SValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  beneficiaryRank: string;
  invoiceNumber: string;
  prescriberNumber: string;
  prescriberPracticeCondition?: string;
  prescriberSpecialty: string;
  prescriptionDate: string;
  priorAgreementRequestDate?: string;
  priorAgreementCode: string;
  executionPlace?: string;
  stayEndNature?: string;
  networkId?: string;
  technicalPackageOrder?: string;
  deviceNumber?: string;
  prescriptionOrigin?: string;
};

/** hospital service line, prescriber RPPS (public) */
export type B2Record3EValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  beneficiaryRank: string;
  invoiceNumber: string;
  prescriberRpps?: string;
  prescriberStructure?: string;
};

/** LPP device line (public) */
export type B2Record3FValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  invoiceNumber: string;
  sequence: string;
  lppCode: string;
  manufacturerSiret?: string;
  quantity: number;
  unitPrice: number;
  totalBilled: number;
  unitPurchasePrice?: number;
  unitIndemnifiableGap?: number;
  totalIndemnifiableGap?: number;
};

/** UCD drug line (liste en sus) (public) */
export type B2Record3HValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  invoiceNumber: string;
  sequence: string;
  ucdCode: string;
  splitCoefficient: number;
  unitPurchasePrice: number;
  unitIndemnifiableGap?: number;
  totalIndemnifiableGap?: number;
  quantity: number;
  totalBilled: number;
};

/** act and consultation line (public) */
export type B2Record4Values = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  beneficiaryRank: string;
  invoiceNumber: string;
  treatmentMode?: string;
  serviceDiscipline?: string;
  prescriberNumber: string;
  prescriptionOrigin?: string;
  exemptionJustification?: string;
  prescriberSpecialty?: string;
  executantNumber: string;
  executantTariffZone?: string;
  executantSpecialty?: string;
  careDate: string;
  actCode: string;
  quantity: number;
  coefficient: number;
  count: number;
  unitPrice: number;
  reimbursementBase: number;
  rate: number;
  amoAmount: number;
  feesAmount: number;
  expenseQualifier?: string;
  amcAmount?: number;
};

/** act line complement (public) */
export type B2Record4SValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  invoiceNumber: string;
  executantPracticeCondition?: string;
  coordinationOption?: string;
  theoreticalBase?: number;
  prescriberPracticeCondition?: string;
  priorAgreementRequestDate?: string;
  priorAgreementCode: string;
  amoPricingOverride?: string;
  executionPlace?: string;
  networkId?: string;
  amcPricingOverride?: string;
  technicalPackageOrder?: string;
  deviceNumber?: string;
  ghsNumber?: string;
  activityDomain: string;
  preventionFlag?: string;
  preventionQualifier?: string;
  patientContributionCode?: string;
};

/** act line, RPPS of prescriber and executant (public) */
export type B2Record4EValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  invoiceNumber: string;
  prescriberRpps?: string;
  prescriberStructure?: string;
  executantRpps?: string;
  executantStructure?: string;
};

/** NABM biology line (public) */
export type B2Record4BValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  invoiceNumber: string;
  sequence: string;
  actDate1: string;
  quantity1: number;
  nabmCode1: string;
  actDate2?: string;
  quantity2?: number;
  nabmCode2?: string;
  actDate3?: string;
  quantity3?: number;
  nabmCode3?: string;
  actDate4?: string;
  quantity4?: number;
  nabmCode4?: string;
  actDate5?: string;
  quantity5?: number;
  nabmCode5?: string;
};

/** UCD drug line (retrocession) (public) */
export type B2Record4HValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  invoiceNumber: string;
  sequence: string;
  ucdCode: string;
  splitCoefficient: number;
  reconstitutionCost?: number;
  marginAmount?: number;
  unitPriceBilled: number;
  quantity: number;
  totalBilled: number;
};

/** CCAM act line (public) */
export type B2Record4MValues = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  invoiceNumber: string;
  sequence: string;
  ccamCode: string;
  documentaryExtension?: string;
  activityCode: string;
  phaseCode?: string;
  modifier1?: string;
  modifier2?: string;
  modifier3?: string;
  modifier4?: string;
  associationCode?: string;
  conditionalReimbursement?: string;
  sessionDate?: string;
  tooth1?: string;
  tooth2?: string;
  tooth3?: string;
  tooth4?: string;
  tooth5?: string;
  tooth6?: string;
  tooth7?: string;
  tooth8?: string;
  tooth9?: string;
  tooth10?: string;
  tooth11?: string;
  tooth12?: string;
  tooth13?: string;
  tooth14?: string;
  tooth15?: string;
  tooth16?: string;
  chargeSupplement?: string;
  amcModifier1?: string;
  amcModifier2?: string;
  amcModifier3?: string;
  amcModifier4?: string;
};

/** invoice trailer (totals) (public) */
export type B2Record5Values = {
  partnerNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  beneficiaryRank?: string;
  invoiceNumber: string;
  lineRecordCount: number;
  totalHospitalBase: number;
  totalHospitalAmo: number;
  totalFees: number;
  totalFeesAmo: number;
  totalPatientShare: number;
  totalHospitalAmc?: number;
  totalFeesAmc?: number;
  totalHospitalBilled: number;
  editorReserved?: string;
};

/** file header (modelled) */
export type B2Record000Values = {
  emitterId: string;
  grandRegime: string;
  managingFund: string;
  managingCentre?: string;
  fileNumber: string;
  creationDate: string;
  creationTime: string;
  normVersion: string;
  testIndicator: string;
  softwareId?: string;
};

/** lot header (modelled) */
export type B2Record1Values = {
  partnerNumber: string;
  lotNumber?: string;
  grandRegime: string;
  managingFund: string;
  managingCentre?: string;
  creationDate: string;
  lotKind?: string;
};

/** lot trailer (modelled) */
export type B2Record6Values = {
  partnerNumber: string;
  lotNumber?: string;
  invoiceCount?: number;
  recordCount?: number;
  totalBilled?: number;
  totalAmo?: number;
};

/** file trailer (modelled) */
export type B2Record999Values = {
  emitterId: string;
  lotCount?: number;
  recordCount?: number;
  invoiceCount?: number;
};

export type B2RecordValuesByCode = {
  '2': B2Record2Values;
  '2S': B2Record2SValues;
  '3': B2Record3Values;
  '3S': B2Record3SValues;
  '3E': B2Record3EValues;
  '3F': B2Record3FValues;
  '3H': B2Record3HValues;
  '4': B2Record4Values;
  '4S': B2Record4SValues;
  '4E': B2Record4EValues;
  '4B': B2Record4BValues;
  '4H': B2Record4HValues;
  '4M': B2Record4MValues;
  '5': B2Record5Values;
  '000': B2Record000Values;
  '1': B2Record1Values;
  '6': B2Record6Values;
  '999': B2Record999Values;
};

/** return file header (modelled) */
export type NoemieRecord000Values = {
  fileKind: string;
  emitterRegime: string;
  emitterFund: string;
  emitterCentre?: string;
  recipientId: string;
  returnFileId: string;
  creationDate: string;
  creationTime: string;
  normVersion: string;
  testIndicator: string;
};

/** ARL: acknowledgement of a B2 file (modelled) */
export type NoemieRecord100Values = {
  fileNumber: string;
  fileEmitterId: string;
  fileDate: string;
  status: string;
  reasonCode?: string;
  lotCount: number;
  invoiceCount: number;
  receivedDate: string;
};

/** ARL: anomaly found in the B2 file (modelled) */
export type NoemieRecord110Values = {
  line: number;
  lotNumber?: string;
  recordType: string;
  fieldName?: string;
  reasonCode: string;
  comment?: string;
};

/** RSP: recipient (billing establishment) (modelled) */
export type NoemieRecord040Values = {
  partnerNumber: string;
};

/** RSP: invoice outcome (modelled) */
export type NoemieRecord200Values = {
  lotNumber: string;
  invoiceNumber: string;
  insuredNir: string;
  insuredNirKey: string;
  beneficiaryRank?: string;
  outcome: string;
  billedAmount: number;
  paidAmount?: number;
  paymentDate?: string;
  paymentReference?: string;
  careDate?: string;
};

/** RSP: reject or warning motive of the invoice above (modelled) */
export type NoemieRecord210Values = {
  anomalyCode: string;
  dataConcerned?: string;
  originalValue?: string;
  replacementValue?: string;
  comment?: string;
};

/** RSP: payment (transfer) (modelled) */
export type NoemieRecord220Values = {
  paymentReference: string;
  paymentDate: string;
  amount: number;
  invoiceCount: number;
};

/** totals (modelled) */
export type NoemieRecord990Values = {
  entityCount: number;
  invoiceCount: number;
  totalBilled: number;
  totalPaid: number;
};

/** end of file (modelled) */
export type NoemieRecord999Values = {
  recordCount: number;
};

export type NoemieRecordValuesByCode = {
  '000': NoemieRecord000Values;
  '100': NoemieRecord100Values;
  '110': NoemieRecord110Values;
  '040': NoemieRecord040Values;
  '200': NoemieRecord200Values;
  '210': NoemieRecord210Values;
  '220': NoemieRecord220Values;
  '990': NoemieRecord990Values;
  '999': NoemieRecord999Values;
};
