/**
 * The gateway of the kiosk benchmark in its own process (`node dist/src/main.js`, role `all`, Redis queue, a
 * fresh database), talking to a CDRi simulator that runs in another process: the gateway's event loop carries
 * only the gateway's work. `HTTP_ADAPTER` is passed through so that one run can compare Express and Fastify;
 * a gateway that does not read it yet simply runs Express. With `cpuProfileDir`, the V8 profiler is preloaded
 * (cpu-profile.preload.ts): `toggleCpuProfile()` starts it, and again stops it and writes the profile.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GatewayProcess } from '../../tests/support/gateway-process';
import { createTestDatabase, TEST_REDIS_URL } from '../../tests/support/test-database';
import { loadConfig, readDefaults } from '../../src/config/load-config';
import type { AppConfig } from '../../src/config/app-config';
import { deleteRedisKeys } from './bench-gateway';

export const SIMULATOR_INSTALL_ID = '00000000-0000-4000-8000-000000000000';

export interface KioskGateway {
  process: GatewayProcess;
  pid: number;
  baseUrl: string;
  /** The configuration the child loaded (same environment, parsed here): FINESS, CDRi context… */
  config: AppConfig;
  /** SIGUSR2: starts the CPU profiler, or stops it and writes the profile (only with `cpuProfileDir`). */
  toggleCpuProfile(): void;
  stop(): Promise<void>;
}

export async function startKioskGateway(opts: {
  simulatorUrl: string;
  adapter: string;
  kioskApiKeys: string;
  cpuProfileDir?: string;
  /** Extra variables (e.g. a rate limit that does not throttle the load generator). */
  env?: Record<string, string>;
}): Promise<KioskGateway> {
  const db = await createTestDatabase();
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `pb${randomBytes(4).toString('hex')}`,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MLLP_HOST: '127.0.0.1',
    MLLP_PORT: '0',
    CDRI_ENDPOINT: opts.simulatorUrl,
    CDRI_INSTALL_ID: SIMULATOR_INSTALL_ID,
    KIOSK_API_KEYS: opts.kioskApiKeys,
    HTTP_ADAPTER: opts.adapter,
    // Tests and benches talk MLLP on loopback in plain text, from any MSH-3/MSH-4 (see HL7_SENDERS in the README).
    HL7_ALLOW_PLAINTEXT: 'true',
    HL7_SENDERS: '*^*@127.0.0.1',
    // Production-like: info logs (one line per request would otherwise dominate), slow sweeps.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    INBOX_SWEEP_INTERVAL_MS: '30000',
    CDRI_JOB_BACKOFF_MS: '2000',
    ...(opts.cpuProfileDir
      ? { NODE_OPTIONS: `--require ${join(__dirname, 'cpu-profile.preload.js')}`, BENCH_CPU_PROFILE_DIR: opts.cpuProfileDir }
      : {}),
    ...opts.env,
  };
  const config = loadConfig(env, readDefaults());
  const gw = new GatewayProcess(env);
  try {
    await gw.start();
  } catch (err) {
    await db.drop().catch(() => undefined);
    throw err;
  }
  // GatewayProcess keeps every output line; the bench does not read them, so keep memory flat.
  const trim = setInterval(() => (gw.logs.length = 0), 1000);
  trim.unref();
  return {
    process: gw,
    pid: gw.pid ?? 0,
    baseUrl: gw.baseUrl,
    config,
    toggleCpuProfile: () => {
      if (opts.cpuProfileDir && gw.pid) process.kill(gw.pid, 'SIGUSR2');
    },
    stop: async () => {
      clearInterval(trim);
      await gw.stop();
      await db.drop();
      await deleteRedisKeys(env.QUEUE_PREFIX);
    },
  };
}
