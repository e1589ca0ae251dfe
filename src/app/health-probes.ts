import { CDRI_CHECK_QUEUE } from '../cdri/jobs/cdri-check.queue';
import { CDRI_LOT_ITEM_QUEUE } from '../cdri/lots/lot-item.processor';
import { lotProgress } from '../cdri/lots/lot-progress';
import { LotStore } from '../cdri/lots/lot-store';
import { HealthProbe } from '../observability/health';
import type { TransportRuntime } from './transport';
import { AppConfig } from '../config/app-config';
import { HealthProbes } from '../observability/health.controller';
import { Metrics } from '../observability/metrics';
import { Infrastructure } from './infrastructure';

/** What /health looks at: the database and the queue are critical; the insurer is reported, not fatal. */
export function healthProbes(config: AppConfig, infra: Infrastructure, metrics: Metrics, lots: LotStore, transport?: TransportRuntime): HealthProbes {
  const certificates: HealthProbe[] = transport
    ? [
        {
          // An expired seal stops every billing flow; within 30 days of expiry the gateway says so (degraded).
          name: 'certificates',
          critical: false,
          check: async () => {
            const problems: string[] = [];
            let worst: 'up' | 'degraded' | 'down' = 'up';
            for (const w of transport.watched) {
              try {
                const r = transport.checker.check(w.certificate, { purpose: w.purpose, now: new Date(), chain: transport.seal.chain });
                metrics.certificateDaysLeft.set({ certificate: w.label }, r.daysLeft);
                if (r.warnings.length) {
                  worst = worst === 'down' ? worst : 'degraded';
                  problems.push(`${w.label}: ${r.warnings.join(', ')}`);
                }
              } catch (err) {
                worst = 'down';
                problems.push(`${w.label}: ${(err as Error).message}`);
              }
            }
            return { status: worst, detail: problems.join('; ') || 'valid' };
          },
        },
      ]
    : [];
  return {
    probes: [
      ...certificates,
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
    // Read from the database and the queue at scrape time, so the API process reports what the workers do.
    beforeScrape: async () => {
      for (const queue of [CDRI_CHECK_QUEUE, CDRI_LOT_ITEM_QUEUE]) {
        const d = await infra.queue.depth(queue);
        for (const [state, n] of Object.entries(d)) metrics.queueDepth.set({ queue, state }, n);
      }
      metrics.lotItems.reset();
      metrics.lotEta.reset();
      if (transport) for (const [state, n] of Object.entries(await transport.outbox.counts())) metrics.transmissionStates.set({ state }, n);
      for (const lot of await lots.running()) {
        const p = lotProgress(lot, await lots.counts(lot.id));
        for (const state of ['pending', 'done', 'failed', 'changed'] as const) metrics.lotItems.inc({ finess: lot.finess, state }, p[state]);
        metrics.lotEta.set({ finess: lot.finess }, p.etaSeconds ?? -1);
      }
    },
  };
}
