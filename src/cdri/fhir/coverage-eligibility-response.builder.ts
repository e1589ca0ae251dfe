import { EXTENSIONS, FINESS_SYSTEM, NIR_SYSTEMS } from '../../fhir/fhir-systems';
import { type RightsCheck } from '../rights-check.store';

type Json = Record<string, unknown>;

/**
 * A stored rights check as a CoverageEligibilityResponse. `created` is when the insurer answered and the
 * `rights-answer-expires` extension says until when it holds: a reader can always tell a stored answer's age.
 */
/** ClaimResponse-style outcome of a check by its state. */
const OUTCOME: Record<RightsCheck['state'], 'complete' | 'error' | 'queued'> = { answered: 'complete', failed: 'error', pending: 'queued' };

const STATUS_TEXT: Record<string, string> = { OPEN: 'AMO rights open', CLOSED: 'AMO rights closed' };

export function buildEligibilityResponse(check: RightsCheck, patient?: Json, now = new Date()): Json {
  const a = check.answer;
  const expired = !!check.expiresAt && check.expiresAt.getTime() <= now.getTime();
  const extension: Json[] = [];
  if (check.expiresAt) extension.push({ url: EXTENSIONS.expiresAt, valueDateTime: check.expiresAt.toISOString() });
  if (check.rightsStatus) extension.push({ url: EXTENSIONS.rightsStatus, valueCode: check.rightsStatus });
  const response: Json = {
    resourceType: 'CoverageEligibilityResponse',
    id: check.id,
    meta: { lastUpdated: (check.answeredAt ?? check.requestedAt).toISOString() },
    ...(extension.length ? { extension } : {}),
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${check.id}` }],
    status: 'active',
    purpose: ['validation', 'benefits'],
    patient: patient ?? { identifier: { system: NIR_SYSTEMS.insNir, value: check.nir } },
    servicedDate: check.dateOfCare,
    created: (check.answeredAt ?? check.requestedAt).toISOString(),
    requestor: { identifier: { system: FINESS_SYSTEM, value: check.finess } },
    request: { display: `${check.source} request by ${check.requestedBy}` },
    outcome: OUTCOME[check.state],
    disposition: disposition(check, expired),
    insurer: a?.organism
      ? {
          display: `AMO ${a.organism.grandRegime} ${a.organism.caisse} ${a.organism.centre}`,
          extension: [
            {
              url: EXTENSIONS.amoOrganism,
              valueString: `${a.organism.grandRegime}${a.organism.caisse}${a.organism.centre}|${a.organism.codeGestion}`,
            },
          ],
        }
      : { display: 'AMO (unknown organism)' },
  };
  if (a && check.state === 'answered') {
    const benefitPeriod = a.periods[0] ? { start: a.periods[0].start, ...(a.periods[0].end ? { end: a.periods[0].end } : {}) } : undefined;
    const coverageExt: Json[] = [
      { url: EXTENSIONS.c2s, valueBoolean: a.c2s },
      { url: EXTENSIONS.ame, valueBoolean: a.ame },
      { url: EXTENSIONS.maternity, valueBoolean: a.maternity },
    ];
    if (a.natureAssurance) coverageExt.push({ url: EXTENSIONS.natureAssurance, valueCode: a.natureAssurance });
    if (a.exoneration)
      coverageExt.push({ url: EXTENSIONS.exoneration, valueCoding: { code: a.exoneration.code, display: a.exoneration.label } });
    if (a.atmp) coverageExt.push({ url: EXTENSIONS.atmp, valueString: `${a.atmp.reference} ${a.atmp.date}` });
    response.insurance = [
      {
        extension: coverageExt,
        coverage: { display: 'AMO coverage (PUBLICPOL)' },
        inforce: a.status === 'OPEN',
        ...(benefitPeriod ? { benefitPeriod } : {}),
      },
    ];
    if (a.status === 'UNKNOWN_PATIENT') {
      response.error = [
        {
          code: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication-error', code: 'a002' }],
            text: 'Patient unknown to the AMO',
          },
        },
      ];
    }
  }
  if (check.state === 'failed') {
    response.error = [{ code: { text: `${check.errorCode}${check.errorMessage ? `: ${check.errorMessage}` : ''}` } }];
  }
  return response;
}

function disposition(check: RightsCheck, expired: boolean): string {
  if (check.state === 'pending') return 'Rights check queued, not answered yet';
  if (check.state === 'failed') return `Rights check failed (${check.errorCode})`;
  const when = check.answeredAt?.toISOString() ?? '';
  const status = STATUS_TEXT[check.rightsStatus ?? ''] ?? 'Patient unknown to the AMO';
  return expired ? `${status} — STORED answer from ${when}, EXPIRED: ask again before use` : `${status} (insurer answer of ${when})`;
}
