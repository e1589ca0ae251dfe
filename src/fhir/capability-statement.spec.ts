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
    route('POST', '/fhir/Claim', {
      resource: 'Claim',
      kind: 'create',
      name: 'create',
      extensions: ['https://x.test/a', 'https://x.test/b'],
    }),
    route('GET', '/fhir/Claim', { resource: 'Claim', kind: 'search-type', name: 'search-type' }),
    route('POST', '/fhir', { resource: '', kind: 'batch', name: 'batch' }),
  ];
  const cs = capabilityStatement('1.2.3', 'https://gateway.test/fhir', routes);

  it('is valid FHIR R4', () => {
    expectValidFhir(cs);
  });

  it('lists each resource with exactly its reads and operations, and no empty list for the others', () => {
    const resources = (cs.rest as Array<{ resource: Array<Record<string, unknown>> }>)[0].resource;
    for (const r of resources) {
      const served = routes.filter((i) => i.fhir?.resource === r.type);
      const reads = served.filter((i) => ['read', 'create', 'search-type'].includes(i.fhir?.kind ?? '')).length;
      const operations = served.filter((i) => i.fhir?.kind === 'operation').map((i) => i.fhir?.name);
      expect((r.interaction as unknown[] | undefined)?.length ?? 0).toBe(reads);
      expect(((r.operation as Array<{ name: string }> | undefined) ?? []).map((o) => o.name)).toEqual(operations);
    }
    expect(resources.map((r) => r.type).sort()).toEqual([
      'Claim',
      'CoverageEligibilityRequest',
      'CoverageEligibilityResponse',
      'List',
      'Task',
    ]);
  });

  it('lists batch at system level and publishes the extensions a route declares', () => {
    const rest = (cs.rest as Array<{ interaction?: Array<{ code: string }>; resource: Array<Record<string, unknown>> }>)[0];
    expect(rest.interaction?.map((i) => i.code)).toEqual(['batch']);
    const claim = rest.resource.find((r) => r.type === 'Claim');
    expect(claim?.documentation).toBe('Extensions (ours, modelled): https://x.test/a, https://x.test/b');
    expect((claim?.interaction as Array<{ code: string }>).map((i) => i.code)).toEqual(['create', 'search-type']);
  });
});
