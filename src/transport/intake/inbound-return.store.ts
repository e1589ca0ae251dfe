/**
 * SQL of the returns intake. The raw file is inserted on its own, first, so that it is durable before anything can
 * go wrong with decrypting, verifying or routing it; every later step updates that row.
 */
import type { Sql } from '../../persistence/sql';

export type SignatureStatus = 'none' | 'valid' | 'invalid';
export type RouteStatus = 'consumed' | 'unconsumed' | 'not-routed' | 'handler-failed';

/** A stored return, without its raw bytes (read them with rawOf when needed). */
export interface InboundReturn {
  id: string;
  source: string;
  fileName: string;
  sha256: string;
  bytes: number;
  lotRef: string | null;
  transmissionId: string | null;
  flow: string | null;
  /** Decrypted and unwrapped bytes (the raw bytes when the file was neither encrypted nor signed); null on error. */
  content: Buffer | null;
  encrypted: boolean;
  signature: SignatureStatus;
  /** Subject of the verified signer certificate. */
  signer: string | null;
  error: string | null;
  routeStatus: RouteStatus | null;
  routeAttempts: number;
  receivedAt: Date;
  /** Set once the return needs nothing more from the intake (routed, unconsumed, rejected or given up). */
  processedAt: Date | null;
}

export interface NewInboundReturn {
  id: string;
  source: string;
  fileName: string;
  sha256: string;
  raw: Buffer;
  lotRef: string | null;
  receivedAt: Date;
}

export interface UnwrapRecord {
  lotRef: string | null;
  flow: string | null;
  encrypted: boolean;
  signature: SignatureStatus;
  signer: string | null;
  content: Buffer | null;
  error: string | null;
}

const COLUMNS = `id, source, file_name AS "fileName", sha256, bytes::float8 AS bytes, lot_ref AS "lotRef",
  transmission_id AS "transmissionId", flow, content, encrypted, signature, signer, error, route_status AS "routeStatus",
  route_attempts AS "routeAttempts", received_at AS "receivedAt", processed_at AS "processedAt"`;

export class InboundReturnStore {
  constructor(private readonly db: Sql) {}

  /** Inserts the raw return; the same (source, file name, SHA-256) again returns the existing row instead. */
  async insertRaw(r: NewInboundReturn): Promise<{ row: InboundReturn; created: boolean }> {
    const inserted = await this.db.one<InboundReturn>(
      `INSERT INTO inbound_return (id, source, file_name, sha256, bytes, lot_ref, raw, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (source, file_name, sha256) DO NOTHING RETURNING ${COLUMNS}`,
      [r.id, r.source, r.fileName, r.sha256, r.raw.length, r.lotRef, r.raw, r.receivedAt],
    );
    if (inserted) return { row: inserted, created: true };
    const existing = await this.db.one<InboundReturn>(
      `SELECT ${COLUMNS} FROM inbound_return WHERE source = $1 AND file_name = $2 AND sha256 = $3`,
      [r.source, r.fileName, r.sha256],
    );
    if (!existing) throw new Error('inbound return vanished between insert and select');
    return { row: existing, created: false };
  }

  async recordUnwrap(id: string, u: UnwrapRecord): Promise<void> {
    await this.db.exec(
      `UPDATE inbound_return SET lot_ref = $2, flow = COALESCE(flow, $3), encrypted = $4, signature = $5, signer = $6,
         content = $7, error = $8 WHERE id = $1`,
      [id, u.lotRef, u.flow, u.encrypted, u.signature, u.signer, u.content, u.error],
    );
  }

  /**
   * Links the return to the latest transmission of that lot and stamps the transmission's first return time.
   * The transmission's flow is authoritative for routing. Undefined when no transmission has this lot ref.
   */
  async linkTransmission(
    id: string,
    lotRef: string,
    receivedAt: Date,
  ): Promise<{ transmissionId: string; flow: string; recipientId: string } | undefined> {
    return this.db.one(
      `WITH t AS (
         SELECT id, flow, recipient_id FROM transmission WHERE lot_ref = $2 ORDER BY created_at DESC LIMIT 1
       ), stamped AS (
         UPDATE transmission x SET return_received_at = COALESCE(x.return_received_at, $3) FROM t WHERE x.id = t.id
       )
       UPDATE inbound_return r SET transmission_id = t.id, flow = t.flow FROM t WHERE r.id = $1
       RETURNING t.id AS "transmissionId", t.flow, t.recipient_id AS "recipientId"`,
      [id, lotRef, receivedAt],
    );
  }

  /** Why a return was refused (kept with the row; nothing of it is applied). */
  async refuse(id: string, error: string): Promise<void> {
    await this.db.exec(`UPDATE inbound_return SET error = $2 WHERE id = $1`, [id, error]);
  }

  async finish(id: string, status: RouteStatus): Promise<void> {
    await this.db.exec(`UPDATE inbound_return SET route_status = $2, processed_at = now() WHERE id = $1`, [id, status]);
  }

  /** Counts a failed flow handler; at `maxAttempts` the return is parked as 'handler-failed' (no endless retries). */
  async routeFailed(id: string, error: string, maxAttempts: number): Promise<{ attempts: number; gaveUp: boolean }> {
    const row = await this.db.one<{ attempts: number; gaveUp: boolean }>(
      `UPDATE inbound_return SET route_attempts = route_attempts + 1, error = $2,
         route_status = CASE WHEN route_attempts + 1 >= $3 THEN 'handler-failed' ELSE route_status END,
         processed_at = CASE WHEN route_attempts + 1 >= $3 THEN now() ELSE processed_at END
       WHERE id = $1 RETURNING route_attempts AS attempts, processed_at IS NOT NULL AS "gaveUp"`,
      [id, error, maxAttempts],
    );
    return row ?? { attempts: 0, gaveUp: true };
  }

  async get(id: string): Promise<InboundReturn | undefined> {
    return this.db.one<InboundReturn>(`SELECT ${COLUMNS} FROM inbound_return WHERE id = $1`, [id]);
  }

  /** The bytes as received (still encrypted when they were). */
  async rawOf(id: string): Promise<Buffer | undefined> {
    return (await this.db.one<{ raw: Buffer }>(`SELECT raw FROM inbound_return WHERE id = $1`, [id]))?.raw;
  }
}
