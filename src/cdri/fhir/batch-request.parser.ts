import { GatewayError } from '../../common/gateway-error';
import { type SubmittedLotItem } from '../lots/lot.store';
import { parseEligibilityRequest } from './coverage-eligibility-request.parser';

/**
 * A Bundle (type batch or collection) of CoverageEligibilityRequest, pushed by a scheduler for a lot.
 * Each entry is read like a kiosk request; an error names the entry (Bundle.entry[i]…).
 */
export function parseBatchBundle(body: unknown): { finess?: string; items: SubmittedLotItem[] } {
  const b = body as { resourceType?: string; type?: string; entry?: Array<{ resource?: unknown } | null> };
  if (!b || b.resourceType !== 'Bundle')
    throw new GatewayError('INVALID_INPUT', 'Body must be a Bundle of CoverageEligibilityRequest', 'resourceType');
  if (b.type !== 'batch' && b.type !== 'collection')
    throw new GatewayError('INVALID_INPUT', 'Bundle.type must be batch or collection', 'Bundle.type');
  const entries = Array.isArray(b.entry) ? b.entry : [];
  if (entries.length === 0) throw new GatewayError('INVALID_INPUT', 'The Bundle has no entry', 'Bundle.entry');
  let finess: string | undefined;
  const items = entries.map((e, i) => {
    try {
      // An entry may be anything a client sends (null, a number…): only an object can hold a resource.
      const r = parseEligibilityRequest(e !== null && typeof e === 'object' ? e.resource : undefined);
      finess ??= r.finess;
      const at = `Bundle.entry[${i}].resource`;
      return {
        nir: r.nir,
        birthDate: r.birthDate,
        dateOfCare: r.dateOfCare,
        source: 'fhir',
        fields: {
          nir: `${at}.${r.nirField.replace(/^CoverageEligibilityRequest\./, '')}`,
          dateOfCare: `${at}.servicedDate`,
          birthDate: `${at}.contained.Patient.birthDate`,
        },
      };
    } catch (err) {
      if (err instanceof GatewayError) {
        throw new GatewayError(
          err.code,
          `Bundle.entry[${i}]: ${err.message}`,
          `Bundle.entry[${i}].resource${err.field ? `.${err.field.replace(/^CoverageEligibilityRequest\.?/, '')}` : ''}`,
        );
      }
      throw err;
    }
  });
  return { finess, items };
}
