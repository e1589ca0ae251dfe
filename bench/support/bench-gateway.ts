/**
 * The gateway under test: tests/support's startTestGateway (fresh PostgreSQL database, Redis or PostgreSQL queue,
 * in-process CDRi simulator), with production-like settings instead of the test ones (info logs, 30 s outbox
 * sweep, 2 s job backoff). The harness keeps every log line in memory; we empty that array regularly so that
 * it does not inflate the RSS we report. On stop, the Redis keys of the run are deleted.
 */
import { Client } from 'pg';
import Redis from 'ioredis';
import { startTestGateway, type TestGateway } from '../../tests/support/test-gateway';
import { TEST_REDIS_URL } from '../../tests/support/test-database';
import type { PoolGauge } from './process-sampler';

export interface BenchGateway extends TestGateway {
  queueBackend: 'redis' | 'postgres';
  /** The gateway's PostgreSQL pool (pg.Pool behind TypeORM), read-only. */
  dbPool: PoolGauge;
  /** Follow-up work not finished yet: undispatched inbox rows and pending rights checks. */
  backlog(): Promise<{ undispatched: number; pendingChecks: number; answeredChecks: number; failedChecks: number }>;
  /** Polls backlog() until it is empty or `timeoutMs` passes; returns how long it took and what was left. */
  drain(timeoutMs: number): Promise<{ drainMs: number; left: { undispatched: number; pendingChecks: number } }>;
}

export async function startBenchGateway(queue: 'redis' | 'postgres', env: Record<string, string> = {}): Promise<BenchGateway> {
  const tg = await startTestGateway({
    queue,
    env: {
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      INBOX_SWEEP_INTERVAL_MS: '30000',
      CDRI_JOB_BACKOFF_MS: '2000',
      ...env,
    },
  });
  const trim = setInterval(() => (tg.logs.length = 0), 1000);
  trim.unref();
  const pg = new Client({ connectionString: tg.databaseUrl });
  await pg.connect();

  const backlog: BenchGateway['backlog'] = async () => {
    const { rows } = await pg.query<{ u: string; p: string; a: string; f: string }>(
      `SELECT (SELECT count(*) FROM inbox_message WHERE status = 'accepted' AND dispatched_at IS NULL) AS u,
              count(*) FILTER (WHERE state = 'pending') AS p, count(*) FILTER (WHERE state = 'answered') AS a,
              count(*) FILTER (WHERE state = 'failed') AS f
         FROM rights_check`,
    );
    return {
      undispatched: Number(rows[0].u),
      pendingChecks: Number(rows[0].p),
      answeredChecks: Number(rows[0].a),
      failedChecks: Number(rows[0].f),
    };
  };

  return {
    ...tg,
    queueBackend: queue,
    dbPool: () => {
      const pool = (
        tg.gateway.infra.dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }
      ).master;
      return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
    },
    backlog,
    drain: async (timeoutMs) => {
      const t0 = Date.now();
      for (;;) {
        const b = await backlog();
        if ((b.undispatched === 0 && b.pendingChecks === 0) || Date.now() - t0 >= timeoutMs) {
          return { drainMs: Date.now() - t0, left: { undispatched: b.undispatched, pendingChecks: b.pendingChecks } };
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop: async () => {
      clearInterval(trim);
      await pg.end();
      const prefix = tg.gateway.config.queue.backend === 'redis' ? tg.gateway.config.queue.prefix : undefined;
      await tg.stop();
      if (prefix) await deleteRedisKeys(prefix);
    },
  };
}

/** Deletes a run's queue keys (QUEUE_PREFIX:*) from the shared Redis. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
