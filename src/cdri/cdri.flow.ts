import { mayRead } from '../access/roles';
import { Semaphore } from '../common/semaphore';
import type { FlowModule, FlowParts } from '../platform/flow';
import { type BackendWorker, queueOf } from '../queue/queue-backend';
import { defineWorker } from '../queue/queue-definition';
import { AMO_RIGHTS } from '../platform/amo-rights';
import { CdriAmoRightsService } from './amo-rights.service';
import { startCdriAdapters } from './cdri-adapters';
import { cdriQueues, type LotItemJob } from './cdri.queues';
import { OutboundMessageStore } from '../hl7/outbound/outbound-message.store';
import { CheckRightsUseCase } from './check-rights.use-case';
import { LotChunkStore } from './lots/lot-chunk.store';
import { PlannedEncounterStore } from './lots/planned-encounter.store';
import { RightsCheckStore } from './rights-check.store';
import { Hl7AdmissionsSubscription } from './hl7/admissions.subscription';
import { cdriCheckProcessor } from './jobs/cdri-check.processor';
import { lotTriggerProcessor } from './jobs/lot-trigger.processor';
import { lotItemProcessor } from './lots/lot-item.processor';
import { LotExchangeRunner } from './lots/lot-exchange.runner';
import { lotProgress } from './lots/lot-progress';
import { LotRunner } from './lots/lot-runner';
import { LotStore } from './lots/lot.store';
import { buildLotTask } from './fhir/lot-task.builder';
import { CreateLotUseCase } from './lots/create-lot.use-case';
import { CdriLots1764100000000 } from './migrations/1764100000000-cdri-lots';
import { BirthDateText1764400000000 } from './migrations/1764400000000-birth-date-text';
import { RightsChangeNotifier } from './lots/rights-change-notifier';
import { cdriRetention } from './cdri.retention';

/**
 * CDRi: AMO rights of a patient for a date of care — the kiosk's synchronous check, the follow-up of HL7
 * admissions, and the night lots with their rights-change worklist and A08s back to the GAP.
 */
