import { type AppLogger } from '../../observability/logger';
import { type AcceptedHl7Message, type Hl7Subscription, type StoredAdtFacts } from './hl7-subscription';
import { type InboxMessageStorePort } from './inbox-message.store';

const BATCH = 500;

/**
 * The HL7 outbox, drained in batches off the ACK path: each accepted message that some flow wants is handed to
 * that flow's subscription, then the batch is marked dispatched. Storing and acknowledging never wait for this; a
 * crash anywhere here is repaired by the next drain, because subscriptions are idempotent per message and
 * `dispatched_at` is set last. Several worker processes may drain at once for the same reason.
 */
export class InboxDispatcher {
  private draining?: Promise<number>;

  constructor(
    private readonly inbox: Pick<InboxMessageStorePort, 'undispatched' | 'markDispatched'>,
    private readonly subscriptions: readonly Hl7Subscription[],
    private readonly log: AppLogger,
  ) {}

  /** Drains now unless a drain is running; resolves with the number of messages dispatched. */
  drain(): Promise<number> {
    this.draining ??= this.drainAll().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.inbox.undispatched(BATCH);
      if (rows.length === 0) return total;
      const batch: AcceptedHl7Message[] = rows.map((r) => ({
        id: r.id,
        facts: (r.facts as StoredAdtFacts | null) ?? { event: 'unknown' },
        correlationId: r.correlationId,
      }));
      for (const s of this.subscriptions) {
        const wanted = batch.filter((m) => s.wants(m.facts));
        if (wanted.length) await s.handle(wanted);
      }
      await this.inbox.markDispatched(rows.map((r) => r.id));
      this.log.debug({ messages: rows.length }, 'HL7 outbox batch dispatched');
      total += rows.length;
    }
  }
}

/** True when some flow follows this message up (else it is stored as already dispatched). */
export function wantedByAny(subscriptions: readonly Hl7Subscription[]): (facts: StoredAdtFacts) => boolean {
  return (facts) => subscriptions.some((s) => s.wants(facts));
}
