import { FHIR_INTERACTIONS } from '../fhir/capability-statement';

/**
 * The OpenAPI 3.1 description of the HTTP API, built from the same route data as the FHIR CapabilityStatement.
 * A test compares it with the routes Express really serves, so the two cannot drift apart.
 */
const OO = { $ref: '#/components/schemas/OperationOutcome' };
const fhirJson = (schema: object) => ({ 'application/fhir+json': { schema } });
const errors = (codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: 'OperationOutcome', content: fhirJson(OO) }]));

/** Non-FHIR endpoints: lots (scheduler, GAP exports) and lot transmission. */
export const LOT_ROUTES = [
  { method: 'POST', path: '/cdri/lots', summary: 'Start a CDRi lot now for an establishment ({"finess"}); 202 with the Task', body: 'application/json' },
  { method: 'POST', path: '/cdri/lots/csv', summary: 'A lot from a CSV export (nir;date_of_care[;birth_date;ipp;visit_number]); ?finess=; 202 with the Task', body: 'text/csv' },
  { method: 'POST', path: '/transport/lots', summary: 'A billing lot to sign, encrypt and send (body: the lot bytes; query: flow, lotRef, recipient, channel, address, fileName); 202 with the Task', body: 'application/octet-stream' },
] as const;

export const OPERATIONAL_ROUTES = [
  { method: 'GET', path: '/health', summary: 'Health report (database, queue, insurers, mode); 503 when a critical part is down' },
  { method: 'GET', path: '/health/live', summary: 'Liveness' },
  { method: 'GET', path: '/health/ready', summary: 'Readiness (critical dependencies)' },
  { method: 'GET', path: '/metrics', summary: 'Prometheus metrics' },
  { method: 'GET', path: '/openapi.json', summary: 'This document' },
] as const;

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const add = (path: string, method: string, op: object) => {
    const p = path.replace(/:(\w+)/g, '{$1}');
    paths[p] = { ...(paths[p] ?? {}), [method.toLowerCase()]: op };
  };
  for (const i of FHIR_INTERACTIONS) {
    const secured = i.kind !== 'capabilities';
    add(i.path, i.method, {
      summary: i.documentation,
      tags: ['FHIR'],
      ...(secured ? { security: [{ kioskApiKey: [] }, { kioskBearer: [] }] } : {}),
      ...(i.path.includes(':id') ? { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] } : {}),
      ...(i.method === 'POST' ? { requestBody: { required: true, content: fhirJson({ $ref: `#/components/schemas/${i.resource}` }) } } : {}),
      responses: {
        '200': { description: 'FHIR resource', content: fhirJson({ type: 'object' }) },
        ...(secured ? errors(i.method === 'POST' ? [400, 401, 409, 422, 429, 502, 503, 504] : [401, 404, 429]) : {}),
        ...(i.name === 'submit-batch' ? { '202': { description: 'Task to follow', content: fhirJson({ type: 'object' }) } } : {}),
      },
    });
  }
  for (const r of LOT_ROUTES) {
    add(r.path, r.method, {
      summary: r.summary,
      tags: ['Lots'],
      security: [{ kioskApiKey: [] }, { kioskBearer: [] }],
      requestBody: { required: r.body !== 'application/json', content: { [r.body]: { schema: { type: r.body === 'application/json' ? 'object' : 'string' } } } },
      responses: { '202': { description: 'Task', content: fhirJson({ type: 'object' }) }, ...errors([400, 401, 409, 422, 429]) },
    });
  }
  for (const r of OPERATIONAL_ROUTES) {
    add(r.path, r.method, { summary: r.summary, tags: ['Operations'], responses: { '200': { description: 'OK' } } });
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Passerelle', version, description: 'Hospital ↔ insurer gateway. HL7 v2 (MLLP) is documented in the README.' },
    paths,
    components: {
      securitySchemes: {
        kioskApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        kioskBearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        OperationOutcome: { type: 'object', required: ['resourceType', 'issue'], properties: { resourceType: { const: 'OperationOutcome' }, issue: { type: 'array' } } },
        CoverageEligibilityRequest: { type: 'object', required: ['resourceType', 'patient'], properties: { resourceType: { const: 'CoverageEligibilityRequest' } } },
      },
    },
  };
}
