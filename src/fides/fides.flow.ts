import type { FlowModule, FlowParts } from '../platform/flow';
import { fidesRetention } from './fides.retention';
import { InvoiceStore } from './invoice.store';
import { Invoices1765000000000 } from './migrations/1765000000000-invoices';
import { FidesLots1765200000000 } from './migrations/1765200000000-lots';
import { FidesReturns1765300000000 } from './migrations/1765300000000-returns';
import { ReceiveInvoiceUseCase } from './receive-invoice.use-case';
import { RsfImportUseCase } from './rsf-import.use-case';
import { fidesReturnsParts } from './returns/returns.parts';

/**
 * FIDES: invoices to the AMO (issue 9). This step is intake: FHIR Claims (one, or a batch Bundle) and ATIH RSF
 * imports become durable invoices in `received`, read back as Claim/ClaimResponse. Pre-flight, B2 lots, ARL and
 * NOEMIE returns come next. Off unless FIDES_ENABLED (on by default in embedded mode only): a deployment that does
 * not bill gets no route.
 */
export const fidesFlow: FlowModule = {
  name: 'fides',
  description: 'FIDES billing to the AMO: Claim and RSF intake, invoices and their state machine',
  migrations: [Invoices1765000000000, FidesLots1765200000000, FidesReturns1765300000000],

  async build({ config, db, cipher, log, metrics }): Promise<FlowParts | undefined> {
    if (!config.fides) return undefined;
    const store = new InvoiceStore(db, cipher);
    const intake = new ReceiveInvoiceUseCase(store);
    // Returns in (ARL, NOEMIE RSP) and reconciliation views — issue 9 §4, src/fides/returns.
    const returns = await fidesReturnsParts({ db, log, metrics });
    return {
      // Loaded here, not at the top: see cdri.flow.ts.
      http: {
        controllers: [
          (await import('./http/claims.controller')).ClaimsController,
          (await import('./http/claim-batch.controller')).ClaimBatchController,
          (await import('./http/rsf-import.controller')).RsfImportController,
          ...returns.controllers,
        ],
        providers: [
          { provide: InvoiceStore, useValue: store },
          { provide: ReceiveInvoiceUseCase, useValue: intake },
          { provide: RsfImportUseCase, useValue: new RsfImportUseCase(intake) },
          ...returns.providers,
        ],
      },
      returns: returns.handler,
      beforeScrape: returns.beforeScrape,
      retention: fidesRetention(),
    };
  },
};
