import 'reflect-metadata';
import { expectValidFhir } from '../../tests/support/fhir-schema';
import { EligibilityController } from '../cdri/http/eligibility.controller';
import { LotsController } from '../cdri/http/lots.controller';
import { declaredRoutes } from '../http/route-doc';
import { capabilityStatement } from './capability-statement';
import { FhirPlatformController } from './fhir-platform.controller';

describe('capabilityStatement', () => {
  const routes = declaredRoutes([FhirPlatformController, EligibilityController, LotsController]);
  const cs = capabilityStatement('1.2.3', 'https://gateway.test/fhir', routes);

  it('is valid FHIR R4', () => {
    expectValidFhir(cs);
  });

  it('lists each resource with exactly its reads and operations, and no empty list for the others', () => {
    const resources = (cs.rest as Array<{ resource: Array<Record<string, unknown>> }>)[0].resource;
    for (const r of resources) {
      const served = routes.filter((i) => i.fhir?.resource === r.type);
      const reads = served.filter((i) => i.fhir?.kind === 'read').length;
      const operations = served.filter((i) => i.fhir?.kind === 'operation').map((i) => i.fhir?.name);
      expect((r.interaction as unknown[] | undefined)?.length ?? 0).toBe(reads);
      expect(((r.operation as Array<{ name: string }> | undefined) ?? []).map((o) => o.name)).toEqual(operations);
    }
    expect(resources.map((r) => r.type).sort()).toEqual(['CoverageEligibilityRequest', 'CoverageEligibilityResponse', 'List', 'Task']);
  });
});
