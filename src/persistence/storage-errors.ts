/**
 * Is this error the database being unreachable or overloaded (worth trying again later), rather than something wrong
 * with what we asked? Connection-level errors of node-postgres and the server's SQLSTATE classes 08 (connection
 * exception), 53 (insufficient resources), 57P (operator intervention: shutdown, terminated connection) and 40001/40P01
 * (serialization failure, deadlock). Walks `cause` and TypeORM's `driverError`.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const TRANSIENT_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|server closed the connection|the database system is (starting up|shutting down)/i;

export function isTransientStorageError(err: unknown, depth = 0): boolean {
  if (depth > 5 || typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; driverError?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  if (/^(08|53|57P)/.test(code) || code === '40001' || code === '40P01') return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message)) return true;
  return isTransientStorageError(e.driverError, depth + 1) || isTransientStorageError(e.cause, depth + 1);
}
