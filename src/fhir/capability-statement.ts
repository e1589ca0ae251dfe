/** What the statement needs of a route's declaration (src/http/route-doc.ts DeclaredRoute fits it). */
export interface FhirRouteDeclaration {
  summary: string;
  fhir?: {
    resource: string;
    kind: 'operation' | 'read' | 'create' | 'update' | 'delete' | 'search-type' | 'batch' | 'capabilities';
    name: string;
    /** Extension URLs (ours, modelled) the resource carries on this route: published in the resource's documentation. */
    extensions?: readonly string[];
  };
}

/**
 * What the FHIR endpoint implements, read from the mounted routes' declarations (@Route with `fhir`): the
 * controllers and the CapabilityStatement cannot disagree, and a test checks every /fhir route is listed.
 */
export function capabilityStatement(version: string, baseUrl: string, routes: readonly FhirRouteDeclaration[]): Record<string, unknown> {
  const byResource = new Map<string, Array<{ kind: string; name: string; documentation: string }>>();
  const systemInteractions: Array<{ code: string; documentation: string }> = [];
  const extensions = new Map<string, Set<string>>();
  for (const r of routes) {
    if (r.fhir?.kind === 'batch') systemInteractions.push({ code: 'batch', documentation: r.summary });
    if (!r.fhir?.resource) continue;
    const i = { kind: r.fhir.kind, name: r.fhir.name, documentation: r.summary };
    byResource.set(r.fhir.resource, [...(byResource.get(r.fhir.resource) ?? []), i]);
    for (const url of r.fhir.extensions ?? []) extensions.set(r.fhir.resource, (extensions.get(r.fhir.resource) ?? new Set()).add(url));
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
          description:
            'Kiosks authenticate with an API key (Authorization: Bearer) or a client certificate (mutual TLS); requests are rate-limited per kiosk.',
        },
        resource: [...byResource].map(([type, list]) => {
          const interaction = list
            .filter((i) => INTERACTIONS.includes(i.kind))
            .map((i) => ({ code: i.kind, documentation: i.documentation }));
          const operation = list
            .filter((i) => i.kind === 'operation')
            .map((i) => ({ name: i.name, definition: `${baseUrl}/OperationDefinition/${type}-${i.name}`, documentation: i.documentation }));
          // FHIR JSON forbids empty arrays: a resource with no read (or no operation) leaves the element out.
          const urls = [...(extensions.get(type) ?? [])];
          return {
            type,
            ...(urls.length ? { documentation: `Extensions (ours, modelled): ${urls.join(', ')}` } : {}),
            ...(interaction.length ? { interaction } : {}),
            ...(operation.length ? { operation } : {}),
          };
        }),
        ...(systemInteractions.length ? { interaction: systemInteractions } : {}),
      },
    ],
  };
}

/** Type-level interactions listed under each resource (FHIR `TypeRestfulInteraction` codes). */
const INTERACTIONS: readonly string[] = ['read', 'create', 'update', 'delete', 'search-type'];
