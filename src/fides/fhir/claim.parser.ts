import { GatewayError } from '../../common/gateway-error';
import { NIR_SYSTEM_LIST, FINESS_SYSTEM } from '../../fhir/fhir-systems';
import { isIsoDate, isValidFiness, validateNir } from '../../identifiers';
import type { InvoiceDraft, InvoiceDraftLine } from '../invoice-draft';
import { CLAIM_TYPE_SYSTEM, CURRENCY, FIDES_CODE_SYSTEMS, FIDES_EXTENSIONS as X, FIDES_IDENTIFIERS } from './fides-fhir-definitions';

/** Claim.type codes we bill: a stay is institutional, an external consultation (ACE) professional. */
const CLAIM_KINDS: Record<string, 'ace' | 'stay' | undefined> = { institutional: 'stay', professional: 'ace' };

/** B2 invoices hold 1–999 lines. */
export const MAX_CLAIM_ITEMS = 999;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** 400 naming the FHIRPath; never the value (NIRs). */
const invalid = (path: string, what: string) => new GatewayError('INVALID_INPUT', `${path} ${what}`, path);
const rule = (path: string, what: string) => new GatewayError('BUSINESS_RULE', `${path} ${what}`, path);

function str(o: Json, key: string, path: string, required: true): string;
function str(o: Json, key: string, path: string, required?: false): string | undefined;
function str(o: Json, key: string, path: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined) {
    if (required) throw invalid(`${path}.${key}`, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 200)
    throw invalid(`${path}.${key}`, 'must be a non-empty string (≤ 200 characters)');
  return v;
}

function date(o: Json, key: string, path: string): string | undefined {
  const v = str(o, key, path);
  if (v !== undefined && !isIsoDate(v)) throw invalid(`${path}.${key}`, 'must be a date YYYY-MM-DD');
  return v;
}

/** Euros (≤ 2 decimals) → cents. */
function cents(money: unknown, path: string): number | undefined {
  if (money === undefined) return undefined;
  if (!isObject(money) || typeof money.value !== 'number' || money.value < 0 || !Number.isFinite(money.value))
    throw invalid(path, 'must be a Money with a value ≥ 0');
  if (money.currency !== undefined && money.currency !== CURRENCY) throw invalid(`${path}.currency`, `must be ${CURRENCY}`);
  const c = Math.round(money.value * 100);
  if (Math.abs(c - money.value * 100) > 1e-6 || c > 99_999_999) throw invalid(path, 'must have at most 2 decimals and be under 1,000,000');
  return c;
}

function extensionOf(o: Json, url: string): Json | undefined {
  return list(o.extension).find((e): e is Json => isObject(e) && e.url === url);
}

function extCode(o: Json, url: string, path: string, pattern: RegExp): string | undefined {
  const e = extensionOf(o, url);
  if (!e) return undefined;
  const v = e.valueCode ?? e.valueString;
  if (typeof v !== 'string' || !pattern.test(v)) throw invalid(`${path}.extension('${url}')`, `must match ${pattern.source}`);
  return v;
}

/** A NIR as 13 + key, checked (sex, date, key): the INS-NIR of the FR Core systems. */
function nirOf(value: unknown, path: string): { nir: string; key: string } {
  if (typeof value !== 'string' || value.length !== 15) throw invalid(path, 'must be a 15-character NIR (13 + key)');
  if (!validateNir(value).ok) throw invalid(path, 'is not a valid NIR (format or key)');
  return { nir: value.slice(0, 13), key: value.slice(13) };
}

function identifierValue(ref: unknown, systems: readonly string[], path: string): string {
  if (!isObject(ref) || !isObject(ref.identifier)) throw invalid(`${path}.identifier`, 'is required');
  const id = ref.identifier;
  if (typeof id.system !== 'string' || !systems.includes(id.system))
    throw invalid(`${path}.identifier.system`, `must be one of ${systems.join(', ')}`);
  return str(id, 'value', `${path}.identifier`, true);
}

function claimIdentifier(claim: Json, system: string): string | undefined {
  const found = list(claim.identifier).filter((i): i is Json => isObject(i) && i.system === system);
  if (found.length > 1) throw invalid('Claim.identifier', `holds ${system} more than once`);
  return found[0] ? str(found[0], 'value', 'Claim.identifier', true) : undefined;
}

/** The invoice number as B2 writes it: 9 digits, zero-padded. */
export function normaliseInvoiceNumber(value: string, path = 'Claim.identifier'): string {
  if (!/^[0-9]{1,9}$/.test(value)) throw invalid(path, 'invoice number must be 1 to 9 digits');
  if (/^0+$/.test(value)) throw rule(path, 'invoice number must not be zero');
  return value.padStart(9, '0');
}

