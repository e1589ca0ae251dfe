/**
 * The same behaviour is required from both BullMQ backends, so every case runs
 * against Redis and PostgreSQL. Needs Redis on 127.0.0.1:6379 and PostgreSQL
 * (14+) on 127.0.0.1:5432; each run uses its own prefix / schema and removes it.
 */
import IORedis from 'ioredis';
import { Client } from 'pg';
import type { Job } from 'bullmq';
import { type BackendWorker, createQueueBackend, type QueueBackend, type QueueBackendConfig } from '../../src/queue/queue-backend';

const REDIS_URL = 'redis://127.0.0.1:6379';
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const runId = `${process.pid}_${Date.now()}`;

const configs: QueueBackendConfig[] = [
  { kind: 'redis', url: REDIS_URL, prefix: `passerelle-test-${runId}` },
  { kind: 'postgres', url: PG_URL, schema: `passerelle_test_${runId}` },
];

/** Resolves with the first `count` jobs the worker completes. */
function completions<T>(worker: BackendWorker<T, unknown>, count: number): Promise<Array<Job<T>>> {
  return new Promise((resolve) => {
    const done: Array<Job<T>> = [];
    const onCompleted = (job: Job<T>): void => {
      done.push(job);
      if (done.length === count) {
        worker.off('completed', onCompleted);
        resolve(done);
      }
    };
    worker.on('completed', onCompleted);
  });
}

function nextEvent<A extends unknown[]>(
  emitter: { once(event: string, listener: (...args: A) => void): unknown },
  event: string,
): Promise<A> {
  return new Promise((resolve) => emitter.once(event, (...args: A) => resolve(args)));
}

async function dropNamespace(cfg: QueueBackendConfig): Promise<void> {
  if (cfg.kind === 'postgres') {
    const client = new Client({ connectionString: cfg.url });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(cfg.schema!)} CASCADE`);
    } finally {
      await client.end();
    }
  } else {
    const redis = new IORedis(cfg.url);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${cfg.prefix}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      await redis.quit();
    }
  }
}

describe.each(configs)('queue backend: $kind', (cfg) => {
  const errors: Array<{ source: string; message: string }> = [];
  let backend: QueueBackend;

  beforeAll(async () => {
    backend = createQueueBackend(cfg, { onError: (err, source) => errors.push({ source, message: err.message }) });
    await backend.prepare();
  });

  afterAll(async () => {
    await backend?.close();
    await dropNamespace(cfg);
  });

  it('refuses queues and workers until prepare() has succeeded', async () => {
    const unprepared = createQueueBackend(cfg, { onError: () => undefined });
    expect(() => unprepared.queue('never')).toThrow(/prepare\(\) must succeed/);
    expect(() => unprepared.worker('never', async () => undefined, { concurrency: 1 })).toThrow(/prepare\(\) must succeed/);
    await unprepared.close();
  });

  it('answers ping()', async () => {
    await expect(backend.ping()).resolves.toBe(true);
  });

  it('processes every added job', async () => {
    const queue = backend.queue<{ n: number }>('process');
    expect(backend.queue('process')).toBe(queue); // cached per name
    await queue.addBulk([1, 2, 3, 4, 5].map((n) => ({ name: 'job', data: { n } })));

    const seen: number[] = [];
    const worker = backend.worker<{ n: number }>(
      'process',
      async (job) => {
        seen.push(job.data.n);
        return job.data.n * 2;
      },
      { concurrency: 2 },
    );
    const done = await completions(worker, 5);

    expect(seen.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(done.map((job) => job.returnvalue as number).sort((a, b) => a - b)).toEqual([2, 4, 6, 8, 10]);
    await worker.close();
  });

  it('keeps one job per jobId', async () => {
    const queue = backend.queue<{ v: string }>('idempotent');
    const first = await queue.add('job', { v: 'first' }, { jobId: 'claim-42' });
    const second = await queue.add('job', { v: 'second' }, { jobId: 'claim-42' });

    expect(second.id).toBe(first.id);
    expect(await backend.depth('idempotent')).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0 });
    expect((await queue.getJob('claim-42'))?.data).toEqual({ v: 'first' });
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const queue = backend.queue<{ failTimes: number }>('retry');
    await queue.add('flaky', { failTimes: 2 }, { attempts: 3, backoff: { type: 'fixed', delay: 100 } });

    const attempts: number[] = [];
    const worker = backend.worker<{ failTimes: number }>(
      'retry',
      async (job) => {
        attempts.push(job.attemptsMade);
        if (attempts.length <= job.data.failTimes) throw new Error(`transient failure ${attempts.length}`);
        return 'ok';
      },
      { concurrency: 1 },
    );
    const [job] = await completions(worker, 1);

    expect(attempts).toHaveLength(3);
    expect(job.returnvalue).toBe('ok');
    expect(job.attemptsMade).toBe(3);
    await worker.close();
  });

  it('reports depth() per state', async () => {
    const idle = backend.queue('depth-idle');
    await idle.add('plain', {});
    await idle.add('urgent', {}, { priority: 1 }); // counted by BullMQ as "prioritized"
    await idle.add('later', {}, { delay: 3_600_000 });
    expect(await backend.depth('depth-idle')).toEqual({ waiting: 2, active: 0, delayed: 1, failed: 0 });

    const busy = backend.queue('depth-busy');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const blockStarted = new Promise<void>((resolve) => (started = resolve));
    const worker = backend.worker(
      'depth-busy',
      async (job) => {
        if (job.name === 'boom') throw new Error('permanent failure');
        started();
        await gate;
      },
      { concurrency: 2 },
    );
    const failed = nextEvent(worker, 'failed');
    const completed = completions(worker, 1);
    await busy.add('boom', {}, { attempts: 1 });
    await busy.add('block', {});
    await Promise.all([failed, blockStarted]);

    expect(await backend.depth('depth-busy')).toEqual({ waiting: 0, active: 1, delayed: 0, failed: 1 });
    release();
    await completed;
    await worker.close();
  });

  it('close() is idempotent and leaves the backend unusable', async () => {
    const local = createQueueBackend(cfg, { onError: () => undefined });
    await local.prepare();
    const queue = local.queue('closing');
    await queue.add('job', {});
    local.worker('closing', async () => undefined, { concurrency: 1 });

    await Promise.all([local.close(), local.close()]);
    await local.close();
    expect(() => local.queue('closing')).toThrow(/closed/);
    await expect(local.ping()).resolves.toBe(false);
  });

  it('reports an unreachable backend as unhealthy without throwing', async () => {
    const down = createQueueBackend(
      cfg.kind === 'redis'
        ? { kind: 'redis', url: 'redis://127.0.0.1:1' }
        : { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test' },
      { onError: () => undefined },
    );
    await expect(down.ping()).resolves.toBe(false);
    await expect(down.prepare()).rejects.toThrow();
    expect(() => down.worker('never', async () => undefined, { concurrency: 1 })).toThrow(/prepare/);
    await down.close();
  });

  it('raised no unexpected background errors', () => {
    // Processor failures are job events, not backend errors.
    expect(errors).toEqual([]);
  });
});
