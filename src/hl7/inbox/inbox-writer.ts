import { randomUUID } from 'node:crypto';
import { Sql } from '../../persistence/sql';

export interface InboxRecord {
  sendingApplication: string | null;
  sendingFacility: string | null;
  controlId: string | null;
  messageType: string | null;
  event: string | null;
  raw: Buffer;
  charset: string;
  status: 'accepted' | 'rejected';
  ackCode: string;
  ack: Buffer;
  correlationId: string;
  facts: Record<string, unknown> | null;
  /** False when follow-up work must still be dispatched (outbox): dispatched_at stays NULL. */
  dispatched: boolean;
}

export type StoreResult = { stored: true; id: string } | { stored: false; duplicateOf: string; ack: Buffer };

interface Pending {
  id: string;
  record: InboxRecord;
  resolve: (r: StoreResult) => void;
  reject: (e: unknown) => void;
}

const COLUMNS = 14;
const MAX_BATCH = 256;

/**
 * Durable, deduplicating store for inbound messages: the promise resolves only after the row is committed.
 *
 * Messages arriving while a commit is in flight are grouped into the next single multi-row INSERT, so many
 * connections share one WAL flush instead of paying one each (group commit done by us, not by tuning Postgres).
 * A single connection still gets one commit per message, with no added wait.
 */
export class InboxWriter {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly db: Sql) {}

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
    const params: unknown[] = [];
    const now = new Date();
    const tuples = batch.map((p, i) => {
      const r = p.record;
      params.push(p.id, r.sendingApplication, r.sendingFacility, r.controlId, r.messageType, r.event, r.raw, r.charset,
        r.status, r.ackCode, r.ack, r.correlationId, r.facts === null ? null : JSON.stringify(r.facts), r.dispatched ? now : null);
      const base = i * COLUMNS;
      return `(${Array.from({ length: COLUMNS }, (_, k) => `$${base + k + 1}`).join(',')})`;
    });
    // ON CONFLICT DO NOTHING without a target also covers repeats inside this very batch: the first one wins.
    const inserted = await this.db.rows<{ id: string }>(
      `INSERT INTO inbox_message (id, sending_application, sending_facility, control_id, message_type, event, raw,
         charset, status, ack_code, ack, correlation_id, facts, dispatched_at)
       VALUES ${tuples.join(',')} ON CONFLICT DO NOTHING RETURNING id`,
      params,
    );
    const ok = new Set(inserted.map((r) => r.id));
    const results: StoreResult[] = [];
    for (const p of batch) {
      if (ok.has(p.id)) results.push({ stored: true, id: p.id });
      else results.push(await this.original(p.record));
    }
    return results;
  }

  private async original(r: InboxRecord): Promise<StoreResult> {
    const rows = await this.db.rows<{ id: string; ack: Buffer }>(
      `SELECT id, ack FROM inbox_message
        WHERE status = 'accepted' AND COALESCE(sending_application, '') = $1 AND COALESCE(sending_facility, '') = $2
          AND control_id = $3`,
      [r.sendingApplication ?? '', r.sendingFacility ?? '', r.controlId],
    );
    if (rows.length === 0) throw new Error('Inbox insert was skipped but no original message was found');
    return { stored: false, duplicateOf: rows[0].id, ack: rows[0].ack };
  }
}
