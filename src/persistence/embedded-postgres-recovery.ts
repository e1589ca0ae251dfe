/**
 * Recovery of the orphaned server a `kill -9` of the app leaves behind: a postmaster.pid whose process is still
 * a postgres of this data directory, parented by init, is stopped cleanly (pg_ctl as the postgres user); a pid
 * file whose process is gone is removed; a server still owned by a live process is left alone (refused).
 */
import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import type { RunAs } from './embedded-postgres-placement';

// tsc (module: commonjs) rewrites `import()` into `require()`, which cannot load
// this ESM-only package under jest; a Function body is left untouched.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point: an import() tsc cannot rewrite
export const esmImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly ownerPid: number,
  ) {
    super(
      `PostgreSQL data directory ${dataDir} is in use by a server (pid ${pid}) whose ` +
        `parent process ${ownerPid} is still alive; refusing to stop another instance's database.`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** `pgCtl` and `runAs` come from the placement: the binaries the 'postgres' OS user can reach, and that user (as root). */
export async function recoverStaleServer(
  dataDir: string,
  log: (message: string) => void,
  pgCtl: string,
  runAs: RunAs | undefined,
): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const content = await fs.readFile(pidFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (content === undefined) return;
  const [pidLine = '', dirLine = ''] = content.split('\n');
  const pid = Number.parseInt(pidLine.trim(), 10);
  if (!(pid > 0) || !(await isPostgresOf(pid, dataDir, dirLine.trim()))) {
    log(`Removing stale ${pidFile} (pid ${pidLine.trim()} is not a running PostgreSQL of this directory)`);
    await fs.rm(pidFile, { force: true });
    return;
  }
  const owner = await liveOwnerOf(pid);
  if (owner !== undefined) throw new DataDirInUseError(dataDir, pid, owner);
  log(`Found orphaned PostgreSQL (pid ${pid}) on ${dataDir}; stopping it before restarting`);
  await stopOrphan(pid, dataDir, pidFile, log, pgCtl, runAs);
}

/** Alive, not a zombie, and (on Linux) a 'postgres' process whose cwd is the data dir (the postmaster chdirs there). */
async function isPostgresOf(pid: number, dataDir: string, recordedDir: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  if (!(await exists('/proc/self/stat'))) return path.resolve(recordedDir) === dataDir;
  const stat = await procStat(pid);
  if (!stat || stat.state === 'Z') return false;
  const [cwd, realDir, comm] = await Promise.all([
    fs.readlink(`/proc/${pid}/cwd`).catch(() => ''),
    fs.realpath(dataDir).catch(() => dataDir),
    fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => ''),
  ]);
  return cwd === realDir && comm.trim().startsWith('postgres');
}

/**
 * Orphans are re-parented to pid 1 or a subreaper (tini, systemd). A postmaster
 * whose parent is still a live Node process belongs to another running app
 * instance (or this one) — stopping it would break that instance.
 */
async function liveOwnerOf(pid: number): Promise<number | undefined> {
  const stat = await procStat(pid);
  if (!stat || stat.ppid <= 1) return undefined;
  if (stat.ppid === process.pid) return stat.ppid;
  const comm = await fs.readFile(`/proc/${stat.ppid}/comm`, 'utf8').catch(() => '');
  return /^(node|nodejs|bun|deno)\b/.test(comm.trim()) ? stat.ppid : undefined;
}

async function stopOrphan(
  pid: number,
  dataDir: string,
  pidFile: string,
  log: (m: string) => void,
  pgCtl: string,
  runAs: RunAs | undefined,
): Promise<void> {
  // pg_ctl refuses to run as root, exactly like postgres; run it as the cluster owner.
  if ((await exists(pgCtl)) && (!isRoot() || runAs)) {
    const result = await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], runAs);
    log(`pg_ctl stop: ${result.output.trim()}`);
    // pg_ctl returns once postmaster.pid is gone, a moment before the process itself exits.
    if (result.code === 0 && (await waitUntilDead(pid, 10_000))) return;
  }
  // Fallback without pg_ctl: SIGINT = fast shutdown, SIGQUIT = immediate, SIGKILL = last resort.
  for (const [signal, waitMs] of [
    ['SIGINT', 30_000],
    ['SIGQUIT', 10_000],
    ['SIGKILL', 5_000],
  ] as const) {
    log(`Sending ${signal} to orphaned PostgreSQL pid ${pid}`);
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
    if (await waitUntilDead(pid, waitMs)) {
      await fs.rm(pidFile, { force: true }); // left behind by SIGQUIT/SIGKILL
      return;
    }
  }
  throw new Error(`Could not stop orphaned PostgreSQL pid ${pid} on ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitUntilDead(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // A zombie (exited, not yet reaped by a non-reaping pid 1) still answers kill(pid, 0).
    if (!isAlive(pid) || (await procStat(pid))?.state === 'Z') return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function procStat(pid: number): Promise<{ state: string; ppid: number } | undefined> {
  const raw = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!raw) return undefined;
  // "pid (comm) state ppid ..." — comm may contain spaces and parentheses.
  const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]) };
}

function run(file: string, args: string[], runAs?: { uid: number; gid: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // cwd '/' so a non-root child never fails on an unreadable working directory.
    const child = spawn(file, args, { ...runAs, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err) => resolve({ code: null, output: `${output}${err.message}` }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
