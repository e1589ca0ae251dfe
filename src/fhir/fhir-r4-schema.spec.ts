import { emptyValuePaths, expectValidFhir, fhirProblems } from '../../tests/support/fhir-schema';

/** The check every FHIR test relies on must itself be able to fail, on the mistakes we actually made. */
describe('FHIR R4 schema check (tests/support/fhir-schema)', () => {
  const task = (input: Record<string, unknown>) => ({
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    input: [{ type: { text: 'recipient' }, ...input }],
  });

  it('accepts a valid Task', () => {
    expect(fhirProblems(task({ valueString: 'CPAM 751' }))).toEqual([]);
    expect(() => expectValidFhir(task({ valueString: 'CPAM 751' }))).not.toThrow();
  });

  it('rejects an empty valueString (the transmission Task of issue 7), through the schema itself', () => {
    const problems = fhirProblems(task({ valueString: '' }));
    expect(problems).toContain('/input/0/valueString: must match pattern "^[ \\r\\n\\t\\S]+$"');
    expect(problems).toContain('/input/0/valueString is ""');
    expect(() => expectValidFhir(task({ valueString: '' }))).toThrow(/Invalid FHIR R4 Task[\s\S]*valueString/);
  });

  it('rejects an empty uri, which the schema alone lets through', () => {
    const withEmptySystem = { ...task({ valueString: 'x' }), identifier: [{ system: '', value: 'a' }] };
    expect(fhirProblems(withEmptySystem)).toEqual(['/identifier/0/system is ""']);
  });

  it('rejects empty arrays, empty objects and nulls', () => {
    expect(emptyValuePaths({ a: [], b: {}, c: null, d: [{ e: 'ok' }] })).toEqual([
      '/a is an empty array',
      '/b is an empty object',
      '/c is null',
    ]);
  });

  it('rejects unknown elements, bad codes, bad dates and unknown resource types, naming the path', () => {
    const bad = {
      ...task({ valueString: 'x' }),
      meta: { lastUpdated: '2026-11-23 10:00' },
      valueString: 'stray',
      input: [{ type: { text: 't' }, valueCode: 'two  spaces' }],
    };
    const problems = fhirProblems(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        '/: unknown element "valueString"',
        expect.stringMatching(/^\/meta\/lastUpdated: must match pattern/),
        expect.stringMatching(/^\/input\/0\/valueCode: must match pattern/),
      ]),
    );
    expect(fhirProblems({ resourceType: 'Tsak' })).toEqual(['/resourceType: not an R4 resource type ("Tsak")']);
    // The schema's package adds its own server's types; they are not FHIR R4.
    expect(fhirProblems({ resourceType: 'Project' })).toEqual(['/resourceType: not an R4 resource type ("Project")']);
    expect(fhirProblems({ resourceType: 'Task', status: 'requested', intent: 'order', meta: { project: 'x' } })).toEqual([
      '/meta: unknown element "project"',
    ]);
  });

  it('validates contained resources and Bundle entries through the schema', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal!', code: 'invalid' }] } }],
    };
    expect(fhirProblems(bundle).length).toBeGreaterThan(0);
    const ok = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'invalid' }] } }],
    };
    expect(fhirProblems(ok)).toEqual([]);
  });
});