function item(raw: unknown, i: number): InvoiceDraftLine {
  const path = `Claim.item[${i}]`;
  if (!isObject(raw)) throw invalid(path, 'must be an object');
  const pos = raw.productOrService;
  const codings = isObject(pos) ? list(pos.coding).filter(isObject) : [];
  const coding = codings.find((c) => typeof c.system === 'string' && FIDES_CODE_SYSTEMS[c.system] !== undefined);
  if (!coding) throw invalid(`${path}.productOrService.coding`, `needs a code from one of ${Object.keys(FIDES_CODE_SYSTEMS).join(', ')}`);
  const kind = FIDES_CODE_SYSTEMS[coding.system as string];
  const code = str(coding, 'code', `${path}.productOrService.coding`, true);
  if (!/^[A-Z0-9+]{1,15}$/i.test(code)) throw invalid(`${path}.productOrService.coding.code`, 'must be 1–15 letters or digits');
  let quantity: unknown;
  if (raw.quantity !== undefined) quantity = isObject(raw.quantity) ? raw.quantity.value : NaN;
  if (quantity !== undefined && (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 999))
    throw invalid(`${path}.quantity.value`, 'must be a whole number 1–999');
  const factor = raw.factor;
  if (
    factor !== undefined &&
    (typeof factor !== 'number' || factor <= 0 || factor > 9999 || Math.abs(factor * 100 - Math.round(factor * 100)) > 1e-6)
  )
    throw invalid(`${path}.factor`, 'must be a coefficient > 0 with at most 2 decimals');
  const rateExt = extensionOf(raw, X.rate);
  const rate = rateExt?.valueUnsignedInt;
  if (rateExt && (typeof rate !== 'number' || !Number.isInteger(rate) || rate > 100))
    throw invalid(`${path}.extension('${X.rate}')`, 'must be a whole percent 0–100');
  const modifiers = list(raw.modifier).flatMap((m, j) => {
    const c = isObject(m) ? list(m.coding).find(isObject) : undefined;
    if (!c) throw invalid(`${path}.modifier[${j}]`, 'needs a coding');
    return [str(c, 'code', `${path}.modifier[${j}].coding`, true)];
  });
  if (modifiers.length > 4) throw invalid(`${path}.modifier`, 'holds at most 4 modifiers');
  return {
    kind,
    sourceRef: `claim:item/${typeof raw.sequence === 'number' ? raw.sequence : i + 1}`,
    code,
    careDate: date(raw, 'servicedDate', path),
    quantity,
    // A Claim item has no dénombrement of its own: the quantity is the count of acts [modelled].
    count: quantity,
    coefficient: factor === undefined ? undefined : Math.round(factor * 100),
    unitPrice: cents(raw.unitPrice, `${path}.unitPrice`),
    totalBilled: cents(raw.net, `${path}.net`),
    reimbursementBase: cents(extensionOf(raw, X.reimbursementBase)?.valueMoney, `${path}.extension('${X.reimbursementBase}')`),
    rate: rate as number | undefined,
    amoAmount: cents(extensionOf(raw, X.amoAmount)?.valueMoney, `${path}.extension('${X.amoAmount}')`),
    exemptionJustification: extCode(raw, X.exoneration, path, /^[0-9A-Z]$/),
    ...(kind === 'ccam'
      ? {
          ccam: {
            activity: extCode(raw, X.ccamActivity, path, /^[0-9]$/),
            phase: extCode(raw, X.ccamPhase, path, /^[0-9]$/),
            modifiers,
          },
        }
      : {}),
  };
}

/**
 * A FHIR R4 Claim (use = claim), one invoice, → InvoiceDraft. Structure errors are 400 and rule errors 422, each
 * naming the FHIRPath; values are never echoed. What is checked here is what the mapping needs (identifiers, NIR
 * keys, FINESS, dates, amounts); the billing rules are pre-flight's.
 */
