import { UnrecoverableError } from 'bullmq';
import { CheckRightsUseCase } from '../cdri/check-rights.use-case';
import { CDRI_CHECK_QUEUE, CdriCheckJob } from '../cdri/jobs/cdri-check.queue';
import { cdriCheckProcessor } from '../cdri/jobs/cdri-check.processor';
import { CDRI_LOT_ITEM_QUEUE, LotItemJob, lotItemProcessor } from '../cdri/lots/lot-item.processor';
import { LotRunner } from '../cdri/lots/lot-runner';
import { LotStore } from '../cdri/lots/lot-store';
import { LotService } from '../cdri/lots/lot.service';
import { AppConfig } from '../config/app-config';
import { AdtDispatcher } from '../hl7/inbox/adt-dispatcher';
import { newCorrelationId } from '../observability/correlation';
import { AppLogger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { BackendWorker } from '../queue/queue-backend';
import { Semaphore } from '../common/semaphore';
import { Infrastructure } from './infrastructure';

export const CDRI_LOT_TRIGGER_QUEUE = 'cdri-lot-trigger';
const DRAIN_POLL_MS = 250;

export interface BackgroundDeps {
  config: AppConfig;
  infra: Infrastructure;
  metrics: Metrics;
  log: AppLogger;
  checkRights: CheckRightsUseCase;
  dispatcher: AdtDispatcher;
  lots: LotService;
  runner: LotRunner;
  lotStore: LotStore;
  /** Extra loops to stop with the rest (outbound sender…). */
  stoppables: Array<{ stop(): Promise<void> }>;
}

/**
 * The worker side: queue consumers, the lot runner, the nightly schedule and the HL7 outbox drain.
 * Runs in the `all` and `worker` roles; several worker processes may run side by side.
 */
export async function startBackground(d: BackgroundDeps): Promise<() => Promise<void>> {
  const { config, infra, log } = d;
  const workers: BackendWorker<never, unknown>[] = [];
  const common = config.cdri.common;
  workers.push(
    infra.queue.worker<CdriCheckJob, string>(CDRI_CHECK_QUEUE, cdriCheckProcessor(d.checkRights, common.jobAttempts, log), { concurrency: common.jobConcurrency, lockDurationMs: Math.max(5000, common.timeoutMs * 2) }) as never,
  );

  let lotWorker: BackendWorker<LotItemJob, string> | undefined;
  lotWorker = infra.queue.worker<LotItemJob, string>(
    CDRI_LOT_ITEM_QUEUE,
    lotItemProcessor({
      store: d.lotStore, gateway: infra.cdri, metrics: d.metrics, ttlSeconds: common.rightsTtlSeconds, attempts: config.lots.attempts,
      insurerSlots: new Semaphore(config.lots.concurrency), worker: () => lotWorker as never,
    }),
    // More jobs than insurer slots, so that a job's database reads and writes overlap other jobs' insurer calls and
    // the cap stays busy. Lock: an item lasts at most the insurer timeout, so a dead worker's items come back soon.
    { concurrency: Math.ceil(config.lots.concurrency * 1.5) + 4, limiter: { max: config.lots.ratePerSecond, duration: 1000 }, lockDurationMs: Math.max(5000, common.timeoutMs * 2) },
  );
  workers.push(lotWorker as never);

  // The nightly lot: a BullMQ job scheduler (stored in the queue backend), so several worker processes share
  // one schedule and a restart does not lose or double it — unlike an in-process cron.
  const triggers = infra.queue.queue<{ finess: string }>(CDRI_LOT_TRIGGER_QUEUE);
  for (const finess of config.lots.finess) {
    if (config.lots.cron) {
      await triggers.upsertJobScheduler(`night-lot-${finess}`, { pattern: config.lots.cron, tz: config.lots.timeZone }, { name: 'night-lot', data: { finess } });
    } else {
      await triggers.removeJobScheduler(`night-lot-${finess}`);
    }
  }
  workers.push(
    infra.queue.worker<{ finess: string }, string>(
      CDRI_LOT_TRIGGER_QUEUE,
      async (job) => {
        if (!job.data?.finess) throw new UnrecoverableError('night-lot job without finess');
        const lot = await d.lots.planNight(job.data.finess, 'schedule', 'scheduler', newCorrelationId());
        return lot.id;
      },
      { concurrency: 1 },
    ) as never,
  );

  d.runner.start();
  // The HL7 outbox: drained when woken by the local MLLP edge, and polled for messages stored by api-role
  // processes or left by a crash; lost check jobs are queued again at a slower pace.
  const drain = () => void d.dispatcher.drain().catch((err) => log.error({ err }, 'HL7 outbox drain failed; will retry'));
  const drainTimer = setInterval(drain, DRAIN_POLL_MS);
  drainTimer.unref();
  drain();
  const requeue = () => void d.dispatcher.requeueStaleChecks().catch((err) => log.error({ err }, 'Stale check sweep failed'));
  const requeueTimer = setInterval(requeue, config.inboxSweepIntervalMs);
  requeueTimer.unref();

  return async () => {
    clearInterval(drainTimer);
    clearInterval(requeueTimer);
    await d.dispatcher.drain().catch(() => undefined);
    await d.runner.stop();
    for (const s of d.stoppables) await s.stop();
    await Promise.all(workers.map((w) => w.close()));
  };
}
