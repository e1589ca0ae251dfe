/**
 * What the FHIR endpoint implements, as data. The controller's routes and the CapabilityStatement both come
 * from here, and a test checks that every entry is really routed (and every /fhir route is listed).
 */
export interface FhirInteraction {
  resource: string;
  kind: 'operation' | 'read' | 'capabilities';
  name: string;
  method: 'GET' | 'POST';
  path: string;
  documentation: string;
}

export const FHIR_INTERACTIONS: FhirInteraction[] = [
  {
    resource: 'CoverageEligibilityRequest',
    kind: 'operation',
    name: 'submit',
    method: 'POST',
    path: '/fhir/CoverageEligibilityRequest/$submit',
    documentation: 'Synchronous AMO rights check (CDRi) for a kiosk or GAP screen; answers a CoverageEligibilityResponse.',
  },
  {
    resource: 'CoverageEligibilityResponse',
    kind: 'read',
    name: 'read',
    method: 'GET',
    path: '/fhir/CoverageEligibilityResponse/:id',
    documentation: 'A stored rights answer, with when it was given and until when it holds.',
  },
  {
    resource: 'CoverageEligibilityRequest',
    kind: 'operation',
    name: 'submit-batch',
    method: 'POST',
    path: '/fhir/CoverageEligibilityRequest/$submit-batch',
    documentation: 'A Bundle of requests checked as a lot (nightly re-check); answers 202 with the Task to follow.',
  },
  {
    resource: 'Task',
    kind: 'read',
    name: 'read',
    method: 'GET',
    path: '/fhir/Task/:id',
    documentation: 'A CDRi lot: status, counts (total, done, failed, changed), percentage and ETA.',
  },
  {
    resource: 'List',
    kind: 'read',
    name: 'read',
    method: 'GET',
    path: '/fhir/List/:id',
    documentation: 'The rights-change worklist of a lot (same id as its Task): closed rights, organism changed, exoneration lost, unknown patient.',
  },
  { resource: '', kind: 'capabilities', name: 'capabilities', method: 'GET', path: '/fhir/metadata', documentation: 'This statement.' },
];

export function capabilityStatement(version: string, baseUrl: string): Record<string, unknown> {
  const byResource = new Map<string, FhirInteraction[]>();
  for (const i of FHIR_INTERACTIONS.filter((x) => x.resource)) {
    byResource.set(i.resource, [...(byResource.get(i.resource) ?? []), i]);
  }
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-23',
    kind: 'instance',
    software: { name: 'Passerelle', version },
    implementation: { description: 'Passerelle hospital ↔ insurer gateway', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: false,
          description: 'Kiosks authenticate with an API key (Authorization: Bearer) or a client certificate (mutual TLS); requests are rate-limited per kiosk.',
        },
        resource: [...byResource].map(([type, list]) => {
          const interaction = list.filter((i) => i.kind === 'read').map((i) => ({ code: 'read', documentation: i.documentation }));
          const operation = list
            .filter((i) => i.kind === 'operation')
            .map((i) => ({ name: i.name, definition: `${baseUrl}/OperationDefinition/${type}-${i.name}`, documentation: i.documentation }));
          // FHIR JSON forbids empty arrays: a resource with no read (or no operation) leaves the element out.
          return { type, ...(interaction.length ? { interaction } : {}), ...(operation.length ? { operation } : {}) };
        }),
      },
    ],
  };
}
