import type { FidesSubscriptionConfig } from '../../config/fides-subscription-config';
import type { FlowContext } from '../../platform/flow';
import type { PeriodicTask } from '../../platform/periodic-task';
import type { InvoiceStore } from '../invoice.store';
import { deliveryCounter, SubscriptionDelivery } from './subscription-delivery';
import { SubscriptionStore } from './subscription.store';

export { SubscriptionStore } from './subscription.store';

/**
 * FHIR Subscriptions on ClaimResponse (issue 9 §4), as the FIDES flow mounts them: the store the routes use and the
 * delivery task of the worker role. Kept in one place so that fides.flow.ts adds a few lines only.
 */
export function fidesSubscriptions(
  ctx: Pick<FlowContext, 'db' | 'cipher' | 'log' | 'metrics'>,
  invoices: InvoiceStore,
  cfg: FidesSubscriptionConfig,
): { store: SubscriptionStore; periodic: PeriodicTask } {
  const store = new SubscriptionStore(ctx.db, ctx.cipher);
  const delivery = new SubscriptionDelivery(store, invoices, cfg, ctx.log, deliveryCounter(ctx.metrics.registry));
  return { store, periodic: delivery.periodicTask() };
}
