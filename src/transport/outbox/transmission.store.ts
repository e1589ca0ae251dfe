/**
 * SQL of the transmission outbox. Every state change is one statement (CTEs when two tables move together), so it
 * commits atomically and a replay after a crash finds a consistent row. Timestamps come from the database clock.
 */
import type { Sql } from '../../persistence/sql';
import type { ChannelName } from '../channels/transmission-channel';

export type TransmissionState = 'queued' | 'sending' | 'sent' | 'failed' | 'acknowledged';
export const TRANSMISSION_STATES: readonly TransmissionState[] = ['queued', 'sending', 'sent', 'failed', 'acknowledged'];

/** One lot for one recipient, as stored. */
export interface Transmission {
  id: string;
  flow: string;
  lotRef: string;
  recipientId: string;
  channel: ChannelName;
  recipient: string;
  fileName: string;
  idempotencyKey: string;
  spoolPath: string;
  sha256: string;
  bytes: number;
  state: TransmissionState;
  attempts: number;
  /** The receiver may hold (or get) this lot more than once: an attempt's outcome was never known. */
  possibleDuplicate: boolean;
  /** The channel found the lot already at the receiver and did not send it again. */
  alreadyDelivered: boolean;
  remoteId: string | null;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  acknowledgedAt: Date | null;
  returnReceivedAt: Date | null;
  /** The client that handed the lot over (API key id, certificate client, `oidc:…`); null for older rows. */
  requestedBy: string | null;
}

export type NewTransmission = Pick<
  Transmission,
  'id' | 'flow' | 'lotRef' | 'recipientId' | 'channel' | 'recipient' | 'fileName' | 'idempotencyKey' | 'spoolPath' | 'sha256' | 'bytes'
> & { requestedBy?: string | null };

/** What beginAttempt found. */
export interface AttemptStart {
  possibleDuplicate: boolean;
  /** Earlier attempts that never recorded an outcome (the process died during them); now closed. */
  interrupted: number;
}

const COLUMNS = `id, flow, lot_ref AS "lotRef", recipient_id AS "recipientId", channel, recipient, file_name AS "fileName",
  idempotency_key AS "idempotencyKey", spool_path AS "spoolPath", sha256, bytes::float8 AS bytes, state, attempts,
  possible_duplicate AS "possibleDuplicate", already_delivered AS "alreadyDelivered", remote_id AS "remoteId",
  last_error AS "lastError", created_at AS "createdAt", sent_at AS "sentAt", acknowledged_at AS "acknowledgedAt",
  return_received_at AS "returnReceivedAt", requested_by AS "requestedBy"`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTERRUPTED = 'interrupted: no outcome was recorded (the process stopped during the attempt)';

/** The transmission outbox's view of its tables; the unit tier runs the outbox on an in-memory copy. */
export interface TransmissionStorePort {
  /** Inserts a queued transmission; undefined when its idempotency key already exists. */
  insert(t: NewTransmission): Promise<Transmission | undefined>;
  get(id: string): Promise<Transmission | undefined>;
  byKey(idempotencyKey: string): Promise<Transmission | undefined>;
  /**
   * Commits a new attempt and moves queued/sending → sending, closing attempts left open (→ possible duplicate).
   * Undefined when the transmission is not sendable.
   */
  beginAttempt(id: string, attemptId: string): Promise<AttemptStart | undefined>;
  /** → sent (an acknowledged row stays acknowledged). */
  attemptSucceeded(id: string, attemptId: string, alreadyDelivered: boolean, remoteId: string): Promise<Transmission | undefined>;
  /** → `next` from queued/sending; `uncertain` makes it a possible duplicate. */
  attemptFailed(id: string, attemptId: string, error: string, next: 'queued' | 'failed', uncertain: boolean): Promise<void>;
  /** queued/sending → failed without an attempt. */
  fail(id: string, error: string): Promise<void>;
  /** failed → queued; false when the row was not failed. */
  requeueFailed(id: string): Promise<boolean>;
  /** sending/sent → acknowledged; undefined when not acknowledgeable. */
  acknowledge(id: string): Promise<Transmission | undefined>;
  pendingIds(limit: number): Promise<string[]>;
  counts(): Promise<Record<TransmissionState, number>>;
}

