import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../src/access/roles';
import { CdriSimulator } from '../../src/simulators/cdri/cdri-simulator';
import { createTestDatabase, TEST_REDIS_URL } from './test-database';

export const TEST_KIOSK_ID = 'borne-hall-a';
export const TEST_KIOSK_KEY = 'test-kiosk-key-0123456789abcdef-0123';

/**
 * One test client per role (besides the kiosk), configured through API_CLIENTS as digests, as a hospital would:
 * `headersAs('batch')` gives the headers of the scheduler, `headersAs('operator')` those of an operator…
 */
export const TEST_CLIENT_KEYS: Record<Exclude<Role, 'kiosk'>, string> = {
  gap: 'test-gap-key-0123456789abcdef-012345',
  batch: 'test-batch-key-0123456789abcdef-01234',
  billing: 'test-billing-key-0123456789abcdef-012',
  operator: 'test-operator-key-0123456789abcdef-01',
  admin: 'test-admin-key-0123456789abcdef-012345',
  metrics: 'test-metrics-key-0123456789abcdef-0123',
};

/** `test-batch` etc.: the establishment's FINESS (operators, admins and scrapers span all). */
export const TEST_API_CLIENTS = Object.entries(TEST_CLIENT_KEYS)
  .map(([role, key]) => `test-${role}:${createHash('sha256').update(key).digest('hex')}:${role}`)
  .join(',');

export function headersAs(role: Role): Record<string, string> {
  return { 'X-API-Key': role === 'kiosk' ? TEST_KIOSK_KEY : TEST_CLIENT_KEYS[role] };
}
// From tests/support (ts-jest) or dist/tests/support (compiled, for the benchmarks): the repository root.
const ROOT = __dirname.includes(`${sep}dist${sep}`) ? join(__dirname, '..', '..', '..') : join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

/**
 * The gateway as its users run it: `node dist/src/main.js` in its own process, configured by environment only,
 * against the real local PostgreSQL (a fresh database) and Redis, and a CDRi simulator that is a real HTTP server
 * in the test process — so the test can inject faults and count the insurer calls. (In-process would not do:
 * NestJS 12 is ESM-only and jest's module system cannot load it; plain Node can.)
 */
export class GatewayProcess {
  readonly logs: string[] = [];
  httpPort = 0;
  mllpPort = 0;
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(readonly env: Record<string, string>) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Starts the process and resolves once it logged "Passerelle started" with its ports. */
  async start(timeoutMs = 60000): Promise<this> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does it)`);
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let pending = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start in ${timeoutMs} ms:\n${this.logs.join('')}`)), timeoutMs);
      const onLine = (line: string) => {
        if (!line.includes('"Passerelle started"')) return;
        const parsed = JSON.parse(line) as { httpPort: number; mllpPort: number };
        this.httpPort = parsed.httpPort;
        this.mllpPort = parsed.mllpPort;
        clearTimeout(timer);
        resolve();
      };
      child.stdout.on('data', (d: Buffer) => {
        const text = d.toString();
        this.logs.push(text);
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      child.stderr.on('data', (d: Buffer) => this.logs.push(d.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited with ${code} before starting:\n${this.logs.join('')}`));
      });
    });
    return this;
  }

  /** kill -9: no shutdown hook runs, exactly like a crash. */
  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful stop (SIGTERM) and its exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exited!;
  }

  waitExit(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }
}

export interface GatewayFixture {
  gateway: GatewayProcess;
  simulator: CdriSimulator;
  databaseUrl: string;
  /** Starts a new gateway process on the same database, queue and simulator (after a crash, say). */
  restart(extraEnv?: Record<string, string>): Promise<GatewayProcess>;
  close(): Promise<void>;
}

/** A fresh database, a CDRi simulator and a gateway process wired to them. */
export async function startGatewayFixture(
  opts: {
    queue?: 'redis' | 'postgres';
    env?: Record<string, string>;
    simulatorLatencyMs?: number;
    /** How the gateway reaches its fresh database (e.g. through a test TCP proxy); the fixture's databaseUrl stays direct. */
    databaseUrlFor?: (directUrl: string) => string;
  } = {},
): Promise<GatewayFixture> {
  const db = await createTestDatabase();
  const simulator = new CdriSimulator({ port: 0, latencyMs: opts.simulatorLatencyMs ?? 5 });
  const { url } = await simulator.start();
  const baseEnv: Record<string, string> = {
    DATABASE_URL: opts.databaseUrlFor ? opts.databaseUrlFor(db.url) : db.url,
    CDRI_ENDPOINT: url,
    CDRI_INSTALL_ID: '3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MLLP_HOST: '127.0.0.1',
    MLLP_PORT: '0',
    KIOSK_API_KEYS: `${TEST_KIOSK_ID}:${TEST_KIOSK_KEY}`,
    API_CLIENTS: TEST_API_CLIENTS,
    CDRI_JOB_BACKOFF_MS: '50',
    CDRI_TIMEOUT_MS: '2000',
    INBOX_SWEEP_INTERVAL_MS: '300',
    LOG_LEVEL: 'debug',
    // Tests and benches talk MLLP on loopback in plain text, from any MSH-3/MSH-4 (see HL7_SENDERS in the README).
    HL7_ALLOW_PLAINTEXT: 'true',
    HL7_SENDERS: '*^*@127.0.0.1',
    ...((opts.queue ?? 'redis') === 'redis' ? { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `pt${randomBytes(4).toString('hex')}` } : {}),
    // `TEST_HTTP_ADAPTER=fastify npx jest …` runs the same tests on the other HTTP adapter; a test's own env wins.
    ...(process.env.TEST_HTTP_ADAPTER ? { HTTP_ADAPTER: process.env.TEST_HTTP_ADAPTER } : {}),
    ...opts.env,
  };
  const processes: GatewayProcess[] = [];
  const launch = async (extraEnv: Record<string, string> = {}) => {
    const g = new GatewayProcess({ ...baseEnv, ...extraEnv });
    processes.push(g);
    return g.start();
  };
  const gateway = await launch();
  return {
    gateway,
    simulator,
    databaseUrl: db.url,
    restart: launch,
    close: async () => {
      for (const p of processes) await p.stop().catch(() => undefined);
      await simulator.stop();
      await db.drop();
    },
  };
}
