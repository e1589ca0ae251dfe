/**
 * `npm run bench`: runs every benchmark in sequence. stdout = one JSON object per line (each result carries its
 * same-run baseline and ratio), then a summary line; everything human-readable goes to stderr. All lines are also
 * written to bench/results/latest.json. Measurement only: no timing assertion anywhere. Exit code 1 only if a
 * benchmark crashed. Default set: all of them; BENCH_ONLY=name,… selects benchmarks
 * (including the opt-in ones below).
 */
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { type BenchResult, emit, note, writeLatest } from './support/results';
import { spawnBench } from './support/spawn-bench';

const BENCHES: Array<{ name: string; run: () => Promise<BenchResult[]>; optIn?: boolean }> = [
  // hl7-parse.bench.ts exports nothing and runs main() when loaded: run its compiled JS in its own process.
  { name: 'hl7-parse', run: async () => (await spawnBench(join(__dirname, 'hl7-parse.bench.js'))).map((r) => (emit(r), r)) },
  // Loaded when their turn comes, so that a gateway that fails to load crashes only the benchmarks that need it.
  { name: 'hl7-ingest', run: async () => (await import('./hl7-ingest.bench')).runHl7IngestBench() },
  { name: 'kiosk-overhead', run: async () => (await import('./kiosk-overhead.bench')).runKioskOverheadBench() },
  { name: 'fhir-fuzz', run: () => callExport('fhir-fuzz.bench.js', 'runFhirFuzzBench', false) },
  // Hostile HL7 (issue 8 §3): event-loop delay of a gateway process taking 300,000 fuzzed frames, vs valid A28 only.
  { name: 'hl7-fuzz', run: async () => (await import('./hl7-fuzz.bench')).runHl7FuzzBench() },
  // Looked up by name at run time, so that a change in their exports cannot break this file's build.
  // night-lot is last: 100,000 patients at the insurer's pace take about 8 minutes (BENCH_LOT_PATIENTS to shrink).
  { name: 'lot-crypto', run: () => callExport('lot-crypto.bench.js', 'runLotCryptoBench', false) },
  { name: 'b2-write', run: () => callExport('b2-write.bench.js', 'runB2WriteBench', true) },
  { name: 'noemie-parse', run: () => callExport('noemie-parse.bench.js', 'runNoemieParseBench', true) },
  { name: 'night-lot', run: () => callExport('night-lot.bench.js', 'runNightLotBench', true) },
  // Opt-in (BENCH_ONLY=fides-e2e): 100,000 invoices through the gateway and the AMO simulator (BENCH_FIDES_INVOICES to shrink).
  { name: 'fides-e2e', run: () => callExport('fides-e2e.bench.js', 'runFidesE2eBench', false), optIn: true },
];

/** Calls an exported `run…()` of a compiled benchmark; `emits`: print its results (it does not print them itself). */
async function callExport(file: string, fn: string, emits: boolean): Promise<BenchResult[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- benchmarks are picked by name at run time
  const mod = require(join(__dirname, file)) as Record<string, unknown>;
  const run = mod[fn];
  if (typeof run !== 'function') throw new Error(`${file} does not export ${fn}()`);
  const results = (await (run as () => Promise<BenchResult[]>)()) ?? [];
  if (emits) results.forEach((r) => emit(r));
  return results;
}

async function main(): Promise<number> {
  const only = process.env.BENCH_ONLY?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const started = Date.now();
  const ran: Array<{ name: string; seconds: number; results: number; error?: string }> = [];
  for (const b of BENCHES) {
    if (only ? !only.includes(b.name) : b.optIn) continue;
    note(`=== ${b.name}`);
    const t0 = Date.now();
    try {
      const results = await b.run();
      ran.push({ name: b.name, seconds: Math.round((Date.now() - t0) / 100) / 10, results: results.length });
    } catch (err) {
      const error = (err as Error)?.stack ?? String(err);
      note(`${b.name} CRASHED: ${error}`);
      ran.push({
        name: b.name,
        seconds: Math.round((Date.now() - t0) / 100) / 10,
        results: 0,
        error: (err as Error)?.message ?? String(err),
      });
    }
  }
  const crashed = ran.filter((r) => r.error !== undefined);
  emit({
    bench: 'summary',
    benchmarks: ran,
    crashed: crashed.map((r) => r.name),
    notRun: BENCHES.filter((b) => !ran.some((r) => r.name === b.name)).map((b) => b.name),
    totalSeconds: Math.round((Date.now() - started) / 100) / 10,
    // The gateways ran in this process: its lifetime peak RSS is the gateway side's peak (echo server included).
    gatewaySidePeakRssMB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
  });
  note(`results written to ${writeLatest()}`);
  return crashed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
