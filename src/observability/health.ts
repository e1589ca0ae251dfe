export type ProbeResult = { status: 'up' | 'down' | 'degraded'; detail?: string };
export type HealthProbe = {
  name: string;
  critical: boolean;
  /**
   * How long a result is reused (ms): /health is anonymous and polled, and a probe may cost a call to an insurer
   * under the hospital's certificate; within the TTL every caller gets the last result, and callers arriving while
   * the probe runs share that one run.
   */
  ttlMs: number;
  check: () => Promise<ProbeResult>;
};

export const EMBEDDED_WARNING = 'EMBEDDED/SIMULATION MODE: embedded PostgreSQL and/or insurer simulators are in use — not for production';

export interface HealthProbes {
  probes: HealthProbe[];
  /** Refreshes gauges read at scrape time (queue depth, lot progress…), from every flow. */
  beforeScrape: () => Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  mode: 'production' | 'embedded-simulation';
  warnings: string[];
  checks: Record<string, ProbeResult>;
}

const PROBE_TIMEOUT_MS = 2000;

/** The last run of each probe: when it ended (undefined while it runs, so concurrent callers share it) and its result. */
const lastRuns = new WeakMap<HealthProbe, { endedAt?: number; result: Promise<ProbeResult> }>();

/** The probe's result: the run in flight, or the last one while younger than the probe's TTL, else a new run. */
export function probeResult(p: HealthProbe): Promise<ProbeResult> {
  const last = lastRuns.get(p);
  if (last && (last.endedAt === undefined || Date.now() - last.endedAt < p.ttlMs)) return last.result;
  const run = { endedAt: undefined as number | undefined, result: runProbe(p) };
  lastRuns.set(p, run);
  // The TTL counts from the answer: a slow probe is not started again as soon as it answers.
  void run.result.then(() => (run.endedAt = Date.now()));
  return run.result;
}

/** One bounded run: a dead dependency answers 'down' after PROBE_TIMEOUT_MS, an error is 'down' with its message. */
async function runProbe(p: HealthProbe): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'down', detail: `no answer in ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([p.check(), timeout]);
  } catch (err) {
    return { status: 'down', detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every probe in parallel (cached per its TTL), each bounded in time so /health never hangs on a dead dependency. */
export async function runHealth(probes: HealthProbe[], embedded: boolean, warnings: string[]): Promise<HealthReport> {
  const results = await Promise.all(probes.map(async (p) => [p, await probeResult(p)] as const));
  const checks: Record<string, ProbeResult> = {};
  let status: HealthReport['status'] = embedded ? 'degraded' : 'ok';
  for (const [p, r] of results) {
    checks[p.name] = r;
    if (r.status === 'down' && p.critical) status = 'down';
    else if (r.status !== 'up' && status !== 'down') status = 'degraded';
  }
  return { status, mode: embedded ? 'embedded-simulation' : 'production', warnings, checks };
}
