import { NIR_SYSTEMS } from '../../src/fhir/fhir-systems';

/** A kiosk's CoverageEligibilityRequest for a NIR (contained Patient, INS-NIR test OID). */
export function eligibilityRequest(
  nir: string,
  opts: { identifier?: string; servicedDate?: string; system?: string; birthDate?: string } = {},
) {
  return {
    resourceType: 'CoverageEligibilityRequest',
    ...(opts.identifier ? { identifier: [{ system: 'urn:ietf:rfc:3986', value: opts.identifier }] } : {}),
    contained: [
      {
        resourceType: 'Patient',
        id: 'pat',
        identifier: [{ system: opts.system ?? NIR_SYSTEMS.testNir, value: nir }],
        ...(opts.birthDate ? { birthDate: opts.birthDate } : {}),
      },
    ],
    status: 'active',
    purpose: ['validation'],
    patient: { reference: '#pat' },
    servicedDate: opts.servicedDate ?? new Date().toISOString().slice(0, 10),
    created: new Date().toISOString().slice(0, 10),
    insurer: { display: 'AMO' },
  };
}
