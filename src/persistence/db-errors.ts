/**
 * PostgreSQL and pg client errors, described by codes only. A PostgreSQL error's message and detail quote the values
 * of the statement (`date/time field value out of range: "31/02/1990"`, `Key (nir)=(1800175…) already exists`): patient
 * data that must never reach a log line, an HTTP answer or an HL7 ERR. What can be said safely is the SQLSTATE, the
 * constraint/table/column names (schema, not data) and what kind of failure it is — which is also what callers decide on.
 */
export type DbErrorKind =
  /** The database is not reachable or is shutting down: retry later (HTTP 503, HL7 connection closed). */
  | 'unavailable'
  /** A time limit fired (statement, lock, client wait): retry later. */
  | 'timeout'
  /** A constraint refused the row (unique, foreign key, check). */
  | 'constraint'
  /** A value the column type refused (date out of range, bad number): a validation gap upstream. */
  | 'invalid-data'
  | 'other';

export interface DbErrorSummary {
  kind: DbErrorKind;
  /** SQLSTATE, or the pg client's / socket's own code (ECONNREFUSED, query-timeout…). */
  code: string;
  constraint?: string;
  table?: string;
  column?: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** The pg client's own failures carry no code, only these messages (pg 8). */
const CLIENT_MESSAGES: Array<[RegExp, DbErrorKind, string]> = [
  [/^Query read timeout$/, 'timeout', 'query-timeout'],
  [/timeout exceeded when trying to connect|Connection terminated due to connection timeout/, 'timeout', 'connect-timeout'],
  [/^Connection terminated|not queryable|Client was closed|Cannot use a pool after calling end/, 'unavailable', 'connection-lost'],
];

function kindOfSqlState(state: string): DbErrorKind {
  if (state === '57014' || state === '55P03' || state === '25P03' || state === '40001' || state === '40P01') return 'timeout';
  if (state.startsWith('08') || state.startsWith('53') || state.startsWith('57P')) return 'unavailable';
  if (state.startsWith('23')) return 'constraint';
  if (state.startsWith('22')) return 'invalid-data';
  return 'other';
}

/** The error's description by codes when it comes from PostgreSQL or the pg client (TypeORM's wrapper unwrapped); else undefined. */
export function describeDbError(err: unknown): DbErrorSummary | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = ((err as { driverError?: unknown }).driverError ?? err) as Error & {
    code?: unknown;
    severity?: unknown;
    constraint?: string;
    table?: string;
    column?: string;
  };
  if (typeof e.code === 'string' && SQLSTATE.test(e.code) && typeof e.severity === 'string') {
    return { kind: kindOfSqlState(e.code), code: e.code, constraint: e.constraint, table: e.table, column: e.column };
  }
  if (typeof e.code === 'string' && SOCKET_CODES.has(e.code)) return { kind: 'unavailable', code: e.code };
  for (const [re, kind, code] of CLIENT_MESSAGES) if (re.test(e.message)) return { kind, code };
  return undefined;
}

/** True when waiting and trying again is the right answer (database down, restarting, or too slow right now). */
export function isTransientDbError(err: unknown): boolean {
  const d = describeDbError(err);
  return d?.kind === 'unavailable' || d?.kind === 'timeout';
}
