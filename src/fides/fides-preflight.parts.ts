import type { Provider, Type } from '@nestjs/common';
import type { FidesConfig } from '../config/fides-config';
import { AMO_RIGHTS } from '../platform/amo-rights';
import type { FlowContext } from '../platform/flow';
import type { PeriodicTask } from '../platform/periodic-task';
import type { InvoiceStore } from './invoice.store';
import { PreflightWorker } from './preflight-worker';

export interface FidesPreflightParts {
  /** Runs pre-flight now in a background process (intake calls it after storing); nothing in the api role. */
  nudge: () => void;
  controllers: Type[];
  providers: Provider[];
  periodic: PeriodicTask[];
}

/**
 * Pre-flight's share of the FIDES flow, kept apart so that fides.flow.ts only spreads it: the worker moving invoices
 * out of `received` and the worklist route. AMO rights come from the flow that publishes AMO_RIGHTS
 * (CDRi, built before FIDES); without it invoices wait in `awaiting-rights` with PF-CDRI-NOT-CONFIGURED.
 */
export async function fidesPreflight(ctx: FlowContext, fides: FidesConfig, invoices: InvoiceStore): Promise<FidesPreflightParts> {
  const rights = ctx.services.get(AMO_RIGHTS);
  if (!rights) ctx.log.warn('FIDES pre-flight: no AMO rights service (CDRi): invoices will wait in awaiting-rights');
  const worker = new PreflightWorker(
    invoices,
    rights,
    // A run's lease outlives any sane batch; after a crash the invoices come back once it has run out.
    { ...fides.preflight, timeZone: ctx.config.lots.timeZone, leaseMs: Math.max(60_000, fides.preflight.intervalMs * 4) },
    ctx.log,
  );
  return {
    nudge: ctx.background ? () => worker.nudge() : () => undefined,
    controllers: [(await import('./http/preflight-worklist.controller')).PreflightWorklistController],
    providers: [],
    periodic: [{ name: 'fides-preflight', intervalMs: fides.preflight.intervalMs, run: () => worker.tick(), stop: () => worker.stop() }],
  };
}
