import { admittedRoles, type DeclaredRoute } from './route-doc';

/**
 * The OpenAPI 3.1 description of the HTTP API, built from the mounted controllers' own route metadata and their
 * @Route declarations — the same data as the FHIR CapabilityStatement. A test compares it with the routes the server
 * really maps, so the two cannot drift apart.
 */
const OO = { $ref: '#/components/schemas/OperationOutcome' };
const fhirJson = (schema: object) => ({ 'application/fhir+json': { schema } });
const errors = (codes: readonly number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: 'OperationOutcome', content: fhirJson(OO) }]));

function requestBody(r: DeclaredRoute): Record<string, unknown> | undefined {
  if (!r.body) return undefined;
  // The route's limit, read after authentication: a larger body is answered 413 without being read.
  const description = `At most ${r.maxBodyBytes} bytes`;
  if (r.body === 'application/fhir+json') {
    const schema =
      r.fhir?.resource === 'CoverageEligibilityRequest' && r.fhir.name === 'submit'
        ? { $ref: '#/components/schemas/CoverageEligibilityRequest' }
        : { type: 'object' };
    return { required: true, description, content: fhirJson(schema) };
  }
  const schema = r.body === 'application/json' ? { type: 'object' } : { type: 'string' };
  return { required: r.body !== 'application/json', description, content: { [r.body]: { schema } } };
}

export function openApiDocument(version: string, routes: readonly DeclaredRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = r.path.replace(/:(\w+)/g, '{$1}');
    const secured = r.roles !== 'anonymous';
    const params = [...r.path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const success = String(r.status ?? 200);
    const body = requestBody(r);
    paths[p] = {
      ...(paths[p] ?? {}),
      [r.method.toLowerCase()]: {
        summary: r.summary,
        tags: [r.tag],
        ...(secured ? { security: [{ apiKey: [] }, { bearer: [] }], 'x-roles': admittedRoles(r) } : {}),
        ...(params.length ? { parameters: params } : {}),
        ...(body ? { requestBody: body } : {}),
        responses: {
          [success]: {
            description: r.tag === 'Operations' ? 'OK' : 'FHIR resource',
            content: r.tag === 'Operations' ? undefined : fhirJson({ type: 'object' }),
          },
          ...errors(r.errors ?? []),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Passerelle', version, description: 'Hospital ↔ insurer gateway. HL7 v2 (MLLP) is documented in the README.' },
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'API key (KIOSK_API_KEYS, API_CLIENTS)' },
        bearer: { type: 'http', scheme: 'bearer', description: 'API key, or an OIDC access token (JWT) when OIDC_ISSUER is set' },
      },
      schemas: {
        OperationOutcome: {
          type: 'object',
          required: ['resourceType', 'issue'],
          properties: { resourceType: { const: 'OperationOutcome' }, issue: { type: 'array' } },
        },
        CoverageEligibilityRequest: {
          type: 'object',
          required: ['resourceType', 'patient'],
          properties: { resourceType: { const: 'CoverageEligibilityRequest' } },
        },
      },
    },
  };
}
