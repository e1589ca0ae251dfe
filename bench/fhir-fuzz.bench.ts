/**
 * FHIR fuzz, the large run: malformed and mutated bodies (tests/support/fhir-fuzz.ts, default 50,000) posted to a
 * gateway in its own process, closed loop at BENCH_FHIR_FUZZ_CONCURRENCY; reports throughput, the answers by status
 * class, and the gateway's event-loop delay (p99 and max, from its own `passerelle_nodejs_eventloop_lag_*` gauges,
 * which prom-client resets at each scrape: one scrape before a phase, one after). Baseline, same run, same gateway,
 * same concurrency: valid kiosk requests (BENCH_FHIR_FUZZ_BASELINE, default 5,000). Measurement only: the suite's
 * tests/integration/fhir-fuzz.test.ts asserts the answers (never a 5xx), nothing here asserts a timing.
 *
 * Knobs: BENCH_FHIR_FUZZ_CASES (50000), BENCH_FHIR_FUZZ_BASELINE (5000), BENCH_FHIR_FUZZ_CONCURRENCY (32),
 * BENCH_FHIR_FUZZ_SEED (1), BENCH_FHIR_FUZZ_ADAPTER (fastify).
 */
import { randomBytes } from 'node:crypto';
import { makeTestNir } from '../src/simulators/cdri/simulated-patients';
import { type FuzzCase, fuzzCases } from '../tests/support/fhir-fuzz';
import { eligibilityRequest } from '../tests/support/fhir-requests';
import { headersAs, TEST_API_CLIENTS } from '../tests/support/gateway-process';
import { startKioskGateway } from './support/kiosk-gateway';
import { type BenchResult, emit, note } from './support/results';
import { startSimulatorProcess } from './support/simulator-process';
import { round } from './support/stats';

const int = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
};

interface PhaseResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  answers: { '2xx': number; '4xx': number; '5xx': number; noAnswer: number };
  eventLoopDelayMs: { p99: number; max: number };
}

export async function runFhirFuzzBench(): Promise<BenchResult[]> {
  const count = int('BENCH_FHIR_FUZZ_CASES', 50_000);
  const baselineCount = int('BENCH_FHIR_FUZZ_BASELINE', 5_000);
  const concurrency = int('BENCH_FHIR_FUZZ_CONCURRENCY', 32);
  const seed = int('BENCH_FHIR_FUZZ_SEED', 1);
  const adapter = process.env.BENCH_FHIR_FUZZ_ADAPTER ?? 'fastify';
  const key = randomBytes(24).toString('hex');
  const simulator = await startSimulatorProcess(5);
  try {
    const gw = await startKioskGateway({
      simulatorUrl: simulator.url,
      adapter,
      kioskApiKeys: `fuzz-kiosk:${key}`,
      // The scrape needs the metrics role: a scrape-only client, as Prometheus would have.
      env: { KIOSK_RATE_LIMIT_PER_MINUTE: '1000000', KIOSK_RATE_LIMIT_BURST: '100000', API_CLIENTS: TEST_API_CLIENTS },
    });
    try {
      const run = (cases: FuzzCase[]) => runPhase(gw.baseUrl, key, cases, concurrency);
      note(`fhir-fuzz: baseline, ${baselineCount} valid requests`);
      const baseline = await run(
        Array.from({ length: baselineCount }, (_, i) => ({
          kind: 'valid',
          path: '/fhir/CoverageEligibilityRequest/$submit' as const,
          contentType: 'application/fhir+json',
          body: JSON.stringify(eligibilityRequest(makeTestNir({ order: 1 + (i % 900), commune: 1 + (i % 90) }))),
        })),
      );
      note(`fhir-fuzz: ${count} fuzzed bodies (seed ${seed})`);
      const fuzz = await run(fuzzCases(count, seed));
      const result: BenchResult = {
        bench: 'fhir-fuzz',
        adapter,
        seed,
        concurrency,
        ...fuzz,
        baseline: { what: 'valid kiosk $submit, same gateway, same concurrency', ...baseline },
        ratio: {
          throughput: round(fuzz.requestsPerSecond / baseline.requestsPerSecond, 2),
          eventLoopDelayP99: baseline.eventLoopDelayMs.p99 > 0 ? round(fuzz.eventLoopDelayMs.p99 / baseline.eventLoopDelayMs.p99, 2) : null,
        },
        arrangement: 'gateway and CDRi simulator each in a child process; the bench process generates the load (closed loop)',
      };
      emit(result);
      return [result];
    } finally {
      await gw.stop();
    }
  } finally {
    await simulator.stop();
  }
}

async function runPhase(baseUrl: string, key: string, cases: FuzzCase[], concurrency: number): Promise<PhaseResult> {
  await scrapeLag(baseUrl); // resets the gateway's event-loop histogram
  const answers = { '2xx': 0, '4xx': 0, '5xx': 0, noAnswer: 0 };
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      try {
        const res = await fetch(`${baseUrl}${c.path}`, {
          method: 'POST',
          headers: { ...(c.contentType ? { 'content-type': c.contentType } : {}), 'X-API-Key': key },
          body: c.body,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        answers[statusClass(res.status)]++;
      } catch {
        answers.noAnswer++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    requests: cases.length,
    seconds: round(seconds, 2),
    requestsPerSecond: round(cases.length / seconds, 1),
    answers,
    eventLoopDelayMs: await scrapeLag(baseUrl),
  };
}

/** The gateway's event-loop delay since the previous scrape (`passerelle_event_loop_delay_seconds` resets when scraped). */
async function scrapeLag(baseUrl: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: headersAs('metrics') })).text();
  const read = (quantile: string) =>
    Number(new RegExp(`^passerelle_event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { p99: round(read('0.99') * 1000, 2), max: round(read('1') * 1000, 2) };
}

function statusClass(status: number): '2xx' | '4xx' | '5xx' {
  if (status >= 500) return '5xx';
  return status >= 400 ? '4xx' : '2xx';
}
