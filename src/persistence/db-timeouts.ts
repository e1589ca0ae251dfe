import type { DbTimeoutsConfig } from '../config/app-config';
/**
 * Every PostgreSQL connection the gateway opens is bounded in time. Without these, a PostgreSQL that stops answering
 * (a hung host, a network partition that drops packets silently) stalls every caller forever: the HL7 inbox group
 * commit waits on one INSERT, so every MLLP connection waits behind it, and HTTP requests pile up on the pool.
 *
 * - connect: opening a connection, and also waiting for a free client of a full pool (pg-pool applies it to both);
 * - statement (server side): PostgreSQL cancels a statement running longer (SQLSTATE 57014);
 * - query (client side): the pg client gives up on a query whose answer never comes — the server is not there to
 *   cancel anything — and the pool discards that connection; larger than `statement`, so a slow statement is
 *   cancelled cleanly by the server first;
 * - lock: waiting for a row or table lock (55P03), so a purge or a migration holding a lock fails fast instead of
 *   queueing every writer behind it;
 * - idleInTransaction: PostgreSQL closes a session left inside an open transaction (a crashed caller's locks go).
 * Zero means "no limit" for each (PostgreSQL's own default).
 */
/** The configured limits (src/config); `migrationStatementMs` bounds migrations only (an index build runs minutes). */
export type DbTimeouts = DbTimeoutsConfig;

/** pg Client/Pool options for these limits (the same keys pg.Pool, TypeORM's `extra` and BullMQ's connection take). */
export function pgTimeoutOptions(t: DbTimeouts, statementMs = t.statementMs): Record<string, number | boolean> {
  return {
    connectionTimeoutMillis: t.connectMs,
    query_timeout: clientLimit(t, statementMs),
    statement_timeout: statementMs,
    lock_timeout: t.lockMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
    // A peer that vanished without a FIN (power cut, firewall state lost) is noticed by the kernel, not never.
    keepAlive: true,
  };
}

/** The client-side limit follows an overridden statement limit (migrations): off when unbounded, else the same margin. */
function clientLimit(t: DbTimeouts, statementMs: number): number {
  if (statementMs === t.statementMs) return t.queryMs;
  if (statementMs === 0 || t.queryMs === 0) return 0;
  return statementMs + Math.max(t.queryMs - t.statementMs, 5_000);
}
