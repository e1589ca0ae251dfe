import { pgText } from '../../persistence/pg-text';
import type { Sql } from '../../persistence/sql';

export interface FailedAttempt {
  contentHash: string;
  sendingApplication: string | null;
  sendingFacility: string | null;
  controlId: string | null;
  /** Error class name only (messages may quote content). */
  error: string;
  raw: Buffer;
}

export interface Hl7ParkedMessageStorePort {
  /**
   * Counts one more failed attempt of this message and parks it (raw bytes kept) once `maxAttempts` is reached.
   * Returns the attempts so far and whether the message is now parked.
   */
  recordFailure(a: FailedAttempt, maxAttempts: number): Promise<{ attempts: number; parked: boolean }>;
  /** Parked messages no operator has resolved yet. */
  countParked(): Promise<number>;
}

/** SQL of `hl7_parked_message`: attempts per message hash, then the parked poison messages. */
export class Hl7ParkedMessageStore implements Hl7ParkedMessageStorePort {
  constructor(private readonly db: Sql) {}

  async recordFailure(a: FailedAttempt, maxAttempts: number): Promise<{ attempts: number; parked: boolean }> {
    // One statement: the count and the parking cannot disagree between two gateways handling the same resend.
    const row = await this.db.one<{ attempts: number; parked: boolean }>(
      `INSERT INTO hl7_parked_message AS p (content_hash, sending_application, sending_facility, control_id, attempts, last_error,
         raw, parked_at)
       VALUES ($1, $2, $3, $4, 1, $5, CASE WHEN $7 <= 1 THEN $6::bytea END, CASE WHEN $7 <= 1 THEN now() END)
       ON CONFLICT (content_hash) DO UPDATE SET
         attempts = p.attempts + 1, last_error = EXCLUDED.last_error, last_seen_at = now(),
         raw = CASE WHEN p.attempts + 1 >= $7 THEN $6::bytea ELSE p.raw END,
         parked_at = COALESCE(p.parked_at, CASE WHEN p.attempts + 1 >= $7 THEN now() END)
       RETURNING attempts, parked_at IS NOT NULL AS parked`,
      [a.contentHash, pgText(a.sendingApplication), pgText(a.sendingFacility), pgText(a.controlId), pgText(a.error), a.raw, maxAttempts],
    );
    return { attempts: row?.attempts ?? 0, parked: row?.parked ?? false };
  }

  async countParked(): Promise<number> {
    const row = await this.db.one<{ n: string }>(
      `SELECT count(*) AS n FROM hl7_parked_message WHERE parked_at IS NOT NULL AND resolved_at IS NULL`,
    );
    return Number(row?.n ?? 0);
  }
}
