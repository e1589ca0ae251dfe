import { type Sql } from './sql';

/**
 * How long a kind of stored data is kept, declared by the flow that owns its table (FlowParts.retention) and run by
 * the platform (src/platform/retention-runner.ts). Two shapes:
 * - a table rule: rows of `table` whose `ageColumn` is older than the kind's days (and that match `where`: rows
 *   still in use are never old) are deleted — or only their `clear` columns set to NULL (the decrypted copy of a
 *   return goes, the signed original stays) — in bounded batches;
 * - a custom rule: `purge(days, limit)` does one bounded batch itself (files on disk) and says how many it removed.
 */
export type RetentionRule = RetentionRuleBase & (TableRetention | CustomRetention);

interface RetentionRuleBase {
  /** Stable, lower-case (a metric label and a RETENTION=kind:days key). */
  kind: string;
  /** What is kept and why this long, one line (logged at boot, listed in the README). */
  description: string;
  /** Kept this many days unless RETENTION says otherwise. */
  defaultDays: number;
  /**
   * Erasure on a patient's request (RGPD art. 17), table rules only: a SQL condition on the table's rows with `$1`
   * the NIR and `$2` its keyed pseudonym (bytea; NULL without encryption keys), or `kept` with the reason when a law requires keeping the data (billing records: art. 17(3)(b) RGPD).
   * Absent: the kind holds no patient data.
   */
  erasure?: { where: string } | { kept: string };
}

export interface TableRetention {
  table: string;
  ageColumn: string;
  /** Only these rows may go (e.g. `dispatched_at IS NOT NULL`): SQL over the table's columns. */
  where?: string;
  /** Set these columns to NULL instead of deleting the row. */
  clear?: string[];
}

export interface CustomRetention {
  /** One batch: removes at most `limit` items older than `days`; returns how many it removed. */
  purge: (days: number, limit: number) => Promise<number>;
}

export function isTableRule(r: RetentionRule): r is RetentionRuleBase & TableRetention {
  return 'table' in r;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** Table rules are SQL built from their declaration: names are checked once, so a typo fails at boot, never as SQL. */
export function checkRule(r: RetentionRule): void {
  if (!/^[a-z][a-z0-9-]*$/.test(r.kind)) throw new Error(`Retention kind "${r.kind}": lower-case letters, digits and dashes`);
  if (!isTableRule(r)) return;
  for (const name of [r.table, r.ageColumn, ...(r.clear ?? [])]) {
    if (!IDENT.test(name)) throw new Error(`Retention rule ${r.kind}: "${name}" is not a plain SQL name`);
  }
}

/**
 * One bounded batch of a table rule. The rows are picked by ctid in a sub-select with LIMIT, so each statement
 * touches at most `limit` rows and holds its row locks for milliseconds: a purge of millions of old rows never
 * blocks the inbox or a lot for longer than one batch.
 */
export async function purgeBatch(db: Sql, r: RetentionRuleBase & TableRetention, days: number, limit: number): Promise<number> {
  const filters = [`${r.ageColumn} < now() - make_interval(days => $1)`];
  if (r.where) filters.push(`(${r.where})`);
  return runBatch(db, r, filters, [days, limit]);
}

/** One bounded batch of a patient's erasure (the rule's erasure condition: `$1` the NIR, `$2` its pseudonym). */
export async function eraseBatch(
  db: Sql,
  r: RetentionRuleBase & TableRetention,
  where: string,
  nir: string,
  pseudonym: Buffer | null,
  limit: number,
): Promise<number> {
  // $2 is the batch size in the statement: the pseudonym is bound as $3, and only where the rule uses it (pg cannot
  // type a parameter the statement never mentions).
  const filter = where.replace(/\$2\b/g, '$3::bytea');
  return runBatch(db, r, [`(${filter})`], filter.includes('$3') ? [nir, limit, pseudonym] : [nir, limit]);
}

async function runBatch(db: Sql, r: TableRetention, filters: string[], params: unknown[]): Promise<number> {
  // Clearing rows that are already clear would find the same rows forever.
  if (r.clear?.length) filters.push(`(${r.clear.map((c) => `${c} IS NOT NULL`).join(' OR ')})`);
  const picked = `ARRAY(SELECT ctid FROM ${r.table} WHERE ${filters.join(' AND ')} LIMIT $2)`;
  if (r.clear?.length) {
    return db.exec(`UPDATE ${r.table} SET ${r.clear.map((c) => `${c} = NULL`).join(', ')} WHERE ctid = ANY(${picked})`, params);
  }
  return db.exec(`DELETE FROM ${r.table} WHERE ctid = ANY(${picked})`, params);
}
