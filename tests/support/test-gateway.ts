import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Gateway } from '../../src/app/gateway';
import { loadConfig, readDefaults } from '../../src/config/load-config';
import { createLogger } from '../../src/observability/logger';
import { createTestDatabase, TEST_REDIS_URL } from './test-database';

import { TEST_API_CLIENTS, TEST_KIOSK_ID, TEST_KIOSK_KEY } from './gateway-process';

export { TEST_KIOSK_ID, TEST_KIOSK_KEY };

export interface TestGateway {
  gateway: Gateway;
  databaseUrl: string;
  /** Every log line the gateway wrote, as text (for the privacy checks). */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * A real gateway on ephemeral ports, against the real local PostgreSQL (a fresh database) and, for the
 * 'redis' backend, the real local Redis (a fresh key prefix). The CDRi side is the built-in simulator,
 * a real HTTP server. Nothing is mocked.
 */
export async function startTestGateway(
  opts: { queue: 'redis' | 'postgres'; env?: Record<string, string> } = { queue: 'redis' },
): Promise<TestGateway> {
  const db = await createTestDatabase();
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    MLLP_PORT: '0',
    MLLP_HOST: '127.0.0.1',
    SIMULATOR_CDRI_LATENCY_MS: '5',
    KIOSK_API_KEYS: `${TEST_KIOSK_ID}:${TEST_KIOSK_KEY}`,
    API_CLIENTS: TEST_API_CLIENTS,
    CDRI_JOB_BACKOFF_MS: '50',
    LOG_LEVEL: 'debug',
    INBOX_SWEEP_INTERVAL_MS: '500',
    // Tests and benches talk MLLP on loopback in plain text, from any MSH-3/MSH-4 (see HL7_SENDERS in the README).
    HL7_ALLOW_PLAINTEXT: 'true',
    HL7_SENDERS: '*^*@127.0.0.1',
    ...(opts.queue === 'redis' ? { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `pt${randomBytes(4).toString('hex')}` } : {}),
    ...opts.env,
  };
  const config = loadConfig(env, readDefaults());
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const log = createLogger(config.logLevel, sink);
  const gateway = await Gateway.start(config, log);
  return {
    gateway,
    databaseUrl: db.url,
    logs,
    stop: async () => {
      await gateway.stop();
      await db.drop();
    },
  };
}
