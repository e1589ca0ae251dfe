import { type HealthProbe, type ProbeResult, probeResult, runHealth } from './health';

/** /health must not call the insurer on every request: each probe's result is reused for its TTL. */
describe('health probe cache', () => {
  const counting = (ttlMs: number) => {
    const probe = {
      name: 'insurer',
      critical: false,
      ttlMs,
      runs: 0,
      release: () => undefined as void,
      check(): Promise<ProbeResult> {
        probe.runs++;
        return new Promise((resolve) => (probe.release = () => resolve({ status: 'up' })));
      },
    };
    return probe;
  };

  it('shares one run between concurrent callers, even with a TTL of 0', async () => {
    const probe = counting(0);
    const answers = Array.from({ length: 20 }, () => runHealth([probe as HealthProbe], false, []));
    probe.release();
    const reports = await Promise.all(answers);
    expect(probe.runs).toBe(1);
    expect(reports.every((r) => r.checks.insurer.status === 'up')).toBe(true);
    const next = probeResult(probe); // ended, TTL 0: a new run
    probe.release();
    await next;
    expect(probe.runs).toBe(2);
  });

  it('reuses a result within its TTL, and runs the probe again once it is older', async () => {
    const probe = counting(60_000);
    const first = probeResult(probe);
    probe.release();
    await first;
    for (let i = 0; i < 50; i++) await probeResult(probe);
    expect(probe.runs).toBe(1);

    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 60_001);
    try {
      const later = probeResult(probe);
      probe.release();
      await later;
      expect(probe.runs).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('caches a failure like a success (an insurer down is not asked again on every call)', async () => {
    let runs = 0;
    const probe: HealthProbe = {
      name: 'down',
      critical: false,
      ttlMs: 60_000,
      check: () => {
        runs++;
        return Promise.reject(new Error('connection refused'));
      },
    };
    expect(await probeResult(probe)).toEqual({ status: 'down', detail: 'connection refused' });
    expect(await probeResult(probe)).toEqual({ status: 'down', detail: 'connection refused' });
    expect(runs).toBe(1);
  });
});
