import { expectValidFhir } from '../../tests/support/fhir-schema';
import { capabilityStatement, FHIR_INTERACTIONS } from './capability-statement';

describe('capabilityStatement', () => {
  const cs = capabilityStatement('1.2.3', 'https://gateway.test/fhir');

  it('is valid FHIR R4', () => {
    expectValidFhir(cs);
  });

  it('lists each resource with exactly its reads and operations, and no empty list for the others', () => {
    const resources = (cs.rest as Array<{ resource: Array<Record<string, unknown>> }>)[0].resource;
    for (const r of resources) {
      const served = FHIR_INTERACTIONS.filter((i) => i.resource === r.type);
      const reads = served.filter((i) => i.kind === 'read').length;
      const operations = served.filter((i) => i.kind === 'operation').map((i) => i.name);
      expect((r.interaction as unknown[] | undefined)?.length ?? 0).toBe(reads);
      expect(((r.operation as Array<{ name: string }> | undefined) ?? []).map((o) => o.name)).toEqual(operations);
    }
    expect(resources.map((r) => r.type).sort()).toEqual(['CoverageEligibilityRequest', 'CoverageEligibilityResponse', 'List', 'Task']);
  });
});
