import type { FieldCipher } from '../../persistence/field-cipher';
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
  /** The patient's NIR when the message names one: only its keyed pseudonym is stored (erasure of encrypted rows). */
  nir?: string;
}

/** Bound into the envelope: these bytes cannot be decrypted as another table's column. */
const RAW_KIND = 'hl7_id_conflict.raw';

export interface Hl7IdConflictStorePort {
  insert(c: Hl7IdConflict): Promise<void>;
  /** Conflicts an operator has not acknowledged, received in the last `hours`. */
  countOpen(hours: number): Promise<number>;
}

/** What an operator sees of a conflict: who sent which control id, when, and the message it collided with. No bytes. */
export interface Hl7IdConflictSummary {
  id: string;
  sendingApplication: string | null;
  sendingFacility: string | null;
  controlId: string;
  /** inbox_message id of the accepted message that owns the key (null once a retention purge removed it). */
  originalId: string | null;
  correlationId: string;
  receivedAt: string;
  acknowledgedAt: string | null;
}

/** A page position: the last row's (time in microseconds since the epoch, key), newest first. */
export interface PageCursor {
  micros: string;
  key: string;
}

interface ConflictRow {
  id: string;
  sending_application: string | null;
  sending_facility: string | null;
  control_id: string;
  original_id: string | null;
  correlation_id: string;
  received_at: Date;
  acknowledged_at: Date | null;
  micros: string;
}

/** SQL of `hl7_id_conflict`. Operators list and acknowledge them through /hl7/conflicts (src/http/hl7-inbox.controller.ts). */
export class Hl7IdConflictStore implements Hl7IdConflictStorePort {
  /** With a cipher (DATA_MASTER_KEYS) the raw message is stored encrypted, as the inbox's is. */
  constructor(
    private readonly db: Sql,
    private readonly cipher?: FieldCipher,
  ) {}

  async insert(c: Hl7IdConflict): Promise<void> {
    await this.db.exec(
      `INSERT INTO hl7_id_conflict (sending_application, sending_facility, control_id, original_id, content_hash, raw, charset, ack,
         correlation_id, nir_pseudonym) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        pgText(c.sendingApplication),
        pgText(c.sendingFacility),
        pgText(c.controlId),
        c.originalId,
        c.contentHash,
        this.cipher ? this.cipher.encrypt(RAW_KIND, c.raw) : c.raw,
        pgText(c.charset),
        c.ack,
        c.correlationId,
        this.cipher && c.nir ? this.cipher.pseudonym(c.nir) : null,
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

  /** Newest first; `open` = not acknowledged yet. Never selects raw or ack bytes: they may hold patient data. */
  async page(q: { open: boolean; limit: number; before?: PageCursor }): Promise<{ conflicts: Hl7IdConflictSummary[]; next?: PageCursor }> {
    const rows = await this.db.rows<ConflictRow>(
      `SELECT id, sending_application, sending_facility, control_id, original_id, correlation_id, received_at, acknowledged_at,
         (extract(epoch FROM received_at) * 1000000)::bigint::text AS micros
       FROM hl7_id_conflict
       WHERE ($1::boolean IS FALSE OR acknowledged_at IS NULL)
         AND ($2::bigint IS NULL OR (received_at, id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))
       ORDER BY received_at DESC, id DESC LIMIT $4`,
      [q.open, q.before?.micros ?? null, q.before?.key ?? null, q.limit + 1],
    );
    const more = rows.length > q.limit;
    const shown = rows.slice(0, q.limit);
    const last = shown.at(-1);
    return {
      conflicts: shown.map((r) => ({
        id: r.id,
        sendingApplication: r.sending_application,
        sendingFacility: r.sending_facility,
        controlId: r.control_id,
        originalId: r.original_id,
        correlationId: r.correlation_id,
        receivedAt: r.received_at.toISOString(),
        acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
      })),
      ...(more && last ? { next: { micros: last.micros, key: last.id } } : {}),
    };
  }

  /**
   * Sets acknowledged_at once (a second call keeps the first time). Returns undefined for an unknown id, else when it
   * was acknowledged and whether this call did it.
   */
  async acknowledge(id: string): Promise<{ acknowledgedAt: string; now: boolean } | undefined> {
    const row = await this.db.one<{ acknowledged_at: Date; now: boolean }>(
      `WITH done AS (UPDATE hl7_id_conflict SET acknowledged_at = now() WHERE id = $1 AND acknowledged_at IS NULL RETURNING acknowledged_at)
       SELECT acknowledged_at, true AS now FROM done
       UNION ALL SELECT acknowledged_at, false FROM hl7_id_conflict WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM done)`,
      [id],
    );
    return row ? { acknowledgedAt: row.acknowledged_at.toISOString(), now: row.now } : undefined;
  }
}
