import type { FieldCipher } from '../../persistence/field-cipher';
import { pgJson, pgText } from '../../persistence/pg-text';
import type { Sql } from '../../persistence/sql';

/** Bound into each envelope: a raw message cannot be decrypted as facts, nor another table's column as either. */
const RAW_KIND = 'inbox_message.raw';
const FACTS_KIND = 'inbox_message.facts';

export type InboxStatus = 'accepted' | 'rejected';

/**
 * An inbound HL7 message as stored (`inbox_message`), raw bytes and ACK included, before any ACK leaves.
 * Accepted messages are unique on (sending application, sending facility, MSH-10): a repeat gets the stored ACK.
 * Rejected ones (AE/AR) are kept for audit but not deduplicated, so a corrected resend under the same MSH-10 is
 * processed (the unique index is partial, see the foundation migration).
 */
export interface InboxRecord {
  sendingApplication: string | null;
  sendingFacility: string | null;
  controlId: string | null;
  messageType: string | null;
  event: string | null;
  raw: Buffer;
  charset: string;
  status: InboxStatus;
  ackCode: string;
  ack: Buffer;
  /** SHA-256 of the message without its volatile fields (hl7-content-hash.ts); null when it could not be parsed. */
  contentHash: string | null;
  correlationId: string;
  /** Facts the follow-up work needs (event, patient ids, date of care…), so it never re-parses. */
  facts: Record<string, unknown> | null;
  /** False when follow-up work must still be dispatched (outbox): dispatched_at stays NULL. */
  dispatched: boolean;
}

/** An accepted message whose follow-up work is still to be done (the HL7 outbox). */
export interface UndispatchedMessage {
  id: string;
  facts: Record<string, unknown> | null;
  correlationId: string;
}

export interface InboxMessageStorePort {
  /**
   * One multi-row INSERT, committed when it resolves; returns the ids actually inserted. A row conflicting with an
   * accepted message (or with an earlier row of the same batch) is skipped, not an error.
   */
  insertBatch(rows: Array<{ id: string; record: InboxRecord }>): Promise<Set<string>>;
  /** The accepted message a skipped insert collided with: its id, the ACK it got and its content hash. */
  findAccepted(
    sendingApplication: string | null,
    sendingFacility: string | null,
    controlId: string | null,
  ): Promise<AcceptedOriginal | undefined>;
  /** Accepted messages not yet dispatched, oldest first. */
  undispatched(limit: number): Promise<UndispatchedMessage[]>;
  markDispatched(ids: string[]): Promise<void>;
}

/** What a repeat is compared with. contentHash is null for rows stored before hashes existed (taken as a resend). */
export interface AcceptedOriginal {
  id: string;
  ack: Buffer;
  contentHash: string | null;
}

const COLUMNS = 16;

/**
 * SQL of `inbox_message`: the ingest hot path (group commit) and the HL7 outbox. With a cipher (DATA_MASTER_KEYS),
 * the raw message and its facts — every ADT carries the NIR, names, birth date and address — are stored encrypted,
 * with a keyed pseudonym of the NIR for erasure (docs/decisions/0006); the facts are decrypted for the follow-up.
 */
export class InboxMessageStore implements InboxMessageStorePort {
  constructor(
    private readonly db: Sql,
    private readonly cipher?: FieldCipher,
  ) {}

  async insertBatch(batch: Array<{ id: string; record: InboxRecord }>): Promise<Set<string>> {
    const params: unknown[] = [];
    const now = new Date();
    const tuples = batch.map((p, i) => {
      const r = p.record;
      params.push(
        p.id,
        pgText(r.sendingApplication),
        pgText(r.sendingFacility),
        pgText(r.controlId),
        pgText(r.messageType),
        pgText(r.event),
        this.cipher ? this.cipher.encrypt(RAW_KIND, r.raw) : r.raw,
        pgText(r.charset),
        r.status,
        r.ackCode,
        r.ack,
        r.correlationId,
        r.facts === null ? null : pgJson(this.cipher ? this.cipher.encryptJson(FACTS_KIND, r.facts) : r.facts),
        r.dispatched ? now : null,
        this.cipher && typeof r.facts?.nir === 'string' ? this.cipher.pseudonym(r.facts.nir) : null,
        r.contentHash,
      );
      const base = i * COLUMNS;
      return `(${Array.from({ length: COLUMNS }, (_, k) => `$${base + k + 1}`).join(',')})`;
    });
    // ON CONFLICT DO NOTHING without a target also covers repeats inside this very batch: the first one wins.
    const inserted = await this.db.rows<{ id: string }>(
      `INSERT INTO inbox_message (id, sending_application, sending_facility, control_id, message_type, event, raw,
         charset, status, ack_code, ack, correlation_id, facts, dispatched_at, nir_pseudonym, content_hash)
       VALUES ${tuples.join(',')} ON CONFLICT DO NOTHING RETURNING id`,
      params,
    );
    return new Set(inserted.map((r) => r.id));
  }

  async findAccepted(
    sendingApplication: string | null,
    sendingFacility: string | null,
    controlId: string | null,
  ): Promise<AcceptedOriginal | undefined> {
    const rows = await this.db.rows<{ id: string; ack: Buffer; content_hash: string | null }>(
      `SELECT id, ack, content_hash FROM inbox_message
        WHERE status = 'accepted' AND COALESCE(sending_application, '') = $1 AND COALESCE(sending_facility, '') = $2
          AND control_id = $3`,
      [pgText(sendingApplication) ?? '', pgText(sendingFacility) ?? '', pgText(controlId)],
    );
    return rows[0] && { id: rows[0].id, ack: rows[0].ack, contentHash: rows[0].content_hash };
  }

  async undispatched(limit: number): Promise<UndispatchedMessage[]> {
    const rows = await this.db.rows<{ id: string; facts: Record<string, unknown> | null; correlation_id: string }>(
      `SELECT id, facts, correlation_id FROM inbox_message WHERE status = 'accepted' AND dispatched_at IS NULL
          ORDER BY received_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, facts: this.readFacts(r.facts), correlationId: r.correlation_id }));
  }

  private readFacts(stored: Record<string, unknown> | null): Record<string, unknown> | null {
    if (stored === null || typeof stored.enc !== 'string') return stored;
    if (!this.cipher) throw new Error('Encrypted inbox facts but no DATA_MASTER_KEYS configured');
    return this.cipher.decryptJson(FACTS_KIND, { enc: stored.enc });
  }

  async markDispatched(ids: string[]): Promise<void> {
    await this.db.exec(`UPDATE inbox_message SET dispatched_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
  }
}
