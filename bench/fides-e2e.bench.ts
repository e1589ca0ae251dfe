import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestNir } from '../src/simulators/cdri/simulated-patients';
import { type BillingFixture, startBillingFixture } from '../tests/support/fides-billing-fixture';
import { aceClaim } from '../tests/support/fides-claims';
import { headersAs } from '../tests/support/gateway-process';
import { profileIn, summarizeCpuProfile } from './support/cpu-profile-summary';
import { ProcessSampler } from './support/process-sampler';
import { type BenchResult, emit, note } from './support/results';

/**
 * The FIDES money path end to end at scale (issue 9): N invoices (BENCH_FIDES_INVOICES, default 100,000) as FHIR batch
 * Bundles of 1,000 Claims into a real gateway process (PostgreSQL, Redis, the CDRi simulator), pre-flight (one CDRi
 * check per beneficiary), B2 lots of FIDES_MAX_INVOICES_PER_LOT (full lots closed by the lot sweep as they fill, the
 * rest by POST /fides/lots/close), sealed, encrypted and sent over SMTP to the real AMO simulator, which answers an
 * ARL and an RSP per lot into the returns folder; the gateway reads, verifies, decrypts and applies them.
 *
 * Measured from the first POST: intake (invoices/s over the POSTs), pre-flight (until no invoice is received or
 * awaiting-rights), the lots (first closed → last sent), and invoices reconciled per second (until every invoice is in
 * a final state, polled by SQL counts on the test database). Baselines from the same run: reconciled/s against
 * intake/s, and pre-flight against the CDRi ceiling (check concurrency / simulator latency, in beneficiaries/s).
 * Peak RSS of the gateway process from /proc VmHWM (goal ≤ 512 MB). No timing is asserted.
 *
 * The simulators (CDRi, AMO) run in this process: their CPU is this process's (cpu.bench_process_cores).
 */
const BUNDLE = 1000;
const FINAL = ['paid', 'partly-paid', 'warned', 'rejected', 'preflight-failed', 'file-refused'];
const POLL_MS = 1000;

const envInt = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
};

/**
 * Distinct OPEN patients of the CDRi simulator, each with the birth date its NIR says (pre-flight checks it): dept 75
 * (organism 01/751, as the Claims say), birth year × month × an OPEN numéro d'ordre.
 */