export function parseClaim(body: unknown): InvoiceDraft {
  if (!isObject(body) || body.resourceType !== 'Claim') throw invalid('Claim', 'must be a FHIR Claim (resourceType Claim)');
  if (body.use !== 'claim') throw invalid('Claim.use', "must be 'claim' (predetermination and preauthorization are not invoices)");
  if (body.status !== undefined && body.status !== 'active') throw invalid('Claim.status', "must be 'active'");

  const rawNumber = claimIdentifier(body, FIDES_IDENTIFIERS.invoiceNumber);
  if (rawNumber === undefined) throw invalid('Claim.identifier', `needs the invoice number (system ${FIDES_IDENTIFIERS.invoiceNumber})`);
  const invoiceNumber = normaliseInvoiceNumber(rawNumber);
  const entry = claimIdentifier(body, FIDES_IDENTIFIERS.entryNumber);
  if (entry === undefined || !/^[0-9A-Z]{1,9}$/i.test(entry))
    throw invalid('Claim.identifier', `needs the entry number, 1–9 characters (system ${FIDES_IDENTIFIERS.entryNumber})`);

  const finess = identifierValue(body.provider, [FINESS_SYSTEM], 'Claim.provider');
  if (!isValidFiness(finess)) throw invalid('Claim.provider.identifier.value', 'must be a valid FINESS (9 characters, check digit)');

  const types = isObject(body.type) ? list(body.type.coding).filter(isObject) : [];
  const typeCode = types.find((c) => c.system === CLAIM_TYPE_SYSTEM)?.code;
  const kind = CLAIM_KINDS[String(typeCode)];
  if (!kind) throw invalid('Claim.type', `needs a ${CLAIM_TYPE_SYSTEM} code: institutional (stay) or professional (ACE)`);

  const beneficiary = nirOf(identifierValue(body.patient, NIR_SYSTEM_LIST, 'Claim.patient'), 'Claim.patient.identifier.value');

  // AMO coverage: a contained Coverage the first insurance points at.
  const insurance = list(body.insurance).filter(isObject);
  if (insurance.length === 0) throw invalid('Claim.insurance', 'is required (the AMO coverage)');
  const ref = isObject(insurance[0].coverage) ? insurance[0].coverage.reference : undefined;
  if (typeof ref !== 'string' || !ref.startsWith('#'))
    throw invalid('Claim.insurance[0].coverage.reference', 'must point at a contained Coverage (#id)');
  const coverage = list(body.contained).find((c): c is Json => isObject(c) && c.resourceType === 'Coverage' && c.id === ref.slice(1));
  if (!coverage) throw invalid('Claim.contained', `holds no Coverage with id ${ref.slice(1)}`);
  const cov = "Claim.contained.where(resourceType='Coverage')";
  const subscriber = coverage.subscriberId === undefined ? beneficiary : nirOf(coverage.subscriberId, `${cov}.subscriberId`);
  const rank = str(coverage, 'dependent', cov);
  if (rank !== undefined && !/^[0-9]{1,3}$/.test(rank))
    throw invalid(`${cov}.dependent`, 'must be the rank of the beneficiary, 1–3 digits');
  const organism = identifierValue(list(coverage.payor)[0], [FIDES_IDENTIFIERS.amoOrganism], `${cov}.payor[0]`);
  if (!/^[0-9]{9}$/.test(organism))
    throw invalid(`${cov}.payor[0].identifier.value`, 'must be grand régime (2) + caisse (3) + centre (4) digits');

  // The patient's birth date (B2 type 2, mandatory) from the contained Patient that Claim.patient points at, if any.
  const patientRef = isObject(body.patient) ? body.patient.reference : undefined;
  const patient =
    typeof patientRef === 'string' && patientRef.startsWith('#')
      ? list(body.contained).find((c): c is Json => isObject(c) && c.resourceType === 'Patient' && c.id === patientRef.slice(1))
      : undefined;
  if (typeof patientRef === 'string' && patientRef.startsWith('#') && !patient)
    throw invalid('Claim.contained', `holds no Patient with id ${patientRef.slice(1)}`);
  const birthDate = patient ? date(patient, 'birthDate', "Claim.contained.where(resourceType='Patient')") : undefined;

  const period = isObject(body.billablePeriod) ? body.billablePeriod : {};
  const items = list(body.item);
  if (items.length === 0) throw invalid('Claim.item', 'needs at least one line');
  if (items.length > MAX_CLAIM_ITEMS) throw invalid('Claim.item', `holds at most ${MAX_CLAIM_ITEMS} lines`);
  const ownNir = beneficiary.nir !== subscriber.nir;

  return {
    source: 'fhir-claim',
    kind,
    invoiceNumber,
    entryNumber: entry.toUpperCase(),
    geographicFiness: finess,
    patient: {
      insuredNir: subscriber.nir,
      insuredNirKey: subscriber.key,
      beneficiaryNir: ownNir ? beneficiary.nir : undefined,
      beneficiaryNirKey: ownNir ? beneficiary.key : undefined,
      beneficiaryRank: rank?.padStart(3, '0'),
      birthDate,
    },
    coverage: {
      grandRegime: organism.slice(0, 2),
      managingFund: organism.slice(2, 5),
      managingCentre: organism.slice(5, 9),
      managementCode: extCode(coverage, X.managementCode, cov, /^[0-9]{2}$/),
      insuranceNature: extCode(body, X.natureAssurance, 'Claim', /^[0-9]{2}$/),
      exemptionJustification: extCode(body, X.exoneration, 'Claim', /^[0-9A-Z]$/),
      carePathwayIndicator: extCode(body, X.carePathway, 'Claim', /^[A-Z0-9]$/),
      accidentReference: extCode(body, X.accidentReference, 'Claim', /^[0-9A-Z-]{1,10}$/),
    },
    stay: { start: date(period, 'start', 'Claim.billablePeriod'), end: date(period, 'end', 'Claim.billablePeriod') },
    lines: items.map(item),
    statedTotals: {},
  };
}
