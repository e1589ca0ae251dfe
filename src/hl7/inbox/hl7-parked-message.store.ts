import { FieldCipher } from '../../persistence/field-cipher';
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
  /** The patient's NIR when it could be read: only its keyed pseudonym is stored (erasure of encrypted rows). */
  nir?: string;
}

/** Bound into the envelope: these bytes cannot be decrypted as another table's column. */
const RAW_KIND = 'hl7_parked_message.raw';

export interface Hl7ParkedMessageStorePort {
  /**
   * Counts one more failed attempt of this message and parks it (raw bytes kept) once `maxAttempts` is reached.
   * Returns the attempts so far and whether the message is now parked.
   */
  recordFailure(a: FailedAttempt, maxAttempts: number): Promise<{ attempts: number; parked: boolean }>;
  /** Parked messages no operator has resolved yet. */
  countParked(): Promise<number>;
}

/** What an operator sees of a parked message. No bytes; last_error is an error class name (FailedAttempt.error). */
export interface Hl7ParkedSummary {
  contentHash: string;
  sendingApplication: string | null;
  sendingFacility: string | null;
  controlId: string | null;
  attempts: number;
  lastError: string;
  firstSeenAt: string;
  lastSeenAt: string;
  parkedAt: string;
  resolvedAt: string | null;
}

interface ParkedRow {
  content_hash: string;
  sending_application: string | null;
  sending_facility: string | null;
  control_id: string | null;
  attempts: number;
  last_error: string;
  first_seen_at: Date;
  last_seen_at: Date;
  parked_at: Date;
  resolved_at: Date | null;
  micros: string;
}

/** Error class names only (what recordFailure stores); anything else, from an older row or a hand edit, is not shown. */
function errorCode(text: string): string {
  return /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(text) ? text : 'other';
}

/**
 * SQL of `hl7_parked_message`: attempts per message hash, then the parked poison messages, which operators list,
 * replay or resolve through /hl7/parked (src/http/hl7-inbox.controller.ts).
 */
export class Hl7ParkedMessageStore implements Hl7ParkedMessageStorePort {
  /** With a cipher (DATA_MASTER_KEYS) the raw message is stored encrypted, as the inbox's is. */
  constructor(
    private readonly db: Sql,
    private readonly cipher?: FieldCipher,
  ) {}

  async recordFailure(a: FailedAttempt, maxAttempts: number): Promise<{ attempts: number; parked: boolean }> {
    // One statement: the count and the parking cannot disagree between two gateways handling the same resend.
    const row = await this.db.one<{ attempts: number; parked: boolean }>(
      `INSERT INTO hl7_parked_message AS p (content_hash, sending_application, sending_facility, control_id, attempts, last_error,
         raw, parked_at, nir_pseudonym)
       VALUES ($1, $2, $3, $4, 1, $5, CASE WHEN $7 <= 1 THEN $6::bytea END, CASE WHEN $7 <= 1 THEN now() END, $8)
       ON CONFLICT (content_hash) DO UPDATE SET
         attempts = p.attempts + 1, last_error = EXCLUDED.last_error, last_seen_at = now(), nir_pseudonym = EXCLUDED.nir_pseudonym,
         raw = CASE WHEN p.attempts + 1 >= $7 THEN $6::bytea ELSE p.raw END,
         parked_at = COALESCE(p.parked_at, CASE WHEN p.attempts + 1 >= $7 THEN now() END)
       RETURNING attempts, parked_at IS NOT NULL AS parked`,
      [
        a.contentHash,
        pgText(a.sendingApplication),
        pgText(a.sendingFacility),
        pgText(a.controlId),
        pgText(a.error),
        this.cipher ? this.cipher.encrypt(RAW_KIND, a.raw) : a.raw,
        maxAttempts,
        this.cipher && a.nir ? this.cipher.pseudonym(a.nir) : null,
      ],
    );
    return { attempts: row?.attempts ?? 0, parked: row?.parked ?? false };
  }

