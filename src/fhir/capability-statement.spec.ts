import { expectValidFhir } from '../../tests/support/fhir-schema';
import type { DeclaredRoute } from '../http/route-doc';
import { capabilityStatement } from './capability-statement';

// Routes as @Route declares them (the served statement is compared with the mapped routes in operations.test.ts).
const route = (method: 'GET' | 'POST', path: string, fhir: DeclaredRoute['fhir']): DeclaredRoute => ({
  method,
  path,
  fhir,
  summary: `${method} ${path}`,
  tag: 'FHIR',
  roles: ['kiosk'],
  handler: 'h',
  controller: 'C',
});

describe('capabilityStatement', () => {
  const routes = [
    route('GET', '/fhir/metadata', { resource: '', kind: 'capabilities', name: 'capabilities' }),
    route('POST', '/fhir/CoverageEligibilityRequest/$submit', {
      resource: 'CoverageEligibilityRequest',
      kind: 'operation',
      name: 'submit',
    }),
    route('POST', '/fhir/CoverageEligibilityRequest/$submit-batch', {
      resource: 'CoverageEligibilityRequest',
      kind: 'operation',
      name: 'submit-batch',
    }),
    route('GET', '/fhir/CoverageEligibilityResponse/:id', { resource: 'CoverageEligibilityResponse', kind: 'read', name: 'read' }),
    route('GET', '/fhir/Task/:id', { resource: 'Task', kind: 'read', name: 'read' }),
    route('GET', '/fhir/List/:id', { resource: 'List', kind: 'read', name: 'read' }),
    route('GET', '/health', undefined),
  ];
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
