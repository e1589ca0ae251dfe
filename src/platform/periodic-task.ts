import type { AppLogger } from '../observability/logger';

/**
 * Process-local periodic work (outbox sweeps, returns polling, certificate watch). Each worker process runs its own
 * copy, so the work must be safe to run in several processes at once (idempotent, row-locked); cluster-wide
 * schedules (one night lot across replicas) are BullMQ job schedulers instead (see queue-definition.ts).
 */
export interface PeriodicTask {
  /** Shown in logs when a run fails. */
  name: string;
  intervalMs: number;
  /** Also run once at start (default true). */
  runAtStart?: boolean;
  run: () => Promise<unknown>;
  /** Called once after the last run has finished, when the process stops. */
  stop?: () => Promise<void>;
}

/**
 * Runs periodic tasks: never two runs of one task at once (a slow run delays the next instead of piling up),
 * errors logged and retried at the next tick, timers unref'd, and stop() waits for the run in flight.
 *
 * Why not @nestjs/schedule: the worker role does not run a Nest container (infrastructure and flows are built
 * outside Nest, so a worker needs no HTTP stack), its decorators need one, and its SchedulerRegistry only stores
 * timers we would still create ourselves. What the hand-rolled timers lacked is this class.
 */
export class PeriodicRunner {
  private readonly running = new Map<PeriodicTask, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly log: AppLogger) {}

  start(task: PeriodicTask): void {
    const tick = () => this.wake(task);
    const timer = setInterval(tick, task.intervalMs);
    timer.unref();
    this.timers.push(timer);
    if (task.runAtStart !== false) tick();
  }

  /** Runs a task now (e.g. the local MLLP edge stored a message); a run in flight is not doubled. */
  wake(task: PeriodicTask): void {
    if (this.stopped || this.running.has(task)) return;
    const run = task
      .run()
      .then(() => undefined)
      .catch((err: unknown) => this.log.error({ err, task: task.name }, 'Periodic task failed; will retry'))
      .finally(() => this.running.delete(task));
    this.running.set(task, run);
  }

  /** Stops the timers, waits for the runs in flight, then calls each task's stop(). */
  async stop(tasks: PeriodicTask[]): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.running.values());
    for (const task of tasks) await task.stop?.();
  }
}
