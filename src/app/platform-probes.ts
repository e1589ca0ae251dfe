import { type AppConfig } from '../config/app-config';
import { type HealthProbe, type HealthProbes } from '../observability/health';
import { type Metrics } from '../observability/metrics';
import type { FlowParts } from '../platform/flow';
import { type Infrastructure } from './infrastructure';

/**
 * What /health looks at: the database and the queue (critical), then every flow's probes (insurers, certificates…).
 * /metrics refreshes the depth of every declared queue and each flow's own gauges at scrape time, read from the
 * database and the queue, so an API process reports what the workers do.
 */
export function platformProbes(
  config: AppConfig,
  infra: Infrastructure,
  metrics: Metrics,
  flows: readonly FlowParts[],
  certificates: { probe: HealthProbe; refreshGauge: () => void },
): HealthProbes {
  const queues = [...new Set(flows.flatMap((f) => (f.workers ?? []).map((w) => w.queue.name)))];
  return {
    probes: [
      {
        name: 'database',
        critical: true,
        // Short: readiness must follow an outage within a second, but a burst of /health calls costs one query.
        ttlMs: 1000,
        check: async () => {
          await infra.dataSource.query('SELECT 1');
          return { status: 'up', detail: config.database.mode === 'embedded' ? 'embedded PostgreSQL' : 'PostgreSQL' };
        },
      },
      {
        name: 'queue',
        critical: true,
        ttlMs: 1000,
        check: async () => ({ status: (await infra.queue.ping()) ? 'up' : 'down', detail: `BullMQ on ${infra.queue.kind}` }),
      },
      certificates.probe,
      ...flows.flatMap((f) => f.probes ?? []),
    ],
    beforeScrape: async () => {
      certificates.refreshGauge();
      for (const queue of queues) {
        const d = await infra.queue.depth(queue);
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) metrics.queueDepth.set({ queue, state }, d[state]);
      }
      for (const f of flows) await f.beforeScrape?.();
    },
  };
}
