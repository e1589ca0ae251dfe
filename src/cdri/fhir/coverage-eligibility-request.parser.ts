import { GatewayError } from '../../common/gateway-error';
import { FINESS_SYSTEM, NIR_SYSTEMS, NIR_SYSTEM_LIST } from '../../fhir/fhir-systems';
import { isIsoDate } from '../../identifiers';

export interface ParsedEligibilityRequest {
  nir: string;
  nirField: string;
  assureNir?: string;
  birthDate?: string;
  dateOfCare: string;
  finess?: string;
  /** Business identifier of the request, used as the idempotency key. */
  requestIdentifier?: string;
  patientReference: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const invalid = (message: string, field: string) => new GatewayError('INVALID_INPUT', message, field);

function asObject(v: unknown): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function nirFrom(identifiers: unknown, path: string): { system: string; value: string; field: string } | undefined {
  if (!Array.isArray(identifiers)) return undefined;
  for (let i = 0; i < identifiers.length; i++) {
    const id = asObject(identifiers[i]);
    if (!id) continue;
    if (id.system === NIR_SYSTEMS.nia) {
      throw new GatewayError(
        'BUSINESS_RULE',
        'A NIA (temporary identifier) cannot be used for an AMO rights check; a NIR is required',
        `${path}[${i}]`,
      );
    }
    if (typeof id.system === 'string' && NIR_SYSTEM_LIST.includes(id.system)) {
      if (typeof id.value !== 'string') throw invalid('NIR identifier has no value', `${path}[${i}].value`);
      return { system: id.system, value: id.value, field: `${path}[${i}].value` };
    }
  }
  return undefined;
}

function contained(resource: Json, reference: unknown, type: string): Json | undefined {
  if (typeof reference !== 'string' || !reference.startsWith('#')) return undefined;
  const list = Array.isArray(resource.contained) ? resource.contained : [];
  return list.map(asObject).find((r) => r?.resourceType === type && r.id === reference.slice(1));
}

/**
 * Reads a CoverageEligibilityRequest (kiosk path). The patient is either a contained Patient (`#id`) with an
 * INS-NIR identifier, or a logical reference by identifier. The assuré's NIR, when different, is the
 * subscriberId of a contained PUBLICPOL Coverage (as in the draft Interop'Santé pre-admission IG).
 */
export function parseEligibilityRequest(body: unknown): ParsedEligibilityRequest {
  const req = asObject(body);
  if (!req || req.resourceType !== 'CoverageEligibilityRequest') {
    throw invalid('Body must be a CoverageEligibilityRequest resource', 'resourceType');
  }
  const patientRef = asObject(req.patient);
  if (!patientRef) throw invalid('patient is required', 'CoverageEligibilityRequest.patient');
  const patient = contained(req, patientRef.reference, 'Patient');
  const nir =
    (patient && nirFrom(patient.identifier, 'CoverageEligibilityRequest.contained.Patient.identifier')) ??
    nirFrom(patientRef.identifier ? [patientRef.identifier] : undefined, 'CoverageEligibilityRequest.patient.identifier');
  if (!nir) {
    throw invalid(
      `The patient needs an INS-NIR identifier (system ${NIR_SYSTEMS.insNir}, or the test/demo OIDs)`,
      'CoverageEligibilityRequest.patient',
    );
  }

  const servicedDate = req.servicedDate ?? asObject(req.servicedPeriod)?.start;
  if (servicedDate !== undefined && (typeof servicedDate !== 'string' || !isIsoDate(servicedDate.slice(0, 10)))) {
    throw invalid('servicedDate must be a FHIR date (YYYY-MM-DD)', 'CoverageEligibilityRequest.servicedDate');
  }
  const dateOfCare = typeof servicedDate === 'string' ? servicedDate.slice(0, 10) : new Date().toISOString().slice(0, 10);

  let assureNir: string | undefined;
  const insurance = Array.isArray(req.insurance) ? req.insurance : [];
  for (let i = 0; i < insurance.length; i++) {
    const coverage = contained(req, asObject(asObject(insurance[i])?.coverage)?.reference, 'Coverage');
    if (coverage && typeof coverage.subscriberId === 'string') assureNir = coverage.subscriberId;
  }

  const providerId = asObject(asObject(req.provider)?.identifier);
  const finess = providerId?.system === FINESS_SYSTEM && typeof providerId.value === 'string' ? providerId.value : undefined;
  const identifier = Array.isArray(req.identifier) ? asObject(req.identifier[0]) : undefined;
  const birthDate = patient && typeof patient.birthDate === 'string' ? patient.birthDate : undefined;
  return {
    nir: nir.value,
    nirField: nir.field,
    assureNir: assureNir && assureNir !== nir.value ? assureNir : undefined,
    birthDate,
    dateOfCare,
    finess,
    requestIdentifier:
      identifier && typeof identifier.value === 'string'
        ? `${typeof identifier.system === 'string' ? identifier.system : ''}|${identifier.value}`
        : undefined,
    patientReference: { identifier: { system: nir.system, value: nir.value } },
  };
}
