import { GatewayError } from '../../common/gateway-error';

/** One Claim of a `batch` Bundle, or why its entry cannot be read (answered in that entry, never for the whole Bundle). */
export type BatchEntry = { index: number; resource: unknown } | { index: number; error: GatewayError };

/** A `batch` Bundle of Claims (POST /fhir): the Bundle's own shape is checked here, each entry's Claim by its receiver. */
export function readClaimBatch(body: unknown, maxEntries: number): BatchEntry[] {
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown };
  if (typeof body !== 'object' || body === null || bundle.resourceType !== 'Bundle')
    throw new GatewayError('INVALID_INPUT', 'Bundle must be a FHIR Bundle', 'Bundle');
  if (bundle.type !== 'batch') throw new GatewayError('INVALID_INPUT', "Bundle.type must be 'batch'", 'Bundle.type');
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0)
    throw new GatewayError('INVALID_INPUT', 'Bundle.entry needs at least one entry', 'Bundle.entry');
  if (bundle.entry.length > maxEntries)
    throw new GatewayError('INVALID_INPUT', `Bundle.entry holds at most ${maxEntries} entries: split the batch`, 'Bundle.entry');
  return bundle.entry.map((e: unknown, index): BatchEntry => {
    const entry = e as { request?: { method?: unknown; url?: unknown }; resource?: unknown } | null;
    const at = `Bundle.entry[${index}]`;
    if (typeof entry !== 'object' || entry === null)
      return { index, error: new GatewayError('INVALID_INPUT', `${at} must be an object`, at) };
    if (entry.request?.method !== 'POST' || (entry.request.url !== 'Claim' && entry.request.url !== '/Claim'))
      return {
        index,
        error: new GatewayError('INVALID_INPUT', `${at}.request must be POST Claim (only Claims are taken)`, `${at}.request`),
      };
    return { index, resource: entry.resource };
  });
}