function patients(count: number): Array<{ nir: string; birthDate: string }> {
  const orders = [...range(1, 399), ...range(700, 899), ...range(985, 999)];
  const out: Array<{ nir: string; birthDate: string }> = [];
  for (let year = 30; year <= 99 && out.length < count; year++)
    for (let month = 1; month <= 12 && out.length < count; month++)
      for (const order of orders) {
        if (out.length >= count) break;
        out.push({
          nir: makeTestNir({ sex: 2, year, month, dept: '75', commune: 123, order }),
          birthDate: `19${year}-${String(month).padStart(2, '0')}-15`,
        });
      }
  if (out.length < count) throw new Error(`at most ${out.length} distinct test patients`);
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** VmHWM (peak resident set) of a process, or VmRSS (now) with `field`. */
function peakRssMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number | undefined {
  if (!pid) return undefined;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function runFidesE2eBench(): Promise<BenchResult[]> {
  const invoices = envInt('BENCH_FIDES_INVOICES', 100000);
  // Each patient comes back about 4 times: many distinct beneficiaries, as a month of external consultations has.
  const patientCount = Math.min(invoices, envInt('BENCH_FIDES_PATIENTS', Math.ceil(invoices / 4)));
  const cdriLatencyMs = envInt('BENCH_FIDES_CDRI_LATENCY_MS', 40);
  const cdriConcurrency = envInt('BENCH_FIDES_CDRI_CONCURRENCY', 32);
  const preflightBatch = envInt('BENCH_FIDES_PREFLIGHT_BATCH', 100);
  const perLot = envInt('BENCH_FIDES_PER_LOT', 1000);
  const timeoutS = envInt('BENCH_FIDES_TIMEOUT_S', 1800);
  // BENCH_FIDES_CPU_PROFILE=1: V8 profile of the gateway from the first POST to the last final state, summarized.
  const profileDir = process.env.BENCH_FIDES_CPU_PROFILE === '1' ? mkdtempSync(join(tmpdir(), 'passerelle-fides-prof-')) : undefined;
  let billing: BillingFixture | undefined;
  try {
    billing = await startBillingFixture({
      simulatorLatencyMs: cdriLatencyMs,
      env: {
        // info: the fixture waits for the 'Passerelle started' line; also what a hospital runs.
        LOG_LEVEL: 'info',
        FIDES_PREFLIGHT_INTERVAL_MS: '500',
        FIDES_PREFLIGHT_BATCH: String(preflightBatch),
        FIDES_MAX_INVOICES_PER_LOT: String(perLot),
        FIDES_LOT_SWEEP_INTERVAL_MS: '1000',
        CDRI_JOB_CONCURRENCY: String(cdriConcurrency),
        CDRI_TIMEOUT_MS: '5000',
        RETURNS_POLL_INTERVAL_MS: '500',
        TRANSMISSION_SWEEP_INTERVAL_MS: '1000',
        ...(profileDir
          ? { NODE_OPTIONS: `--require ${join(__dirname, 'support', 'cpu-profile.preload.js')}`, BENCH_CPU_PROFILE_DIR: profileDir }
          : {}),
      },
    });
    const { fx, amo, db } = billing;
    const gateway = fx.gateway;
    // The fixture keeps every output line; nothing here reads them: keep this process's memory flat.
    const trim = setInterval(() => (gateway.logs.length = 0), 1000);
    trim.unref();
    const who = patients(patientCount);
    note(`fides-e2e: ${invoices} invoices, ${patientCount} patients, CDRi ${cdriLatencyMs} ms × ${cdriConcurrency}, lots of ${perLot}`);

    // Counts by state, polled once a second from the start: when pre-flight settled, when everything is final.
    const counts = async () => {
      const { rows } = await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM invoice GROUP BY state`);
      return Object.fromEntries(rows.map((r) => [r.state, r.n])) as Record<string, number>;
    };
    const marks: { preflightDoneMs?: number; finalMs?: number } = {};
    let last: Record<string, number> = {};
    const sampler = new ProcessSampler(undefined, { gateway: gateway.pid ?? 0 }).start();
    if (profileDir) process.kill(gateway.pid!, 'SIGUSR2');
    const started = Date.now();
    let intakeDone = false;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        last = await counts();
        const total = Object.values(last).reduce((a, b) => a + b, 0);
        const waiting = (last.received ?? 0) + (last['awaiting-rights'] ?? 0);
        const final = FINAL.reduce((n, s) => n + (last[s] ?? 0), 0);
        if (intakeDone && total === invoices && waiting === 0 && marks.preflightDoneMs === undefined)
          marks.preflightDoneMs = Date.now() - started;
        if (total === invoices && final === invoices) {
          marks.finalMs = Date.now() - started;
          return;
        }
        if (Date.now() - started > timeoutS * 1000) return;
      }
    })();
    const progress = setInterval(
      () =>
        note(
          `fides-e2e ${r1((Date.now() - started) / 1000)} s: ${JSON.stringify(last)} rss ${peakRssMb(gateway.pid, 'VmRSS')} MB (peak ${peakRssMb(gateway.pid)})`,
        ),
      5000,
    );

    // 1. Intake: batch Bundles of 1,000 Claims, one after the other (a GAP's export).
    let intakeErrors = 0;
    for (let from = 0; from < invoices; from += BUNDLE) {
      const entry = [];
      for (let i = from; i < Math.min(invoices, from + BUNDLE); i++) {
        const p = who[i % patientCount];
        const resource = aceClaim({ invoiceNumber: String(i + 1), beneficiaryNir: p.nir, birthDate: p.birthDate });
        entry.push({ resource, request: { method: 'POST', url: 'Claim' } });
      }
      const res = await fetch(`${gateway.baseUrl}/fhir`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', ...headersAs('gap') },
        body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry }),
      });
      const answer = (await res.json()) as { entry?: Array<{ response: { status: string } }> };
      if (res.status !== 200) throw new Error(`batch Bundle answered ${res.status}: ${JSON.stringify(answer).slice(0, 500)}`);
      intakeErrors += (answer.entry ?? []).filter((e) => !e.response.status.startsWith('201')).length;
    }
    const intakeMs = Date.now() - started;
    intakeDone = true;
    note(`fides-e2e intake: ${invoices} in ${r1(intakeMs / 1000)} s (${intakeErrors} entries not 201)`);

    // 2. Pre-flight settles; 3. the rest of the ready invoices closed by hand (full lots closed themselves).
    while (marks.preflightDoneMs === undefined && marks.finalMs === undefined) {
      if (Date.now() - started > timeoutS * 1000) throw new Error(`timed out: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const closeStart = Date.now();
    const close = await fetch(`${gateway.baseUrl}/fides/lots/close`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersAs('billing') },
      body: '{}',
    });
    const closed = (await close.json()) as { lots?: unknown[] };
    const closeRequestMs = Date.now() - closeStart;
    note(
      `fides-e2e pre-flight settled at ${r1((marks.preflightDoneMs ?? 0) / 1000)} s; close by hand: ${close.status}, ${closed.lots?.length ?? 0} lots`,
    );

    // 4. Sent, ARL, RSP, reconciled.
    await poller;
    polling = false;
    clearInterval(progress);
    const sample = sampler.stop();
    let profile: ReturnType<typeof summarizeCpuProfile> | undefined;
    if (profileDir) {
      process.kill(gateway.pid!, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 3000));
      const file = profileIn(profileDir);
      profile = file ? summarizeCpuProfile(file) : undefined;
      note(`fides-e2e gateway CPU profile: ${JSON.stringify(profile, null, 1)}`);
    }
    const machine = sample.machine;
    if (marks.finalMs === undefined) throw new Error(`timed out after ${timeoutS} s: ${JSON.stringify(last)}`);

    const lots = (
      await db.query<{ n: number; size_closed: number; first_created: Date; last_sent: Date; last_ack: Date; acked: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE close_cause = 'size')::int AS size_closed,
                min(created_at) AS first_created, max(sent_at) AS last_sent, max(acknowledged_at) AS last_ack,
                count(*) FILTER (WHERE state = 'acknowledged')::int AS acked
           FROM fides_lot`,
      )
    ).rows[0];
    const firstReady = (await db.query<{ at: Date }>(`SELECT min(at) AS at FROM invoice_transition WHERE to_state = 'ready'`)).rows[0].at;
    const wallS = marks.finalMs / 1000;
    const intakePerS = invoices / (intakeMs / 1000);
    const preflightPerS = invoices / ((marks.preflightDoneMs ?? marks.finalMs) / 1000);
    const reconciledPerS = invoices / wallS;
    const cdriCeiling = cdriConcurrency / (cdriLatencyMs / 1000);
    const beneficiariesPerS = patientCount / ((marks.preflightDoneMs ?? marks.finalMs) / 1000);
    const lotSpanS = (lots.last_sent.getTime() - lots.first_created.getTime()) / 1000;
    const cores = (name: string) => machine.helpers?.[name] ?? null;
    const result: BenchResult = {
      bench: 'fides-e2e',
      invoices,
      distinct_patients: patientCount,
      bundle_size: BUNDLE,
      invoices_per_lot: perLot,
      cdri_latency_ms: cdriLatencyMs,
      cdri_concurrency: cdriConcurrency,
      preflight_batch: preflightBatch,
      intake_entries_not_201: intakeErrors,
      final_states: last,
      intake: { seconds: r1(intakeMs / 1000), invoices_per_second: r1(intakePerS) },
      preflight: {
        settled_at_s: r1((marks.preflightDoneMs ?? marks.finalMs) / 1000),
        first_ready_at_s: r1((firstReady.getTime() - started) / 1000),
        invoices_per_second: r1(preflightPerS),
        beneficiaries_per_second: r1(beneficiariesPerS),
        // Baseline: what CDRi allows (check concurrency / simulator latency), in beneficiaries per second.
        cdri_ceiling_beneficiaries_per_second: cdriCeiling,
        ratio_to_cdri_ceiling: r3(beneficiariesPerS / cdriCeiling),
      },
      lots: {
        count: lots.n,
        closed_by_size: lots.size_closed,
        closed_by_hand_request_ms: closeRequestMs,
        acknowledged: lots.acked,
        first_closed_at_s: r1((lots.first_created.getTime() - started) / 1000),
        last_sent_at_s: r1((lots.last_sent.getTime() - started) / 1000),
        last_acknowledged_at_s: lots.last_ack ? r1((lots.last_ack.getTime() - started) / 1000) : null,
        // First lot closed → last lot sent: closing, B2 writing, sealing, encryption, SMTP.
        closing_and_sending_seconds: r1(lotSpanS),
        lots_per_second: r3(lots.n / lotSpanS),
      },
      end_to_end: {
        seconds: r1(wallS),
        invoices_reconciled_per_second: r1(reconciledPerS),
        // Baselines from this run: the intake rate (what the GAP could push) and the CDRi ceiling in invoices/s.
        ratio_to_intake: r3(reconciledPerS / intakePerS),
        ratio_to_cdri_ceiling_invoices: r3(reconciledPerS / (cdriCeiling * (invoices / patientCount))),
      },
      peak_rss_mb_gateway: peakRssMb(gateway.pid),
      target_rss_mb: 512,
      amo_simulator: amo.stats(),
      cpu: {
        // CPU per invoice over the whole run: the figure a shared machine's load moves least.
        gateway_ms_per_invoice: cores('gateway') === null ? null : r3(((cores('gateway') ?? 0) * wallS * 1000) / invoices),
        postgres_ms_per_invoice: machine.postgresCores === null ? null : r3((machine.postgresCores * wallS * 1000) / invoices),
        gateway_cores: cores('gateway'),
        postgres_cores: machine.postgresCores,
        redis_cores: machine.redisCores,
        bench_process_cores: sample.cpuCores,
        other_processes_cores: machine.otherCores,
        machine_busy_cores: machine.busyCores,
      },
      machine_load_avg_1m: r1(loadavg()[0]),
      ...(profile ? { gateway_cpu_profile: profile } : {}),
    };
    emit(result);
    return [result];
  } finally {
    await billing?.close().catch(() => undefined);
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runFidesE2eBench().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
