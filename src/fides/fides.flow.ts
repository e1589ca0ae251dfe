import type { FlowModule, FlowParts } from '../platform/flow';
import { fidesPreflight } from './fides-preflight.parts';
import { fidesRetention } from './fides.retention';
import { InvoiceStore } from './invoice.store';
import { buildLotsPart } from './lots/lots.parts';
import { LotsService } from './lots/lots.service';
import { Invoices1765000000000 } from './migrations/1765000000000-invoices';
import { Preflight1765100000000 } from './migrations/1765100000000-preflight';
import { FidesLots1765200000000 } from './migrations/1765200000000-lots';
import { FidesReturns1765300000000 } from './migrations/1765300000000-returns';
import { FidesSubscriptions1765400000000 } from './migrations/1765400000000-subscriptions';
import { ReceiveInvoiceUseCase } from './receive-invoice.use-case';
import { fidesReturnsParts } from './returns/returns.parts';
import { RsfImportUseCase } from './rsf-import.use-case';
import { fidesSubscriptions, SubscriptionStore } from './subscriptions';

/**
 * FIDES: invoices to the AMO (issue 9), one part per step, each in its own folder or file and only assembled here:
 * intake (FHIR Claims, batch Bundles, ATIH RSF) → pre-flight (rule table + CDRi rights through the AMO_RIGHTS
 * service) → B2 lots (numbered, frozen, handed to the transmission outbox through LOT_TRANSMISSION) → returns (ARL,
 * NOEMIE RSP, applied once) → reconciliation views and FHIR Subscriptions. Off unless FIDES_ENABLED (on by default
 * in embedded mode only): a deployment that does not bill gets no route.
 */
export const fidesFlow: FlowModule = {
  name: 'fides',
  description: 'FIDES billing to the AMO: intake, pre-flight, B2 lots, ARL/NOEMIE returns, reconciliation, subscriptions',
  migrations: [
    Invoices1765000000000,
    Preflight1765100000000,
    FidesLots1765200000000,
    FidesReturns1765300000000,
    FidesSubscriptions1765400000000,
  ],

  async build(ctx): Promise<FlowParts | undefined> {
    const { config, db, cipher, log, metrics } = ctx;
    if (!config.fides) return undefined;
    const store = new InvoiceStore(db, cipher);
    // Pre-flight (§2): its worker and worklist route (fides-preflight.parts.ts); intake nudges it.
    const preflight = await fidesPreflight(ctx, config.fides, store);
    const intake = new ReceiveInvoiceUseCase(store, preflight.nudge);
    // Lots (§3): closing, hand-over, schedule, probes, gauges — src/fides/lots/lots.parts.ts.
    // In full simulation every caisse goes to the AMO simulator unless a directory is configured.
    const recipientsFile = config.fides.lots.recipientsFile ?? config.fides.simulation?.recipientsFile;
    const lots = buildLotsPart(ctx, { ...config.fides.lots, recipientsFile }, store);
    // Returns in (ARL, NOEMIE RSP) and reconciliation views (§4) — src/fides/returns.
    const returns = await fidesReturnsParts({ db, log, metrics, testCrashAt: config.testCrashAt });
    // Subscriptions (§4): FHIR Subscription rest-hook on ClaimResponse.
    const subscriptions = fidesSubscriptions({ db, cipher, log, metrics }, store, config.fides.subscriptions);
    return {
      // Loaded here, not at the top: see cdri.flow.ts.
      http: {
        controllers: [
          (await import('./http/claims.controller')).ClaimsController,
          (await import('./http/claim-batch.controller')).ClaimBatchController,
          (await import('./http/rsf-import.controller')).RsfImportController,
          ...preflight.controllers,
          (await import('./http/lots.controller')).FidesLotsController,
          ...returns.controllers,
          (await import('./http/subscriptions.controller')).SubscriptionsController,
        ],
        providers: [
          { provide: InvoiceStore, useValue: store },
          { provide: ReceiveInvoiceUseCase, useValue: intake },
          { provide: RsfImportUseCase, useValue: new RsfImportUseCase(intake) },
          ...preflight.providers,
          { provide: LotsService, useValue: lots.service },
          ...returns.providers,
          { provide: SubscriptionStore, useValue: subscriptions.store },
        ],
      },
      returns: returns.handler,
      retention: fidesRetention(),
      periodic: [...preflight.periodic, ...lots.periodic, subscriptions.periodic],
      probes: lots.probes,
      beforeScrape: async () => {
        await lots.beforeScrape();
        await returns.beforeScrape();
      },
    };
  },
};
