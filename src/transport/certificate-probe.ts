import type { HealthProbe } from '../observability/health';
import type { Metrics } from '../observability/metrics';
import type { CertificateChecker, KeyProvider } from '../signing';

export interface WatchedCertificate {
  purpose: 'seal' | 'encryption-recipient';
  label: string;
  certificate: KeyProvider['certificate'];
}

/** An expired seal stops every billing flow; within the warning window the gateway says so (degraded). */
export function certificateProbe(
  watched: readonly WatchedCertificate[],
  checker: CertificateChecker,
  chain: KeyProvider['chain'],
  metrics: Metrics,
): HealthProbe {
  return {
    name: 'certificates',
    critical: false,
    // Local work only, but validity changes by the day: a minute is fresh enough.
    ttlMs: 60_000,
    check: async () => {
      const problems: string[] = [];
      let worst: 'up' | 'degraded' | 'down' = 'up';
      for (const w of watched) {
        try {
          const r = checker.check(w.certificate, { purpose: w.purpose, now: new Date(), chain });
          metrics.certificateDaysLeft.set({ certificate: w.label }, r.daysLeft);
          if (r.warnings.length) {
            if (worst === 'up') worst = 'degraded';
            problems.push(`${w.label}: ${r.warnings.join(', ')}`);
          }
        } catch (err) {
          worst = 'down';
          problems.push(`${w.label}: ${(err as Error).message}`);
        }
      }
      return { status: worst, detail: problems.join('; ') || 'valid' };
    },
  };
}