export const cdriFlow: FlowModule = {
  name: 'cdri',
  description: 'AMO rights checks (CDRi): kiosk $submit, HL7 admissions, night lots, rights-change worklist and A08',
  migrations: [CdriLots1764100000000, BirthDateText1764400000000],

  async build({ config, log, metrics, db, cipher, queue, background, audit, services }): Promise<FlowParts> {
    const common = config.cdri.common;
    const adapters = startCdriAdapters(config, log);
    const queues = cdriQueues(config);
    const checkQueue = queueOf(queue, queues.check);
    const itemQueue = queueOf(queue, queues.lotItem);

    const rightsChecks = new RightsCheckStore(db);
    const checkRights = new CheckRightsUseCase(rightsChecks, adapters.rights, common.rightsTtlSeconds, metrics, log);
    // Billing pre-flight (FIDES) reads the latest answer and queues its checks on the admissions' queue.
    services.provide(AMO_RIGHTS, new CdriAmoRightsService(rightsChecks, checkQueue));
    const admissions = new Hl7AdmissionsSubscription(
      { rightsChecks, plannedEncounters: new PlannedEncounterStore(db, cipher) },
      async (checks) => {
        const queuedAt = Date.now();
        await checkQueue.addBulk(
          checks.map((c) => ({ name: 'check', data: { checkId: c.id, correlationId: c.correlationId, queuedAt }, opts: { jobId: c.id } })),
        );
      },
      config.establishmentFiness,
      log,
    );

    const lotStore = new LotStore(db, cipher);
    let stopped = false;
    const exchange = new LotExchangeRunner(
      new LotChunkStore(db, cipher),
      lotStore,
      adapters.lot,
      {
        chunkSize: config.lots.chunkSize,
        pollIntervalMs: config.lots.pollIntervalMs,
        maxAttempts: config.lots.attempts,
        ttlSeconds: common.rightsTtlSeconds,
      },
      log,
      () => stopped,
    );
    const notifier = new RightsChangeNotifier(new OutboundMessageStore(db), lotStore, config, log);
    const runner = new LotRunner(lotStore, itemQueue, exchange, (lot) => notifier.onLotCompleted(lot), log);
    // In the api role the worker processes' runners find new lots on their next tick.
    const lots = new CreateLotUseCase(lotStore, config.lots, () => (background ? runner.kick() : undefined), log);

    let itemWorker: BackendWorker<LotItemJob, string> | undefined;
    // An item lasts at most the insurer timeout: a dead worker's jobs come back after twice that.
    const lockDurationMs = Math.max(5000, common.timeoutMs * 2);

    return {
      http: {
        // Loaded here, not at the top: the registry (names, migrations) stays loadable where NestJS is not (jest's
        // CommonJS runtime cannot load ESM-only NestJS; tests read the flows' migrations).
        controllers: [
          (await import('./http/eligibility.controller')).EligibilityController,
          (await import('./http/lots.controller')).LotsController,
        ],
        providers: [
          { provide: CheckRightsUseCase, useValue: checkRights },
          { provide: CreateLotUseCase, useValue: lots },
          { provide: LotStore, useValue: lotStore },
        ],
      },
      // A lot's Task is read within its establishment (operators: all); another's is "not found".
      tasks: async (id, reader) => {
        const lot = await lotStore.get(id);
        return lot && mayRead(reader, { finess: lot.finess, requestedBy: lot.requestedBy })
          ? buildLotTask(lot, lotProgress(lot, await lotStore.counts(lot.id)))
          : undefined;
      },
      hl7: [admissions],
      retention: cdriRetention(lotStore),
      workers: [
        defineWorker({
          queue: queues.check,
          processor: cdriCheckProcessor(checkRights, common.jobAttempts, log),
          settings: { concurrency: common.jobConcurrency, lockDurationMs },
        }),
        defineWorker({
          queue: queues.lotItem,
          processor: lotItemProcessor({
            store: lotStore,
            gateway: adapters.rights,
            metrics,
            ttlSeconds: common.rightsTtlSeconds,
            attempts: config.lots.attempts,
            insurerSlots: new Semaphore(config.lots.concurrency),
            worker: () => itemWorker,
          }),
          // More jobs than insurer slots, so that a job's database reads and writes overlap other jobs' insurer calls
          // and the cap stays busy.
          settings: {
            concurrency: Math.ceil(config.lots.concurrency * 1.5) + 4,
            limiter: { max: config.lots.ratePerSecond, duration: 1000 },
            lockDurationMs,
          },
          onStarted: (w) => (itemWorker = w),
        }),
        defineWorker({ queue: queues.lotTrigger, processor: lotTriggerProcessor(lots, audit), settings: { concurrency: 1 } }),
      ],
      schedules: config.lots.finess.map((finess) => ({
        id: `night-lot-${finess}`,
        queue: queues.lotTrigger,
        pattern: config.lots.cron,
        timeZone: config.lots.timeZone,
        job: { name: 'night-lot', data: { finess } },
      })),
      periodic: [{ name: 'cdri-stale-check-requeue', intervalMs: config.inboxSweepIntervalMs, run: () => admissions.requeueStaleChecks() }],
      probes: [
        {
          name: 'cdri',
          critical: false,
          ttlMs: config.cdri.common.probeTtlMs,
          check: async () => ({
            status: (await adapters.rights.ping()) ? 'up' : 'down',
            detail: config.cdri.mode === 'simulator' ? 'CDRi SIMULATOR' : 'CDRi insurer endpoint',
          }),
        },
      ],
      beforeScrape: async () => {
        metrics.lotItems.reset();
        metrics.lotEta.reset();
        for (const lot of await lotStore.running()) {
          const p = lotProgress(lot, await lotStore.counts(lot.id));
          for (const state of ['pending', 'done', 'failed', 'changed'] as const)
            metrics.lotItems.inc({ finess: lot.finess, state }, p[state]);
          metrics.lotEta.set({ finess: lot.finess }, p.etaSeconds ?? -1);
        }
      },
      start: () => {
        runner.start();
        notifier.start();
      },
      stop: async () => {
        stopped = true;
        await runner.stop();
        await notifier.stop();
        await adapters.close();
      },
    };
  },
};
