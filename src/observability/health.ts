export type ProbeResult = { status: 'up' | 'down' | 'degraded'; detail?: string };
export type HealthProbe = { name: string; critical: boolean; check: () => Promise<ProbeResult> };

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

/** Runs every probe in parallel, each bounded in time so /health never hangs on a dead dependency. */
export async function runHealth(probes: HealthProbe[], embedded: boolean, warnings: string[]): Promise<HealthReport> {
  const results = await Promise.all(
    probes.map(async (p) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ProbeResult>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'down', detail: `no answer in ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
      });
      try {
        return [p, await Promise.race([p.check(), timeout])] as const;
      } catch (err) {
        return [p, { status: 'down', detail: err instanceof Error ? err.message : String(err) }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const checks: Record<string, ProbeResult> = {};
  let status: HealthReport['status'] = embedded ? 'degraded' : 'ok';
  for (const [p, r] of results) {
    checks[p.name] = r;
    if (r.status === 'down' && p.critical) status = 'down';
    else if (r.status !== 'up' && status !== 'down') status = 'degraded';
  }
  return { status, mode: embedded ? 'embedded-simulation' : 'production', warnings, checks };
}
