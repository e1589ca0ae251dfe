import { CDRI_CHECK_QUEUE } from '../cdri/jobs/cdri-check.queue';
import { AppConfig } from '../config/app-config';
import { HealthProbes } from '../observability/health.controller';
import { Metrics } from '../observability/metrics';
import { Infrastructure } from './infrastructure';

/** What /health looks at: the database and the queue are critical; the insurer is reported, not fatal. */
export function healthProbes(config: AppConfig, infra: Infrastructure, metrics: Metrics): HealthProbes {
  return {
    probes: [
      {
        name: 'database',
        critical: true,
        check: async () => {
          await infra.dataSource.query('SELECT 1');
          return { status: 'up', detail: config.database.mode === 'embedded' ? 'embedded PostgreSQL' : 'PostgreSQL' };
        },
      },
      {
        name: 'queue',
        critical: true,
        check: async () => ({ status: (await infra.queue.ping()) ? 'up' : 'down', detail: `BullMQ on ${infra.queue.kind}` }),
      },
      {
        name: 'cdri',
        critical: false,
        check: async () => ({
          status: (await infra.cdri.ping()) ? 'up' : 'down',
          detail: config.cdri.mode === 'simulator' ? 'CDRi SIMULATOR' : 'CDRi insurer endpoint',
        }),
      },
    ],
    beforeScrape: async () => {
      const d = await infra.queue.depth(CDRI_CHECK_QUEUE);
      for (const [state, n] of Object.entries(d)) metrics.queueDepth.set({ queue: CDRI_CHECK_QUEUE, state }, n);
    },
  };
}
