import { assertSchemaCompatibility, createPostgresBackend, DEFAULT_SCHEMA, quoteSchemaName, runMigrations } from 'bullmq';
import { Client, Pool } from 'pg';
import { pgTimeoutOptions } from '../persistence/db-timeouts';
import { assertPostgresAtLeast } from '../persistence/postgres-version';
import { type BackendConnectionOptions, BullmqBackend, type ErrorSink } from './bullmq-backend';
import type { PostgresQueueConfig } from './queue-backend';

/** Our floor (BullMQ accepts 13 but console.warns below 14). */
const MINIMUM_POSTGRES_MAJOR = 14;
/** Each Queue/Worker builds its own pg.Pool (plus one LISTEN connection per worker); keep them small. */
const QUEUE_POOL_MAX = 3;

/**
 * BullMQ's PostgreSQL backend. Every Queue and Worker owns a pool created from
 * `{ connectionString, schema }`: a bare connection string would silently use
 * the default schema 'bullmq', whatever `schema` says.
 */
export class PostgresBullBackend extends BullmqBackend {
  readonly kind = 'postgres' as const;
  protected readonly factory = createPostgresBackend;
  private readonly schema: string;
  private healthPool?: Pool;

  constructor(
    private readonly cfg: PostgresQueueConfig,
    onError: ErrorSink,
  ) {
    super(onError);
    this.schema = cfg.schema ?? DEFAULT_SCHEMA;
    quoteSchemaName(this.schema); // throws now on a name BullMQ would reject later
  }

  /**
   * Migrations must run on one dedicated session (advisory lock + transaction),
   * never a pool. Doing this before any Worker exists is what keeps a Worker
   * from ever meeting an unmigrated/incompatible schema.
   */
  protected async doPrepare(): Promise<void> {
    const migrationStatementMs = this.cfg.timeouts?.migrationStatementMs ?? 0;
    const limits = this.cfg.timeouts ? pgTimeoutOptions(this.cfg.timeouts, migrationStatementMs) : {};
    const client = new Client({ connectionString: this.cfg.url, ...limits });
    client.on('error', (err) => this.onError(err, 'postgres:migrations'));
    await client.connect();
    try {
      await assertPostgresAtLeast(client, MINIMUM_POSTGRES_MAJOR);
      await runMigrations(client, this.schema);
      await assertSchemaCompatibility(client, this.schema);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The application's time limits on every pool BullMQ builds (a hung database fails its calls instead of stalling them). */
  private limits(): Record<string, number | boolean> {
    return this.cfg.timeouts ? pgTimeoutOptions(this.cfg.timeouts) : {};
  }

  protected queueConnection(): BackendConnectionOptions {
    return { connection: { connectionString: this.cfg.url, schema: this.schema, max: QUEUE_POOL_MAX, ...this.limits() } };
  }

  protected workerConnection(concurrency: number): BackendConnectionOptions {
    // One query slot per concurrent job plus lock renewal / stalled checks; LISTEN uses its own connection.
    return { connection: { connectionString: this.cfg.url, schema: this.schema, max: concurrency + 2, ...this.limits() } };
  }

  protected async doPing(): Promise<boolean> {
    if (!this.healthPool) {
      this.healthPool = new Pool({
        connectionString: this.cfg.url,
        max: 1,
        connectionTimeoutMillis: 2_000,
        idleTimeoutMillis: 10_000,
        allowExitOnIdle: true, // an idle health connection must not keep the process alive
      });
      this.healthPool.on('error', (err) => this.onError(err, 'postgres:health'));
    }
    await this.healthPool.query('SELECT 1');
    return true;
  }

  protected async closeConnections(): Promise<void> {
    const pool = this.healthPool;
    this.healthPool = undefined;
    await pool?.end();
  }
}
