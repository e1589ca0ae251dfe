import { Client } from 'pg';

/** Anything with a pg-style `query` (pg.Client, pg.PoolClient, pg.Pool). */
export interface SqlQueryable {
  query(sql: string): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export interface PostgresServerVersion {
  /** e.g. 150004 for 15.4 — the only reliably machine-comparable form. */
  num: number;
  /** Major version: num / 10000 for every release since 10 (9.6 → 9). */
  major: number;
  /** Human form as reported by the server, e.g. "15.4 (Debian 15.4-2)". */
  text: string;
}

export class PostgresVersionError extends Error {
  constructor(
    readonly required: number,
    readonly found: PostgresServerVersion,
  ) {
    super(`PostgreSQL ${required} or newer is required, found ${found.text}`);
    this.name = 'PostgresVersionError';
  }
}

/**
 * Reads the server version. `server_version_num` is used rather than parsing
 * `version()` because distributions decorate the text form ("15.4 (Debian…)").
 * A URL opens (and always closes) a short-lived connection of its own.
 */
export async function readPostgresVersion(target: SqlQueryable | string): Promise<PostgresServerVersion> {
  if (typeof target !== 'string') return queryVersion(target);
  const client = new Client({ connectionString: target });
  // An 'error' event without a listener would crash the process (e.g. server restart mid-check).
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await queryVersion(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Throws PostgresVersionError ("PostgreSQL 14 or newer is required, found X") when too old. */
export async function assertPostgresAtLeast(target: SqlQueryable | string, minimumMajor: number): Promise<PostgresServerVersion> {
  const version = await readPostgresVersion(target);
  if (version.major < minimumMajor) throw new PostgresVersionError(minimumMajor, version);
  return version;
}

async function queryVersion(client: SqlQueryable): Promise<PostgresServerVersion> {
  const { rows } = await client.query("SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text");
  const raw = rows[0]?.num;
  const num = typeof raw === 'string' || typeof raw === 'number' ? Number.parseInt(String(raw), 10) : Number.NaN;
  if (!Number.isFinite(num)) throw new Error('Unexpected server_version_num');
  const text = rows[0]?.text;
  return { num, major: Math.floor(num / 10000), text: typeof text === 'string' ? text : String(num) };
}
