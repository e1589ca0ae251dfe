/**
 * Malformed and mutated FHIR bodies for the kiosk and lot routes, reproducible from a seed: invalid JSON, wrong
 * types, deep nesting, huge strings, odd characters, and mutations of valid CoverageEligibilityRequest / Bundle
 * samples (tests/support/fhir-requests.ts). Used by tests/integration/fhir-fuzz.test.ts and bench/fhir-fuzz.bench.ts.
 */
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { eligibilityRequest } from './fhir-requests';
import { seededRandom as prng } from '../../src/common/seeded-random';

export interface FuzzCase {
  kind: string;
  path: '/fhir/CoverageEligibilityRequest/$submit' | '/fhir/CoverageEligibilityRequest/$submit-batch';
  contentType: string;
  body: string | Buffer;
}

const SUBMIT = '/fhir/CoverageEligibilityRequest/$submit' as const;
const BATCH = '/fhir/CoverageEligibilityRequest/$submit-batch' as const;
const FHIR_JSON = 'application/fhir+json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const ODD_VALUES: Json[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -0.5,
  '',
  ' ',
  'x'.repeat(4000),
  '\u0000\u0001\u001f',
  '\ud800', // lone surrogate
  '2024-02-30',
  '9999-99-99',
  '18401751234567', // 14 digits
  '1840775123456A',
  'NIR180017505612375',
  '<script>alert(1)</script>',
  "'; DROP TABLE rights_check; --",
  '${jndi:ldap://x}',
  [],
  [null],
  {},
  { resourceType: 'Patient' },
  { __proto__: { polluted: true } },
];

/** Generates `count` cases from `seed`. */
export function fuzzCases(count: number, seed = 1): FuzzCase[] {
  const rnd = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const int = (max: number) => Math.floor(rnd() * max);
  const valid = (): Record<string, Json> =>
    eligibilityRequest(makeTestNir({ order: 1 + int(900), commune: 1 + int(90) }), {
      identifier: rnd() < 0.3 ? `fuzz-${int(1e9)}` : undefined,
    });
  const bundle = (): Record<string, Json> => ({
    resourceType: 'Bundle',
    type: 'batch',
    entry: Array.from({ length: 1 + int(3) }, () => ({
      resource: valid(),
      request: { method: 'POST', url: 'CoverageEligibilityRequest' },
    })),
  });

  const generators: Array<() => FuzzCase> = [
    // Invalid JSON: truncated, garbage, random bytes, not an object.
    () => {
      const text = JSON.stringify(valid());
      return json('truncated-json', SUBMIT, text.slice(0, int(text.length)));
    },
    () => ({ kind: 'random-bytes', path: pick([SUBMIT, BATCH]), contentType: FHIR_JSON, body: randomBytes(rnd, 1 + int(2048)) }),
    () => json('not-an-object', SUBMIT, pick(['"text"', '42', 'null', 'true', '[]', '[1,2', '{"a":}', '{,}', '\u0000{}', '\ufeff{}'])),
    () => json('bad-escapes', SUBMIT, `{"resourceType":"CoverageEligibilityRequest","status":"\\u12","x":"\\q"}`),
    // Wrong types at a random place of a valid request.
    () => json('wrong-type', SUBMIT, JSON.stringify(mutate(valid(), rnd, pick))),
    () => json('wrong-type-batch', BATCH, JSON.stringify(mutate(bundle(), rnd, pick))),
    // Deep nesting, within the size limit.
    () => {
      const depth = 30 + int(3000);
      const open = rnd() < 0.5 ? '[' : '{"a":';
      const close = open === '[' ? ']' : '}';
      return json('deep-nesting', SUBMIT, `{"resourceType":"CoverageEligibilityRequest","x":${open.repeat(depth)}1${close.repeat(depth)}}`);
    },
    // Huge strings and many keys: just under and over the 64 KB of the kiosk route.
    () => {
      const r = valid();
      (r.contained as Array<Record<string, Json>>)[0].id = 'p'.repeat(rnd() < 0.5 ? 60_000 : 70_000);
      return json('huge-string', SUBMIT, JSON.stringify(r));
    },
    () => {
      const r = valid();
      for (let i = 0; i < 2000 + int(4000); i++) r[`k${i}`] = i;
      return json('many-keys', SUBMIT, JSON.stringify(r));
    },
    // Duplicate keys, odd resource types, prototype keys.
    () => json('duplicate-keys', SUBMIT, JSON.stringify(valid()).replace('{', '{"resourceType":"Patient",')),
    () =>
      json(
        'proto-keys',
        SUBMIT,
        JSON.stringify(valid()).replace('{', '{"__proto__":{"status":"cancelled"},"constructor":{"prototype":1},'),
      ),
    // Mutated valid samples: a key removed, a value swapped, a NIR digit changed, dates broken.
    () => json('mutated-request', SUBMIT, JSON.stringify(mutate(valid(), rnd, pick, true))),
    () => json('mutated-bundle', BATCH, JSON.stringify(mutate(bundle(), rnd, pick, true))),
    () => {
      const text = JSON.stringify(valid());
      const at = int(text.length);
      return json('byte-flip', SUBMIT, text.slice(0, at) + String.fromCharCode(int(128)) + text.slice(at + 1));
    },
    // Wrong or missing content type, non-UTF-8.
    () => ({
      kind: 'wrong-content-type',
      path: SUBMIT,
      contentType: pick(['text/plain', 'application/xml', 'multipart/form-data', '']),
      body: JSON.stringify(valid()),
    }),
    () => ({
      kind: 'latin1-body',
      path: SUBMIT,
      contentType: FHIR_JSON,
      body: Buffer.from(JSON.stringify(valid()).replace('AMO', 'AMO é'), 'latin1'),
    }),
  ];
  return Array.from({ length: count }, () => pick(generators)());
}

function json(kind: string, path: FuzzCase['path'], body: string): FuzzCase {
  return { kind, path, contentType: FHIR_JSON, body };
}

function randomBytes(rnd: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** Changes one node of the tree: a wrong-typed value, a removed key, a mutated string. */
function mutate(root: Record<string, Json>, rnd: () => number, pick: <T>(items: readonly T[]) => T, structural = false): Json {
  const nodes: Array<{ parent: Record<string, Json> | Json[]; key: string | number }> = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) {
      v.forEach((c, i) => {
        nodes.push({ parent: v, key: i });
        walk(c);
      });
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        nodes.push({ parent: v, key: k });
        walk(v[k]);
      }
    }
  };
  walk(root);
  for (let n = 0; n < 1 + Math.floor(rnd() * 3); n++) {
    const { parent, key } = pick(nodes);
    const current = (parent as Record<string | number, Json>)[key];
    if (structural && !Array.isArray(parent) && rnd() < 0.3) delete parent[key as string];
    else if (structural && typeof current === 'string' && current.length > 0) {
      const at = Math.floor(rnd() * current.length);
      (parent as Record<string | number, Json>)[key] =
        current.slice(0, at) + String.fromCharCode(32 + Math.floor(rnd() * 95)) + current.slice(at + 1);
    } else (parent as Record<string | number, Json>)[key] = pick(ODD_VALUES);
  }
  return root;
}
