import type { Sql } from '../../persistence/sql';

/** What the GAP answered to an outbound message: AA = delivered, AE/AR = refused (kept with the reason). */
export interface OutboundOutcome {
  state: 'delivered' | 'refused';
  ackCode: string;
  detail: string | null;
}

/**
 * SQL of `outbound_message`: HL7 messages to the GAP, stored before they are sent (idempotent per kind and
 * source row), then sent one at a time in creation order.
 */
export class OutboundMessageStore {
  constructor(private readonly db: Sql) {}

  /** Stores a rights-change A08 for a lot item; a second call for the same item changes nothing. */
  async queueRightsChange(lotItemId: string, controlId: string, payload: Buffer): Promise<void> {
    await this.db.exec(
      `INSERT INTO outbound_message (kind, ref_id, control_id, payload, state) VALUES ('rights-change', $1, $2, $3, 'pending')
         ON CONFLICT (kind, ref_id) DO NOTHING`,
      [lotItemId, controlId, payload],
    );
  }

  /** The next pending messages, oldest first (at most 100). */
  async nextPending(): Promise<Array<{ id: string; payload: Buffer }>> {
    return this.db.rows<{ id: string; payload: Buffer }>(
      `SELECT id, payload FROM outbound_message WHERE state = 'pending' ORDER BY created_at, id LIMIT 100`,
    );
  }

  /** Counted before the send, so a message that kills the sender shows its attempts. */
  async countAttempt(id: string): Promise<void> {
    await this.db.exec(`UPDATE outbound_message SET attempts = attempts + 1 WHERE id = $1`, [id]);
  }

  async recordOutcome(id: string, o: OutboundOutcome): Promise<void> {
    await this.db.exec(
      `UPDATE outbound_message SET state = $2, ack_code = $3, detail = $4, sent_at = now() WHERE id = $1 AND state = 'pending'`,
      [id, o.state, o.ackCode, o.detail],
    );
  }
}
