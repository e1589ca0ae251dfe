import { pgText } from '../../persistence/pg-text';
import type { Sql } from '../../persistence/sql';

/** A message that reused an accepted (MSH-3, MSH-4, MSH-10) with other content: refused AR, kept for audit. */
export interface Hl7IdConflict {
  sendingApplication: string | null;
  sendingFacility: string | null;
  controlId: string;
  /** inbox_message id of the accepted message that owns the key. */
  originalId: string;
  contentHash: string;
  raw: Buffer;
  charset: string;
  ack: Buffer;
  correlationId: string;
}

export interface Hl7IdConflictStorePort {
  insert(c: Hl7IdConflict): Promise<void>;
  /** Conflicts an operator has not acknowledged, received in the last `hours`. */
  countOpen(hours: number): Promise<number>;
}

/** SQL of `hl7_id_conflict`. Acknowledging is an operator's UPDATE of acknowledged_at (no route yet). */
export class Hl7IdConflictStore implements Hl7IdConflictStorePort {
  constructor(private readonly db: Sql) {}

  async insert(c: Hl7IdConflict): Promise<void> {
    await this.db.exec(
      `INSERT INTO hl7_id_conflict (sending_application, sending_facility, control_id, original_id, content_hash, raw, charset, ack,
         correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        pgText(c.sendingApplication),
        pgText(c.sendingFacility),
        pgText(c.controlId),
        c.originalId,
        c.contentHash,
        c.raw,
        pgText(c.charset),
        c.ack,
        c.correlationId,
      ],
    );
  }

  async countOpen(hours: number): Promise<number> {
    const row = await this.db.one<{ n: string }>(
      `SELECT count(*) AS n FROM hl7_id_conflict WHERE acknowledged_at IS NULL AND received_at > now() - make_interval(hours => $1)`,
      [hours],
    );
    return Number(row?.n ?? 0);
  }
}
