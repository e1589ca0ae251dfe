/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return --
   BullMQ types each backend's connection options and job data apart; this class holds queues and workers of every
   job type and both backends, and exposes them typed again (BackendQueue<T>, BackendWorker<T, R>). */
import { type BackendFactory, type DefaultJobOptions, type IQueueBackend, type JobType, Queue, Worker } from 'bullmq';
import type { BackendQueue, BackendWorker, JobProcessor, QueueBackend, QueueDepth, WorkerSettings } from './queue-backend';

export type ErrorSink = (error: Error, source: string) => void;

/** What differs between backends: connection options, preparation, health, teardown. */
export interface BackendConnectionOptions {
  connection: unknown;
  prefix?: string;
}

const PING_TIMEOUT_MS = 2_000;
const WORKER_READY_GRACE_MS = 10_000;

/**
 * Backend-neutral lifecycle around BullMQ's Queue/Worker: preparation gate,
 * per-name queue cache, guarded worker start and ordered, idempotent close.
 */
export abstract class BullmqBackend implements QueueBackend {
  abstract readonly kind: 'redis' | 'postgres';
  // `any`: each backend has its own connection-options type; callers never see it.
  protected abstract readonly factory: BackendFactory<IQueueBackend, any>;

  private readonly queues = new Map<string, { queue: BackendQueue<any>; optionsKey: string }>();
  /** Queues evicted after a failed readiness; still closed by close(). */
  private readonly retired = new Set<BackendQueue<any>>();
  private readonly workers = new Set<BackendWorker<any, any>>();
  private preparing?: Promise<void>;
  private prepared = false;
  private closing?: Promise<void>;

  constructor(protected readonly onError: ErrorSink) {}

  protected abstract doPrepare(): Promise<void>;
  protected abstract queueConnection(): BackendConnectionOptions;
  protected abstract workerConnection(concurrency: number): BackendConnectionOptions;
  protected abstract doPing(): Promise<boolean>;
  protected abstract closeConnections(): Promise<void>;

  prepare(): Promise<void> {
    this.assertOpen();
    if (this.prepared) return Promise.resolve();
    this.preparing ??= this.doPrepare().then(
      () => {
        this.prepared = true;
      },
      (err: unknown) => {
        this.preparing = undefined; // allow a retry (e.g. database still starting)
        throw err;
      },
    );
    return this.preparing;
  }

  queue<T = unknown>(name: string, defaultJobOptions?: DefaultJobOptions): BackendQueue<T> {
    this.assertUsable('queue');
    const optionsKey = JSON.stringify(defaultJobOptions ?? null);
    const cached = this.queues.get(name);
    if (cached) {
      if (defaultJobOptions !== undefined && cached.optionsKey !== optionsKey) {
        throw new Error(`Queue "${name}" already exists with different defaultJobOptions`);
      }
      return cached.queue as BackendQueue<T>;
    }
    const queue = new Queue<T, unknown, string, T, unknown, string, IQueueBackend, unknown>(
      name,
      { ...this.queueConnection(), defaultJobOptions },
      this.factory,
    );
    queue.on('error', (err) => this.onError(err, `queue:${name}`));
    // Both backends memoize a failed readiness forever, so a queue created
    // during an outage would stay broken: evict it so queue(name) rebuilds.
    queue.waitUntilReady().catch((err: Error) => {
      this.onError(err, `queue:${name}`);
      if (this.queues.get(name)?.queue === queue) {
        this.queues.delete(name);
        this.retired.add(queue);
      }
    });
    this.queues.set(name, { queue, optionsKey });
    return queue;
  }

  worker<T = unknown, R = unknown>(name: string, processor: JobProcessor<T, R>, settings: WorkerSettings): BackendWorker<T, R> {
    this.assertUsable('worker');
    const worker = new Worker<T, R, string, IQueueBackend, any, unknown>(
      name,
      processor,
      {
        ...this.workerConnection(settings.concurrency),
        concurrency: settings.concurrency,
        limiter: settings.limiter,
        ...(settings.lockDurationMs
          ? { lockDuration: settings.lockDurationMs, stalledInterval: Math.max(1000, Math.floor(settings.lockDurationMs / 2)) }
          : {}),
        // Never let the fetch loop run against a connection whose readiness
        // failed: on the PostgreSQL backend that memoized rejection makes the
        // loop spin on microtasks (100 % CPU, deaf to SIGTERM).
        autorun: false,
      },
      this.factory,
    );
    worker.on('error', (err) => this.onError(err, `worker:${name}`));
    this.workers.add(worker);
    const ready = worker.waitUntilReady();
    guardCloseUntilReady(worker, ready);
    ready
      .then(() => (this.closing ? undefined : worker.run()))
      .catch(async (err: Error) => {
        this.onError(err, `worker:${name}`);
        this.workers.delete(worker);
        await worker.close().catch(() => undefined);
      });
    return worker;
  }

  async ping(): Promise<boolean> {
    if (this.closing) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)));
    try {
      return await Promise.race([this.doPing().catch(() => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async depth(name: string): Promise<QueueDepth> {
    // 'paused' is missing from v6's JobType but both backends count it (Redis: the
    // paused list; PostgreSQL: waiting jobs of a paused queue, then reported as 0 waiting).
    const paused = 'paused' as JobType;
    const counts = await this.queue(name).getJobCounts('waiting', 'prioritized', paused, 'active', 'delayed', 'failed');
    const n = (key: string): number => counts[key] ?? 0;
    return {
      waiting: n('waiting') + n('prioritized') + n('paused'),
      active: n('active'),
      delayed: n('delayed'),
      failed: n('failed'),
    };
  }

  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    await this.preparing?.catch(() => undefined);
    const settle = async (label: string, tasks: Array<Promise<unknown>>): Promise<void> => {
      for (const result of await Promise.allSettled(tasks)) {
        if (result.status === 'rejected') this.onError(asError(result.reason), `close:${label}`);
      }
    };
    // Workers first: close() waits for active jobs, which still need their queue's connections.
    await settle(
      'workers',
      [...this.workers].map((w) => w.close()),
    );
    const queues = [...[...this.queues.values()].map((q) => q.queue), ...this.retired];
    await settle(
      'queues',
      queues.map((q) => q.close()),
    );
    this.workers.clear();
    this.queues.clear();
    this.retired.clear();
    await settle('connections', [this.closeConnections()]);
  }

  private assertOpen(): void {
    if (this.closing) throw new Error(`Queue backend (${this.kind}) is closed`);
  }

  private assertUsable(what: string): void {
    this.assertOpen();
    if (!this.prepared) {
      throw new Error(`Queue backend (${this.kind}): prepare() must succeed before creating a ${what}`);
    }
  }
}

/**
 * bullmq 6.7.0, PostgreSQL backend: closing a Worker whose readiness is still
 * in flight ends its pool, then readiness opens the LISTEN connection anyway —
 * a leaked socket that keeps the process alive. So close() first waits for
 * readiness to settle (bounded, in case the database is unreachable).
 */
function guardCloseUntilReady(worker: BackendWorker<any, any>, ready: Promise<void>): void {
  const close = worker.close.bind(worker);
  worker.close = async (force?: boolean): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, WORKER_READY_GRACE_MS)));
    await Promise.race([ready.catch(() => undefined), grace]);
    clearTimeout(timer);
    return close(force);
  };
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
