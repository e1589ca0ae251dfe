import { GatewayError } from '../../common/gateway-error';
import { parseBatchBundle } from './batch-request.parser';

describe('parseBatchBundle', () => {
  // Found by the FHIR fuzz (tests/integration/fhir-fuzz.test.ts): a null entry was a TypeError, hence a 500.
  it.each([null, 42, 'text', []])('refuses an entry that is not an object (%p) as invalid input naming the entry', (entry) => {
    const run = () => parseBatchBundle({ resourceType: 'Bundle', type: 'batch', entry: [entry] });
    expect(run).toThrow(GatewayError);
    expect(run).toThrow('Bundle.entry[0]: Body must be a CoverageEligibilityRequest resource');
  });
});
