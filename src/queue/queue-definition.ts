import type { DefaultJobOptions } from 'bullmq';
import type { JobProcessor, WorkerSettings } from './queue-backend';

/**
 * The one way a flow declares a queue: its name and its default job options, together, in the flow's
 * `*.queues.ts`. Producers call `backend.queue(def.name, def.jobOptions)` through `queueOf(def)`, so a queue is
 * never opened with other options than the ones declared here (the backend refuses a second, different set).
 * Options that depend on configuration make the flow's declaration a function of it (see src/cdri/cdri.queues.ts).
 */
export interface QueueDefinition<T> {
  readonly name: string;
  readonly jobOptions?: DefaultJobOptions;
  /** Phantom: the job data type, so producers and the worker agree. */
  readonly _job?: T;
}

/** Names are checked unique across flows at boot (two flows with one queue name would take each other's jobs). */
export function defineQueue<T>(name: string, jobOptions?: DefaultJobOptions): QueueDefinition<T> {
  return { name, jobOptions };
}

/** Retries with exponential backoff: `delayMs`, 2×, 4×… — an insurer outage of minutes is absorbed without hammering it. */
export function exponentialRetries(attempts: number, delayMs: number): Pick<DefaultJobOptions, 'attempts' | 'backoff'> {
  return { attempts, backoff: { type: 'exponential', delay: delayMs } };
}

/** A queue consumer, started by the composition root in the worker role (one Worker per definition). */
export interface WorkerDefinition<T = unknown, R = unknown> {
  queue: QueueDefinition<T>;
  processor: JobProcessor<T, R>;
  settings: WorkerSettings;
  /** Called once the worker exists, for processors that need it (e.g. to pause on an insurer's Retry-After). */
  onStarted?: (worker: import('./queue-backend').BackendWorker<T, R>) => void;
}

/** Keeps the job type of a worker definition while it joins a list of workers of other types. */
export function defineWorker<T, R>(def: WorkerDefinition<T, R>): WorkerDefinition {
  return def as unknown as WorkerDefinition;
}

/**
 * A cluster-wide schedule: a BullMQ job scheduler stored in the queue backend, so several worker processes share one
 * schedule and a restart neither loses nor doubles it (an in-process cron fires in every replica). `pattern`
 * undefined removes a schedule left by an earlier configuration.
 */
export interface ClusterSchedule {
  id: string;
  queue: QueueDefinition<unknown>;
  pattern?: string;
  timeZone?: string;
  job: { name: string; data: unknown };
}
