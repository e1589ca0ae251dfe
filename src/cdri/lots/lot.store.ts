import { isUuid } from '../../identifiers';
import { type FieldCipher } from '../../persistence/field-cipher';
import { type Sql } from '../../persistence/sql';
import { type AmoRightsAnswer } from '../amo-rights.port';
import { INSERT_LOT_ITEM_CHECK, RightsCheckStore } from '../rights-check.store';
import { BIRTH_DATE_KIND, FAMILY_NAME_KIND, GIVEN_NAME_KIND } from './planned-encounter.store';
import { type RightsChange } from './rights-change';

export type LotMode = 'unit-fanout' | 'lot-exchange';
export type LotTrigger = 'schedule' | 'manual' | 'fhir' | 'csv';
export type LotState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface Lot {
  id: string;
  finess: string;
  lotDate: string;
  horizonDays: number;
  mode: LotMode;
  trigger: LotTrigger;
  requestedBy: string;
  state: LotState;
  total: number;
  correlationId: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface LotItem {
  id: string;
  lotId: string;
  nir: string;
  birthDate: string | null;
  ipp: string | null;
  visitNumber: string | null;
  familyName: string | null;
  givenName: string | null;
  dateOfCare: string;
  state: 'pending' | 'done' | 'failed';
  change: RightsChange | null;
  answer: AmoRightsAnswer | null;
  chunkNo: number | null;
  rightsCheckId: string | null;
}

export interface NewLotItem {
  nir: string;
  dateOfCare: string;
  birthDate?: string;
  ipp?: string;
  visitNumber?: string;
  familyName?: string;
  givenName?: string;
  source: string;
}

/** An entry of a submitted list with where each of its values came from (CSV line and column, Bundle entry path), for errors. */
export type SubmittedLotItem = NewLotItem & { fields: { nir: string; dateOfCare: string; birthDate: string } };

export type NewLot = Pick<Lot, 'finess' | 'lotDate' | 'horizonDays' | 'mode' | 'trigger' | 'requestedBy' | 'correlationId'>;

export interface LotCounts {
  total: number;
  pending: number;
  done: number;
  failed: number;
  changed: number;
}

const LOT_COLUMNS = `id, finess, to_char(lot_date, 'YYYY-MM-DD') AS "lotDate", horizon_days AS "horizonDays", mode, trigger,
  requested_by AS "requestedBy", state, total, correlation_id AS "correlationId", created_at AS "createdAt",
  started_at AS "startedAt", finished_at AS "finishedAt"`;
const itemColumns = (t: string) => `${t}.id, ${t}.lot_id AS "lotId", ${t}.nir, ${t}.birth_date AS "birthDate",
  ${t}.ipp, ${t}.visit_number AS "visitNumber", ${t}.family_name AS "familyName", ${t}.given_name AS "givenName", to_char(${t}.date_of_care, 'YYYY-MM-DD') AS "dateOfCare", ${t}.state, ${t}.change,
  ${t}.answer, ${t}.chunk_no AS "chunkNo", ${t}.rights_check_id AS "rightsCheckId"`;
const ITEM_COLUMNS = itemColumns('cdri_lot_item');

/** SQL of the night lots. Every state change is one guarded statement, so a replay after a crash is harmless. */
export class LotStore {
  private readonly rightsChecks: RightsCheckStore;

  constructor(
    private readonly db: Sql,
    /** With keys (DATA_MASTER_KEYS), names and birth dates are stored encrypted, decrypted on read (docs/decisions/0006). */
    private readonly cipher?: FieldCipher,
  ) {
    this.rightsChecks = new RightsCheckStore(db);
  }

  private seal(kind: string, value: string | undefined): string | null {
    if (value === undefined) return null;
    return this.cipher ? this.cipher.encryptText(kind, value) : value;
  }

  private open<T extends Pick<LotItem, 'familyName' | 'givenName' | 'birthDate'>>(item: T): T {
    if (!this.cipher) return item;
    const c = this.cipher;
    return {
      ...item,
      birthDate: item.birthDate === null ? null : c.decryptText(BIRTH_DATE_KIND, item.birthDate),
      familyName: item.familyName === null ? null : c.decryptText(FAMILY_NAME_KIND, item.familyName),
      givenName: item.givenName === null ? null : c.decryptText(GIVEN_NAME_KIND, item.givenName),
    };
  }

  /**
   * Tonight's lot of an establishment with everyone who has a planned, not cancelled encounter in [from, to] (one
   * item per patient and date), in one statement: the runner can never start a lot whose items are still being
   * inserted. A scheduled lot is created once per night: the second call gets the existing lot, `created` false.
   */
  async createPlanned(l: NewLot, from: string, to: string): Promise<{ lot: Lot; created: boolean }> {
    const rows = await this.db.rows<Lot>(
      `WITH t AS (
         SELECT nir, birth_date, ipp, visit_number, planned_date, lower(source_event) AS source, family_name, given_name
           FROM planned_encounter WHERE finess = $1 AND planned_date BETWEEN $8 AND $9 AND cancelled_at IS NULL),
       lot AS (
         INSERT INTO cdri_lot (finess, lot_date, horizon_days, mode, trigger, requested_by, state, correlation_id, total)
         SELECT $1, $2, $3, $4, $5, $6, 'queued', $7, (SELECT count(DISTINCT (nir, planned_date)) FROM t)
         ON CONFLICT DO NOTHING RETURNING ${LOT_COLUMNS}),
       items AS (
         INSERT INTO cdri_lot_item (lot_id, nir, birth_date, ipp, visit_number, date_of_care, source, state, family_name, given_name)
         SELECT lot.id, t.nir, t.birth_date, t.ipp, t.visit_number, t.planned_date, t.source, 'pending', t.family_name, t.given_name
           FROM lot, t
         ON CONFLICT (lot_id, nir, date_of_care) DO NOTHING)
       SELECT * FROM lot`,
      [l.finess, l.lotDate, l.horizonDays, l.mode, l.trigger, l.requestedBy, l.correlationId, from, to],
    );
    if (rows[0]) return { lot: rows[0], created: true };
    const existing = await this.db.rows<Lot>(
      `SELECT ${LOT_COLUMNS} FROM cdri_lot WHERE finess = $1 AND lot_date = $2 AND trigger = 'schedule'`,
      [l.finess, l.lotDate],
    );
    return { lot: existing[0], created: false };
  }

  /**
   * A lot of an explicit list (FHIR batch, CSV) with its items, in one statement (the runner never sees a lot
   * before its items); duplicates of the same patient and date are checked once. Measured (night-lot bench,
   * 20,000 patients): the lot insert, 20 inserts of 1,000 items and the count took 1.7 s, and the runner had
   * started the lot 1.1 s before its last items were in.
   */
  async createWithItems(l: NewLot, items: NewLotItem[]): Promise<Lot> {
    const rows = await this.db.rows<Lot>(
      `WITH t AS (
         SELECT * FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
           AS t(nir, birth_date, ipp, visit_number, date_of_care, source, family, given)),
       lot AS (
         INSERT INTO cdri_lot (finess, lot_date, horizon_days, mode, trigger, requested_by, state, correlation_id, total)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, (SELECT count(DISTINCT (nir, date_of_care::date)) FROM t))
         RETURNING ${LOT_COLUMNS}),
       items AS (
         INSERT INTO cdri_lot_item (lot_id, nir, birth_date, ipp, visit_number, date_of_care, source, state, family_name, given_name)
         SELECT lot.id, t.nir, t.birth_date, t.ipp, t.visit_number, t.date_of_care::date, t.source, 'pending', t.family, t.given
           FROM lot, t
         ON CONFLICT (lot_id, nir, date_of_care) DO NOTHING)
       SELECT * FROM lot`,
      [
        l.finess,
        l.lotDate,
        l.horizonDays,
        l.mode,
        l.trigger,
        l.requestedBy,
        l.correlationId,
        items.map((x) => x.nir),
        items.map((x) => this.seal(BIRTH_DATE_KIND, x.birthDate)),
        items.map((x) => x.ipp ?? null),
        items.map((x) => x.visitNumber ?? null),
        items.map((x) => x.dateOfCare),
        items.map((x) => x.source),
        items.map((x) => this.seal(FAMILY_NAME_KIND, x.familyName)),
        items.map((x) => this.seal(GIVEN_NAME_KIND, x.givenName)),
      ],
    );
    return rows[0];
  }

  /**
   * Retention: finished lots with no item left (the items' own rule removed them), finished before `days` ago, with
   * their sub-lot cursors; at most `limit`. A lot holds no patient data, but an empty lot is of no use either.
   */
  async purgeFinishedEmpty(days: number, limit: number): Promise<number> {
    return this.db.exec(
      `WITH doomed AS (
         SELECT id FROM cdri_lot l
          WHERE finished_at < now() - make_interval(days => $1) AND NOT EXISTS (SELECT 1 FROM cdri_lot_item i WHERE i.lot_id = l.id)
          LIMIT $2),
       chunks AS (DELETE FROM cdri_lot_chunk WHERE lot_id IN (SELECT id FROM doomed))
       DELETE FROM cdri_lot WHERE id IN (SELECT id FROM doomed)`,
      [days, limit],
    );
  }

  async get(id: string): Promise<Lot | undefined> {
    if (!isUuid(id)) return undefined;
    return this.db.one<Lot>(`SELECT ${LOT_COLUMNS} FROM cdri_lot WHERE id = $1`, [id]);
  }

  /** Starts the oldest queued lot of an establishment unless one is running (the partial unique index decides races). */
  async startNext(finess: string): Promise<Lot | undefined> {
    try {
      return await this.db.one<Lot>(
        `UPDATE cdri_lot SET state = 'running', started_at = now()
          WHERE id = (SELECT id FROM cdri_lot WHERE finess = $1 AND state = 'queued' ORDER BY created_at LIMIT 1)
            AND NOT EXISTS (SELECT 1 FROM cdri_lot WHERE finess = $1 AND state = 'running')
          RETURNING ${LOT_COLUMNS}`,
        [finess],
      );
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return undefined; // another process started one first
      throw err;
    }
  }

  async finessWithQueuedLots(): Promise<string[]> {
    return (await this.db.rows<{ finess: string }>(`SELECT DISTINCT finess FROM cdri_lot WHERE state = 'queued'`)).map((r) => r.finess);
  }

  async running(): Promise<Lot[]> {
    return this.db.rows<Lot>(`SELECT ${LOT_COLUMNS} FROM cdri_lot WHERE state = 'running' ORDER BY started_at`);
  }

  async finish(lotId: string, state: 'completed' | 'failed'): Promise<boolean> {
    return (
      (await this.db.exec(`UPDATE cdri_lot SET state = $2, finished_at = now() WHERE id = $1 AND state = 'running'`, [lotId, state])) > 0
    );
  }

  async counts(lotId: string): Promise<LotCounts> {
    const rows = await this.db.rows<{ state: string; n: string; changed: string }>(
      `SELECT state, count(*) AS n, count(*) FILTER (WHERE change IS NOT NULL AND change <> 'NONE') AS changed
         FROM cdri_lot_item WHERE lot_id = $1 GROUP BY state`,
      [lotId],
    );
    const c: LotCounts = { total: 0, pending: 0, done: 0, failed: 0, changed: 0 };
    for (const r of rows) {
      c[r.state as 'pending' | 'done' | 'failed'] = Number(r.n);
      c.total += Number(r.n);
      c.changed += Number(r.changed);
    }
    return c;
  }

  /** Pending item ids after `afterId` (keyset pagination), for queuing. */
  async pendingIds(lotId: string, afterId: string, limit: number): Promise<string[]> {
    const rows = await this.db.rows<{ id: string }>(
      `SELECT id FROM cdri_lot_item WHERE lot_id = $1 AND state = 'pending' AND id > $2 ORDER BY id LIMIT $3`,
      [lotId, afterId, limit],
    );
    return rows.map((r) => r.id);
  }

  async item(id: string): Promise<(LotItem & { lotStartedAt: Date; finess: string; correlationId: string }) | undefined> {
    const row = await this.db.one<LotItem & { lotStartedAt: Date; finess: string; correlationId: string }>(
      `SELECT ${itemColumns('i')}, l.started_at AS "lotStartedAt", l.finess, l.correlation_id AS "correlationId"
         FROM cdri_lot_item i JOIN cdri_lot l ON l.id = i.lot_id WHERE i.id = $1`,
      [id],
    );
    return row && this.open(row);
  }

  async changedItems(lotId: string): Promise<LotItem[]> {
    const rows = await this.db.rows<LotItem>(
      `SELECT ${ITEM_COLUMNS} FROM cdri_lot_item WHERE lot_id = $1 AND change IS NOT NULL AND change <> 'NONE' ORDER BY id`,
      [lotId],
    );
    return rows.map((r) => this.open(r));
  }

  /** The last answer known before `before` (any source), to compare tonight's answer with. */
  async previousAnswer(nir: string, before: Date): Promise<{ id: string; answer: AmoRightsAnswer } | undefined> {
    return this.rightsChecks.latestAnsweredBefore(nir, before);
  }

  /**
   * Records an item's answer: a rights_check row (the history every later comparison reads; its SQL is
   * rights-check.store.ts's) and the item, in one statement. Guarded on the item being pending, so a replayed result
   * after a crash changes nothing.
   */
  async answered(
    item: LotItem & { finess: string; correlationId: string },
    answer: AmoRightsAnswer,
    change: RightsChange,
    previousId: string | undefined,
    ttlSeconds: number,
  ): Promise<boolean> {
    const rows = await this.db.rows(
      `WITH pending AS (SELECT id FROM cdri_lot_item WHERE id = $1 AND state = 'pending' FOR UPDATE),
            rc AS (${INSERT_LOT_ITEM_CHECK})
       UPDATE cdri_lot_item SET state = 'done', rights_status = $8, answer = $9::jsonb, change = $11, previous_check_id = $12,
              rights_check_id = (SELECT id FROM rc), attempts = attempts + 1, updated_at = now()
        WHERE id IN (SELECT id FROM pending) RETURNING id`,
      [
        item.id,
        item.lotId,
        item.correlationId,
        item.nir,
        item.birthDate,
        item.dateOfCare,
        item.finess,
        answer.status,
        JSON.stringify(answer),
        String(ttlSeconds),
        change,
        previousId ?? null,
      ],
    );
    return rows.length > 0;
  }

  async failed(itemId: string, code: string): Promise<void> {
    await this.db.exec(
      `UPDATE cdri_lot_item SET state = 'failed', error_code = $2, attempts = attempts + 1, updated_at = now() WHERE id = $1 AND state = 'pending'`,
      [itemId, code],
    );
  }
}
