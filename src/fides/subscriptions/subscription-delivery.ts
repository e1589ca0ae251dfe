import { randomUUID } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { FidesSubscriptionConfig } from '../../config/fides-subscription-config';
import type { AppLogger } from '../../observability/logger';
import type { PeriodicTask } from '../../platform/periodic-task';
import { buildClaimResponse } from '../fhir/claim-response.builder';
import type { InvoiceStorePort } from '../invoice.store';
import { sendRestHook, type RestHookResult } from './rest-hook-client';
import type { PendingTransition, StoredSubscription, SubscriptionStore } from './subscription.store';

/** Subscriptions one run leases and delivers side by side (each in its own order). */
const SUBSCRIPTIONS_PER_RUN = 16;
/** Transitions read past a cursor at once. */
const TRANSITIONS_PER_BATCH = 200;
/** Batches one subscription gets per run before the others have their turn. */
const BATCHES_PER_RUN = 5;

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead-lettered';

/** passerelle_fides_subscription_deliveries_total{outcome}: created once per registry (one gateway, one registry). */
export function deliveryCounter(registry: Registry): Counter<'outcome'> {
  const name = 'passerelle_fides_subscription_deliveries_total';
  return (
    (registry.getSingleMetric(name) as Counter<'outcome'> | undefined) ??
    new Counter({
      name,
      help: 'FHIR Subscription notifications (ClaimResponse rest-hook), by outcome: delivered, failed (retried), dead-lettered (subscription in error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    })
  );
}

/**
 * Delivers ClaimResponse notifications, durably and in order, at least once: each subscription's cursor moves past
 * a change only once the receiver answered 2xx (or the change is not for it), so a crash or a restart resends from
 * the first change not acknowledged. A failure keeps the cursor, retries with exponential backoff, and after
 * FIDES_SUBSCRIPTION_MAX_ATTEMPTS consecutive failures puts the subscription in `error` (the dead-letter state):
 * the undelivered changes wait behind its cursor until it is re-activated.
 *
 * Several changes of one invoice in a batch make one notification (the ClaimResponse is built from the invoice as
 * it stands now, so earlier ones would say the same), sent at the place of its last change.
 */
export class SubscriptionDelivery {
  private readonly leaseMs: number;

  constructor(
    private readonly subscriptions: SubscriptionStore,
    private readonly invoices: InvoiceStorePort,
    private readonly cfg: FidesSubscriptionConfig,
    private readonly log: AppLogger,
    private readonly counter: Counter<'outcome'>,
  ) {
    // Renewed after each notification, so it only has to outlast one (its deadline) and the reads around it; a
    // process killed mid-run holds its subscriptions this long.
    this.leaseMs = cfg.timeoutMs * 2 + 5_000;
  }

  periodicTask(): PeriodicTask {
    return { name: 'fides-subscription-delivery', intervalMs: this.cfg.pollIntervalMs, run: () => this.runOnce() };
  }

  /** One pass over the due subscriptions; resolves with the number of notifications delivered. */
  async runOnce(): Promise<number> {
    const token = randomUUID();
    const due = await this.subscriptions.lease(token, this.leaseMs, SUBSCRIPTIONS_PER_RUN);
    const counts = await Promise.all(due.map((s) => this.deliverSubscription(s, token)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private async deliverSubscription(s: StoredSubscription, token: string): Promise<number> {
    let delivered = 0;
    try {
      let cursor = s.cursor;
      for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
        const pending = await this.subscriptions.pending({ cursor }, TRANSITIONS_PER_BATCH);
        if (pending.length === 0) break;
        const result = await this.deliverBatch({ ...s, cursor }, token, pending);
        delivered += result.delivered;
        if (!result.cursor) return delivered; // failed (recorded) or lease lost: nothing more this run
        cursor = result.cursor;
        if (pending.length < TRANSITIONS_PER_BATCH) break;
      }
      await this.subscriptions.release(s.id, token);
    } catch (err) {
      // A database failure mid-run: the lease expires and the cursor says what is left.
      this.log.error({ err, subscription: s.id }, 'Subscription delivery run failed; will resume from its cursor');
    }
    return delivered;
  }

  /** Delivers one batch in order; the new cursor, or undefined when a delivery failed or the lease was lost. */
  private async deliverBatch(
    s: StoredSubscription,
    token: string,
    pending: PendingTransition[],
  ): Promise<{ delivered: number; cursor?: { tx: string; id: string } }> {
    const last = new Map<string, number>();
    pending.forEach((t, i) => last.set(t.invoiceId, i));
    let delivered = 0;
    for (let i = 0; i < pending.length; i++) {
      const t = pending[i];
      if (last.get(t.invoiceId) !== i || !inScope(s, t)) continue;
      const claimResponse = await this.claimResponseOf(t.invoiceId);
      // Gone (retention purged a final invoice): nothing to say about it.
      if (claimResponse === null) continue;
      if (claimResponse !== undefined && s.outcome && claimResponse.outcome !== s.outcome) continue;
      // One that cannot be built (a draft the keys no longer open) fails like a receiver would: retried, then error.
      const result: RestHookResult = claimResponse
        ? await this.notify(s, claimResponse)
        : { ok: false, reason: 'ClaimResponse not buildable' };
      if (!result.ok) {
        await this.recordFailure(s, token, result.reason);
        return { delivered };
      }
      this.counter.inc({ outcome: 'delivered' });
      delivered++;
      if (!(await this.subscriptions.advance(s.id, token, t, 1, this.leaseMs))) return { delivered };
    }
    const end = pending[pending.length - 1];
    // The tail of changes not for this subscription: skipped once, never read again.
    if (!(await this.subscriptions.advance(s.id, token, end, 0, this.leaseMs))) return { delivered };
    return { delivered, cursor: { tx: end.tx, id: end.id } };
  }

  /** The invoice's ClaimResponse; null when the invoice is gone, undefined when it cannot be read or built. */
  private async claimResponseOf(invoiceId: string): Promise<Record<string, unknown> | null | undefined> {
    try {
      const invoice = await this.invoices.get(invoiceId);
      return invoice ? buildClaimResponse(invoice) : null;
    } catch (err) {
      this.log.error({ err, invoice: invoiceId }, 'ClaimResponse for a subscription could not be built');
      return undefined;
    }
  }

  /**
   * FHIR R4 rest-hook: with a payload, the endpoint is a service base and the resource is updated there
   * (PUT [endpoint]/ClaimResponse/[id]); without, an empty POST to the endpoint tells the GAP to read it back.
   */
  private notify(s: StoredSubscription, claimResponse: Record<string, unknown>): Promise<RestHookResult> {
    const base = { headers: s.headers, timeoutMs: this.cfg.timeoutMs };
    if (!s.payload) return sendRestHook({ ...base, method: 'POST', url: s.endpoint });
    const url = `${s.endpoint.replace(/\/+$/, '')}/ClaimResponse/${String(claimResponse.id)}`;
    return sendRestHook({ ...base, method: 'PUT', url, body: JSON.stringify(claimResponse) });
  }

  private async recordFailure(s: StoredSubscription, token: string, reason: string): Promise<void> {
    const failed = await this.subscriptions.fail(s.id, token, `Notification failed (${reason}), `, this.cfg);
    if (failed?.status === 'error') {
      this.counter.inc({ outcome: 'dead-lettered' });
      this.log.error(
        { subscription: s.id, attempts: failed.attempts, reason },
        'Subscription in error after repeated failures: re-activate it to resume',
      );
    } else if (failed) {
      this.counter.inc({ outcome: 'failed' });
      this.log.warn({ subscription: s.id, attempts: failed.attempts, reason }, 'Subscription notification failed; will retry with backoff');
    }
  }
}

/** The subscription's FINESS scope and, for `request=Claim/{id}`, its one invoice. */
function inScope(s: StoredSubscription, t: PendingTransition): boolean {
  if (s.requestInvoiceId && s.requestInvoiceId !== t.invoiceId) return false;
  return s.scopeAll || s.finess.includes(t.finess);
}
