import type { Provider, Type } from '@nestjs/common';
import type { AppLogger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import type { Sql } from '../../persistence/sql';
import type { ReturnFileHandler } from '../../platform/return-file';
import { testCrashAt } from '../../platform/test-crash';
import type { TestCrashPoint } from '../../config/test-crash-config';
import { FidesReturnsHandler } from './fides-returns.handler';
import { ReconciliationStore } from './reconciliation.store';
import { FidesReturnMetrics } from './returns-metrics';

export interface FidesReturnsParts {
  /** FlowParts.returns: ARL and RSP of the flow's transmissions, applied exactly once. */
  handler: ReturnFileHandler;
  controllers: Type[];
  providers: Provider[];
  /** Refreshes the invoices-by-state gauge. */
  beforeScrape: () => Promise<void>;
}

/** Everything the returns step adds to the FIDES flow, built in one place so that fides.flow.ts only spreads it. */
export async function fidesReturnsParts(ctx: {
  db: Sql;
  log: AppLogger;
  metrics: Metrics;
  testCrashAt?: TestCrashPoint;
}): Promise<FidesReturnsParts> {
  const metrics = new FidesReturnMetrics(ctx.metrics);
  const store = new ReconciliationStore(ctx.db);
  const handler = new FidesReturnsHandler(ctx.db, ctx.log, metrics);
  // TEST ONLY (TEST_CRASH_AT=return-stored): dies after the intake stored the return raw, before it is applied.
  const crash = testCrashAt(ctx.testCrashAt, 'return-stored');
  return {
    handler: crash
      ? async (file) => {
          await crash();
          await handler.handler(file);
        }
      : handler.handler,
    // Loaded here, not at the top: see cdri.flow.ts.
    controllers: [(await import('../http/reconciliation.controller')).ReconciliationController],
    providers: [{ provide: ReconciliationStore, useValue: store }],
    beforeScrape: async () => {
      metrics.invoiceStates.reset();
      for (const [state, n] of Object.entries(await store.invoiceStates())) metrics.invoiceStates.set({ state }, n);
    },
  };
}
