import type { FlowModule, FlowParts } from '../platform/flow';
import { fidesPreflight } from './fides-preflight.parts';
import { fidesRetention } from './fides.retention';
import { InvoiceStore } from './invoice.store';
import { Invoices1765000000000 } from './migrations/1765000000000-invoices';
import { Preflight1765100000000 } from './migrations/1765100000000-preflight';
import { FidesLots1765200000000 } from './migrations/1765200000000-lots';
import { ReceiveInvoiceUseCase } from './receive-invoice.use-case';
import { RsfImportUseCase } from './rsf-import.use-case';

/**
 * FIDES: invoices to the AMO (issue 9). This step is intake: FHIR Claims (one, or a batch Bundle) and ATIH RSF
 * imports become durable invoices in `received`, read back as Claim/ClaimResponse. Pre-flight, B2 lots, ARL and
 * NOEMIE returns come next. Off unless FIDES_ENABLED (on by default in embedded mode only): a deployment that does
 * not bill gets no route.
 */
export const fidesFlow: FlowModule = {
  name: 'fides',
  description: 'FIDES billing to the AMO: Claim and RSF intake, invoices and their state machine',
  migrations: [Invoices1765000000000, Preflight1765100000000, FidesLots1765200000000],

  async build(ctx): Promise<FlowParts | undefined> {
    const { config, db, cipher } = ctx;
    if (!config.fides) return undefined;
    const store = new InvoiceStore(db, cipher);
    // Pre-flight (issue 9 §2): its worker and worklist route (fides-preflight.parts.ts); intake nudges it.
    const preflight = await fidesPreflight(ctx, config.fides, store);
    const intake = new ReceiveInvoiceUseCase(store, preflight.nudge);
    return {
      // Loaded here, not at the top: see cdri.flow.ts.
      http: {
        controllers: [
          (await import('./http/claims.controller')).ClaimsController,
          (await import('./http/claim-batch.controller')).ClaimBatchController,
          (await import('./http/rsf-import.controller')).RsfImportController,
          ...preflight.controllers,
        ],
        providers: [
          { provide: InvoiceStore, useValue: store },
          { provide: ReceiveInvoiceUseCase, useValue: intake },
          { provide: RsfImportUseCase, useValue: new RsfImportUseCase(intake) },
          ...preflight.providers,
        ],
      },
      periodic: preflight.periodic,
      retention: fidesRetention(),
    };
  },
};
