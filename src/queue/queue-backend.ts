/**
 * The one queue abstraction the app uses: BullMQ on Redis or on PostgreSQL,
 * chosen by configuration. Callers get plain BullMQ Queue/Worker objects typed
 * against the backend-neutral IQueueBackend, so no code depends on the backend.
 */
import type { DefaultJobOptions, IQueueBackend, JobProgress, Processor, Queue, RateLimiterOptions, Worker } from 'bullmq';
import type { DbTimeouts } from '../persistence/db-timeouts';
import type { QueueDefinition } from './queue-definition';
import { PostgresBullBackend } from './postgres-backend';
import { RedisBullBackend } from './redis-backend';

export interface RedisQueueConfig {
  kind: 'redis';
  /** redis://[user:pass@]host:port[/db] */
  url: string;
  /** BullMQ key prefix (default 'bull'); the Redis namespace. */
  prefix?: string;
}

export interface PostgresQueueConfig {
  kind: 'postgres';
  /** postgres://user:pass@host:port/db — PostgreSQL 14+. */
  url: string;
  /** Schema holding BullMQ's tables (default 'bullmq'); the PostgreSQL namespace. */
  schema?: string;
  /** Time limits of every connection BullMQ opens (the same as the application's pool); absent = none. */
  timeouts?: DbTimeouts;
}

export type QueueBackendConfig = RedisQueueConfig | PostgresQueueConfig;

export interface QueueBackendHooks {
  /**
   * Connection, worker and readiness errors (BullMQ reports them as events, not rejections). Required: a queue
   * backend whose connection errors go nowhere hides an outage until jobs pile up.
   */
  onError: (error: Error, source: string) => void;
}

/** A Queue whose backend is not known statically. */
export type BackendQueue<T = unknown> = Queue<T, unknown, string, T, unknown, string, IQueueBackend, unknown>;
/** A Worker whose backend is not known statically. */
export type BackendWorker<T = unknown, R = unknown> = Worker<T, R, string, IQueueBackend, JobProgress, unknown>;
export type JobProcessor<T = unknown, R = unknown> = Processor<T, R, string, JobProgress>;

export interface WorkerSettings {
  concurrency: number;
  /** At most `max` jobs per `duration` ms for this queue (shared by all its workers). */
  limiter?: RateLimiterOptions;
  /**
   * How long a job stays locked to a worker that stopped renewing it (a killed process) before another worker
   * takes it back. BullMQ's default is 30 s; short jobs set less so that a crash delays them less.
   */
  lockDurationMs?: number;
}

export interface QueueDepth {
  /** Ready to run: waiting + prioritized + paused (BullMQ reports those separately). */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface QueueBackend {
  readonly kind: QueueBackendConfig['kind'];
  /**
   * Must succeed before queue()/worker(). Redis: connect + PING. PostgreSQL:
   * version check, migrations on a dedicated connection, schema compatibility
   * check. Idempotent; may be retried after a failure.
   */
  prepare(): Promise<void>;
  /**
   * Cached per name. Idempotency: pass `jobId` in the add() options — adding
   * the same jobId again returns the existing job (both backends) for as long
   * as that job is kept (see removeOnComplete/removeOnFail).
   */
  queue<T = unknown>(name: string, defaultJobOptions?: DefaultJobOptions): BackendQueue<T>;
  /** Starts consuming once its own connections are ready; throws if prepare() has not succeeded. */
  worker<T = unknown, R = unknown>(name: string, processor: JobProcessor<T, R>, settings: WorkerSettings): BackendWorker<T, R>;
  /** Health: true when the backend answers within a couple of seconds. Never throws. */
  ping(): Promise<boolean>;
  depth(name: string): Promise<QueueDepth>;
  /** Workers first (lets active jobs finish), then queues, then connections. Idempotent. */
  close(): Promise<void>;
}

/** The producer side of a declared queue (see queue-definition.ts): always opened with its declared options. */
export function queueOf<T>(backend: QueueBackend, def: QueueDefinition<T>): BackendQueue<T> {
  return backend.queue<T>(def.name, def.jobOptions);
}

export function createQueueBackend(cfg: QueueBackendConfig, hooks: QueueBackendHooks): QueueBackend {
  const { onError } = hooks;
  switch (cfg.kind) {
    case 'redis':
      return new RedisBullBackend(cfg, onError);
    case 'postgres':
      return new PostgresBullBackend(cfg, onError);
    default:
      throw new Error(`Unknown queue backend kind: ${String((cfg as { kind?: unknown }).kind)}`);
  }
}