  async countParked(): Promise<number> {
    const row = await this.db.one<{ n: string }>(
      `SELECT count(*) AS n FROM hl7_parked_message WHERE parked_at IS NOT NULL AND resolved_at IS NULL`,
    );
    return Number(row?.n ?? 0);
  }

  /** Parked messages, newest first; `open` = not resolved yet. Never selects the raw bytes. */
  async page(q: {
    open: boolean;
    limit: number;
    before?: { micros: string; key: string };
  }): Promise<{ parked: Hl7ParkedSummary[]; next?: { micros: string; key: string } }> {
    const rows = await this.db.rows<ParkedRow>(
      `SELECT content_hash, sending_application, sending_facility, control_id, attempts, last_error, first_seen_at, last_seen_at,
         parked_at, resolved_at, (extract(epoch FROM parked_at) * 1000000)::bigint::text AS micros
       FROM hl7_parked_message
       WHERE parked_at IS NOT NULL AND ($1::boolean IS FALSE OR resolved_at IS NULL)
         AND ($2::bigint IS NULL OR (parked_at, content_hash) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::text))
       ORDER BY parked_at DESC, content_hash DESC LIMIT $4`,
      [q.open, q.before?.micros ?? null, q.before?.key ?? null, q.limit + 1],
    );
    const more = rows.length > q.limit;
    const shown = rows.slice(0, q.limit);
    const last = shown.at(-1);
    return {
      parked: shown.map((r) => ({
        contentHash: r.content_hash,
        sendingApplication: r.sending_application,
        sendingFacility: r.sending_facility,
        controlId: r.control_id,
        attempts: r.attempts,
        lastError: errorCode(r.last_error),
        firstSeenAt: r.first_seen_at.toISOString(),
        lastSeenAt: r.last_seen_at.toISOString(),
        parkedAt: r.parked_at.toISOString(),
        resolvedAt: r.resolved_at?.toISOString() ?? null,
      })),
      ...(more && last ? { next: { micros: last.micros, key: last.content_hash } } : {}),
    };
  }

  /** The raw bytes of a parked message, to replay it; undefined if no message is parked under this hash. */
  async parkedRaw(contentHash: string): Promise<{ raw: Buffer; resolvedAt: Date | null } | undefined> {
    const row = await this.db.one<{ raw: Buffer | null; resolved_at: Date | null }>(
      `SELECT raw, resolved_at FROM hl7_parked_message WHERE content_hash = $1 AND parked_at IS NOT NULL`,
      [contentHash],
    );
    if (!row?.raw) return undefined;
    return { raw: this.clear(row.raw), resolvedAt: row.resolved_at };
  }

  /** Rows written before the keys were set stay in clear; an envelope without the keys is a configuration error. */
  private clear(raw: Buffer): Buffer {
    if (!FieldCipher.isEnvelope(raw)) return raw;
    if (!this.cipher) throw new Error('Encrypted parked message but no DATA_MASTER_KEYS configured');
    return this.cipher.decrypt(RAW_KIND, raw);
  }

  /** Sets resolved_at once (idempotent, like acknowledging a conflict); undefined if nothing is parked under this hash. */
  async resolve(contentHash: string): Promise<{ resolvedAt: string; now: boolean } | undefined> {
    const row = await this.db.one<{ resolved_at: Date; now: boolean }>(
      `WITH done AS (UPDATE hl7_parked_message SET resolved_at = now()
         WHERE content_hash = $1 AND parked_at IS NOT NULL AND resolved_at IS NULL RETURNING resolved_at)
       SELECT resolved_at, true AS now FROM done
       UNION ALL SELECT resolved_at, false FROM hl7_parked_message
         WHERE content_hash = $1 AND parked_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM done)`,
      [contentHash],
    );
    return row ? { resolvedAt: row.resolved_at.toISOString(), now: row.now } : undefined;
  }
}
