import { randomUUID } from 'node:crypto';
import { type InboxMessageStorePort, type InboxRecord } from './inbox-message.store';

/** Not stored: the key (MSH-3, MSH-4, MSH-10) belongs to an accepted message; the caller compares content hashes. */
export type StoreResult = { stored: true; id: string } | { stored: false; duplicateOf: string; ack: Buffer; contentHash: string | null };

interface Pending {
  id: string;
  record: InboxRecord;
  resolve: (r: StoreResult) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 256;

/**
 * Durable, deduplicating writer of inbound messages: the promise resolves only after the row is committed.
 *
 * Messages arriving while a commit is in flight are grouped into the next single multi-row INSERT, so many
 * connections share one WAL flush instead of paying one each (group commit done by us, not by tuning Postgres).
 * A single connection still gets one commit per message, with no added wait.
 */
export class InboxWriter {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly inbox: InboxMessageStorePort) {}

  store(record: InboxRecord): Promise<StoreResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: randomUUID(), record, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const results = await this.insert(batch);
          batch.forEach((p, i) => p.resolve(results[i]));
        } catch (err) {
          batch.forEach((p) => p.reject(err));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async insert(batch: Pending[]): Promise<StoreResult[]> {
    const ok = await this.inbox.insertBatch(batch.map((p) => ({ id: p.id, record: p.record })));
    const results: StoreResult[] = [];
    for (const p of batch) {
      if (ok.has(p.id)) results.push({ stored: true, id: p.id });
      else results.push(await this.original(p.record));
    }
    return results;
  }

  private async original(r: InboxRecord): Promise<StoreResult> {
    const found = await this.inbox.findAccepted(r.sendingApplication, r.sendingFacility, r.controlId);
    if (!found) throw new Error('Inbox insert was skipped but no original message was found');
    return { stored: false, duplicateOf: found.id, ack: found.ack, contentHash: found.contentHash };
  }
}