export class TransmissionStore implements TransmissionStorePort {
  constructor(private readonly db: Sql) {}

  /**
   * Retention: spool files of transmissions delivered (sent or acknowledged) before `days` ago, at most `limit`; the
   * caller removes each file, then `spoolRemoved` records it ('' = no spool left: such a row is never sent again).
   */
  async expiredSpools(days: number, limit: number): Promise<Array<{ id: string; spoolPath: string }>> {
    return this.db.rows(
      `SELECT id, spool_path AS "spoolPath" FROM transmission
        WHERE state IN ('sent', 'acknowledged') AND spool_path <> ''
          AND COALESCE(acknowledged_at, sent_at, created_at) < now() - make_interval(days => $1)
        LIMIT $2`,
      [days, limit],
    );
  }

  async spoolRemoved(id: string): Promise<void> {
    await this.db.exec(`UPDATE transmission SET spool_path = '' WHERE id = $1`, [id]);
  }

  /**
   * Retention: finished transmissions created before `days` ago whose returns are gone, with their attempts, at most
   * `limit`; returns how many went and the spool paths still recorded (the caller removes those files).
   */
  async purgeFinished(days: number, limit: number): Promise<{ deleted: number; spools: string[] }> {
    const rows = await this.db.rows<{ spoolPath: string }>(
      `WITH doomed AS (
         SELECT id FROM transmission t
          WHERE state IN ('sent', 'failed', 'acknowledged') AND created_at < now() - make_interval(days => $1)
            AND NOT EXISTS (SELECT 1 FROM inbound_return r WHERE r.transmission_id = t.id)
          LIMIT $2),
       attempts AS (DELETE FROM transmission_attempt WHERE transmission_id IN (SELECT id FROM doomed))
       DELETE FROM transmission WHERE id IN (SELECT id FROM doomed) RETURNING spool_path AS "spoolPath"`,
      [days, limit],
    );
    return { deleted: rows.length, spools: rows.map((r) => r.spoolPath).filter((p) => p !== '') };
  }

