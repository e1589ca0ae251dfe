/**
 * FHIR fuzz: 10,000 malformed and mutated bodies (tests/support/fhir-fuzz.ts) against a running gateway. Every one
 * gets an answer: a 4xx OperationOutcome for what is wrong (a mutation that leaves the request valid is answered as
 * a valid request), never a 5xx, never a crash; the gateway still serves afterwards. Sized for about a minute; the
 * larger run with throughput and event-loop delay is `BENCH_ONLY=fhir-fuzz npm run bench`.
 */
import { fuzzCases } from '../support/fhir-fuzz';
import { type GatewayFixture, startGatewayFixture, TEST_KIOSK_KEY } from '../support/gateway-process';

const CASES = 10_000;
const CONCURRENCY = 16;
const SEED = Number(process.env.FHIR_FUZZ_SEED ?? 20261201);
/** Kinds that can never be a valid request: each must be refused. Mutations of valid samples may stay valid. */
const ALWAYS_BROKEN = [
  'truncated-json',
  'random-bytes',
  'not-an-object',
  'bad-escapes',
  'deep-nesting',
  'huge-string',
  'wrong-content-type',
];

describe('FHIR fuzz', () => {
  let fx: GatewayFixture;

  beforeAll(async () => {
    fx = await startGatewayFixture({
      env: { KIOSK_RATE_LIMIT_PER_MINUTE: '1000000', KIOSK_RATE_LIMIT_BURST: '100000', LOG_LEVEL: 'info' },
    });
  });
  afterAll(async () => fx?.close());

  it(`answers ${CASES} malformed or mutated resources: 4xx OperationOutcomes for what is broken, never a 5xx`, async () => {
    const cases = fuzzCases(CASES, SEED);
    const statuses = new Map<string, number>();
    const bad: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i];
        // Bounded, so a hang is a failure naming its case rather than a stuck suite.
        const res = await fetch(`${fx.gateway.baseUrl}${c.path}`, {
          method: 'POST',
          headers: { ...(c.contentType ? { 'content-type': c.contentType } : {}), 'X-API-Key': TEST_KIOSK_KEY },
          body: c.body,
          signal: AbortSignal.timeout(30_000),
        }).catch((err: Error) => err);
        if (res instanceof Error) {
          bad.push(`#${i} ${c.kind}: no answer (${res.name})`);
          continue;
        }
        const text = await res.text();
        statuses.set(`${c.kind} ${res.status}`, (statuses.get(`${c.kind} ${res.status}`) ?? 0) + 1);
        if (res.status >= 500) bad.push(`#${i} ${c.kind}: ${res.status} ${text.slice(0, 200)}`);
        else if (res.status >= 400) {
          const outcome = JSON.parse(text) as { resourceType?: string; issue?: Array<{ diagnostics?: string }> };
          if (outcome.resourceType !== 'OperationOutcome' || !outcome.issue?.[0]?.diagnostics)
            bad.push(`#${i} ${c.kind}: ${res.status} without OperationOutcome`);
        } else if (![200, 202].includes(res.status)) bad.push(`#${i} ${c.kind}: unexpected ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    process.stderr.write(`FHIR fuzz (seed ${SEED}): ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    expect(bad.slice(0, 20)).toEqual([]);
    const accepted = [...statuses].filter(([k]) => /\s2\d\d$/.test(k)).map(([k]) => k.split(' ')[0]);
    expect(accepted.filter((kind) => ALWAYS_BROKEN.includes(kind))).toEqual([]);
    // Still alive and serving, and no error went unhandled.
    expect((await fetch(`${fx.gateway.baseUrl}/health/live`)).status).toBe(200);
    expect(fx.gateway.logs.join('')).not.toContain('"Unhandled error"');
  });
});
