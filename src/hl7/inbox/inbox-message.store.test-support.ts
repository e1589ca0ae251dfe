/**
 * Test support for the unit tier (not built into dist/): an in-memory inbox store with the
 * SQL's rules (accepted messages unique on sender + MSH-10, the outbox = accepted and not dispatched, oldest first).
 */
import { type AcceptedOriginal, type InboxMessageStorePort, type InboxRecord, type UndispatchedMessage } from './inbox-message.store';

interface InboxRow {
  id: string;
  record: InboxRecord;
  dispatched: boolean;
}

export class InMemoryInboxMessageStore implements InboxMessageStorePort {
  readonly rows: InboxRow[] = [];
  /** Makes the next markDispatched throw: a crash after the checks were queued, before the batch was marked. */
  failNextMarkDispatched = false;

  async insertBatch(batch: Array<{ id: string; record: InboxRecord }>): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const { id, record } of batch) {
      if (record.status === 'accepted' && this.accepted(record)) continue;
      this.rows.push({ id, record, dispatched: record.dispatched });
      inserted.add(id);
    }
    return inserted;
  }

  async findAccepted(app: string | null, facility: string | null, controlId: string | null): Promise<AcceptedOriginal | undefined> {
    const row = this.accepted({ sendingApplication: app, sendingFacility: facility, controlId });
    return row && { id: row.id, ack: row.record.ack, contentHash: row.record.contentHash };
  }

  async undispatched(limit: number): Promise<UndispatchedMessage[]> {
    return this.rows
      .filter((r) => r.record.status === 'accepted' && !r.dispatched)
      .slice(0, limit)
      .map((r) => ({ id: r.id, facts: r.record.facts, correlationId: r.record.correlationId }));
  }

  async markDispatched(ids: string[]): Promise<void> {
    if (this.failNextMarkDispatched) {
      this.failNextMarkDispatched = false;
      throw new Error('connection lost');
    }
    for (const r of this.rows) if (ids.includes(r.id)) r.dispatched = true;
  }

  /** An accepted, not yet dispatched message carrying these facts, as the inbound handler stores it. */
  addAccepted(id: string, facts: Record<string, unknown>, correlationId = `corr-${id}`): void {
    this.rows.push({
      id,
      dispatched: false,
      record: {
        sendingApplication: 'GAP',
        sendingFacility: 'HOSP',
        controlId: `MSG-${id}`,
        messageType: 'ADT',
        event: String(facts.event),
        raw: Buffer.from('MSH|...'),
        charset: 'UNICODE UTF-8',
        status: 'accepted',
        ackCode: 'AA',
        ack: Buffer.from('ACK'),
        contentHash: null,
        correlationId,
        facts,
        dispatched: false,
      },
    });
  }

  private accepted(k: Pick<InboxRecord, 'sendingApplication' | 'sendingFacility' | 'controlId'>): InboxRow | undefined {
    return this.rows.find(
      (r) =>
        r.record.status === 'accepted' &&
        (r.record.sendingApplication ?? '') === (k.sendingApplication ?? '') &&
        (r.record.sendingFacility ?? '') === (k.sendingFacility ?? '') &&
        r.record.controlId === k.controlId,
    );
  }
}