  /** Inserts a queued transmission; undefined when its idempotency key already exists. */
  async insert(t: NewTransmission): Promise<Transmission | undefined> {
    return this.db.one<Transmission>(
      `INSERT INTO transmission (id, flow, lot_ref, recipient_id, channel, recipient, file_name, idempotency_key,
         spool_path, sha256, bytes, state, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', $12)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
      [
        t.id,
        t.flow,
        t.lotRef,
        t.recipientId,
        t.channel,
        t.recipient,
        t.fileName,
        t.idempotencyKey,
        t.spoolPath,
        t.sha256,
        t.bytes,
        t.requestedBy ?? null,
      ],
    );
  }

  async get(id: string): Promise<Transmission | undefined> {
    if (!UUID.test(id)) return undefined;
    return this.db.one<Transmission>(`SELECT ${COLUMNS} FROM transmission WHERE id = $1`, [id]);
  }

  async byKey(idempotencyKey: string): Promise<Transmission | undefined> {
    return this.db.one<Transmission>(`SELECT ${COLUMNS} FROM transmission WHERE idempotency_key = $1`, [idempotencyKey]);
  }

  /**
   * Records a new attempt (committed before the channel is called) and moves the row to 'sending'. Attempts left
   * open by a dead process are closed and make the transmission a possible duplicate: we cannot know whether the
   * receiver got the lot then. Undefined when the transmission is not (or no longer) sendable.
   */
  async beginAttempt(id: string, attemptId: string): Promise<AttemptStart | undefined> {
    return this.db.one<AttemptStart>(
      `WITH t AS (
         SELECT id FROM transmission WHERE id = $1 AND state IN ('queued', 'sending') FOR UPDATE
       ), closed AS (
         UPDATE transmission_attempt a SET finished_at = now(), error = $3
           FROM t WHERE a.transmission_id = t.id AND a.finished_at IS NULL RETURNING a.id
       ), ins AS (
         INSERT INTO transmission_attempt (id, transmission_id) SELECT $2, id FROM t RETURNING id
       )
       UPDATE transmission x SET state = 'sending', attempts = x.attempts + 1,
         possible_duplicate = x.possible_duplicate OR EXISTS (SELECT 1 FROM closed)
       FROM t WHERE x.id = t.id
       RETURNING x.possible_duplicate AS "possibleDuplicate", (SELECT count(*)::int FROM closed) AS interrupted`,
      [id, attemptId, INTERRUPTED],
    );
  }

  /** The channel accepted the lot (or already had it). An acknowledged row is never moved back to 'sent'. */
  async attemptSucceeded(id: string, attemptId: string, alreadyDelivered: boolean, remoteId: string): Promise<Transmission | undefined> {
    return this.db.one<Transmission>(
      `WITH a AS (
         UPDATE transmission_attempt SET finished_at = now(), outcome = $3, error = NULL WHERE id = $2 AND transmission_id = $1
       )
       UPDATE transmission SET state = CASE WHEN state = 'acknowledged' THEN state ELSE 'sent' END,
         sent_at = COALESCE(sent_at, now()), remote_id = $4, already_delivered = already_delivered OR $5, last_error = NULL
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, attemptId, alreadyDelivered ? 'already-delivered' : 'sent', remoteId, alreadyDelivered],
    );
  }

  /**
   * The attempt failed: back to 'queued' for a retry, or 'failed' for a human. `uncertain`: the lot may have
   * reached the receiver anyway, so a later send may be a repeat — say so on the row.
   */
  async attemptFailed(id: string, attemptId: string, error: string, next: 'queued' | 'failed', uncertain: boolean): Promise<void> {
    await this.db.exec(
      `WITH a AS (
         UPDATE transmission_attempt SET finished_at = now(), outcome = 'failed', error = $3 WHERE id = $2 AND transmission_id = $1
       )
       UPDATE transmission SET state = CASE WHEN state IN ('queued', 'sending') THEN $4 ELSE state END,
         last_error = $3, possible_duplicate = possible_duplicate OR $5
       WHERE id = $1`,
      [id, attemptId, error, next, uncertain],
    );
  }

  /** Parks a transmission without an attempt (e.g. its channel is not configured here). */
  async fail(id: string, error: string): Promise<void> {
    await this.db.exec(`UPDATE transmission SET state = 'failed', last_error = $2 WHERE id = $1 AND state IN ('queued', 'sending')`, [
      id,
      error,
    ]);
  }

  /** failed → queued (an operator asks for a new try); false when the row was not failed. */
  async requeueFailed(id: string): Promise<boolean> {
    return (await this.db.exec(`UPDATE transmission SET state = 'queued' WHERE id = $1 AND state = 'failed'`, [id])) === 1;
  }

  /** A positive acknowledgement (ARL) was read by a billing flow. */
  async acknowledge(id: string): Promise<Transmission | undefined> {
    return this.db.one<Transmission>(
      `UPDATE transmission SET state = 'acknowledged', acknowledged_at = COALESCE(acknowledged_at, now())
       WHERE id = $1 AND state IN ('sending', 'sent', 'acknowledged') RETURNING ${COLUMNS}`,
      [id],
    );
  }

  /** Ids still waiting to be sent, oldest first (the sweep re-enqueues them; jobs are idempotent by id). */
  async pendingIds(limit: number): Promise<string[]> {
    const rows = await this.db.rows<{ id: string }>(
      `SELECT id FROM transmission WHERE state IN ('queued', 'sending') ORDER BY created_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  async counts(): Promise<Record<TransmissionState, number>> {
    const rows = await this.db.rows<{ state: TransmissionState; n: number }>(
      `SELECT state, count(*)::int AS n FROM transmission GROUP BY state`,
    );
    const counts = Object.fromEntries(TRANSMISSION_STATES.map((s) => [s, 0])) as Record<TransmissionState, number>;
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }
}
