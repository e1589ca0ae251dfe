/**
 * Where the embedded server's binaries and data live, and as whom it runs.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the OS user 'postgres'. That user must be able to
 * reach the executables (in node_modules) and the data directory: in a clone under /root, or any folder with
 * mode 0700, it cannot, and initdb/postgres fail with EACCES. Rather than loosen the permissions of the
 * user's folders, the binaries are copied once to a root-owned, world-readable folder and the data directory
 * is placed under /var/lib/passerelle, owned by 'postgres' (mode 0700, as PostgreSQL requires).
 */
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { esmImport, exists } from './embedded-postgres-recovery';

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

export interface RunAs {
  uid: number;
  gid: number;
}

export interface Placement {
  binaries: PostgresBinaries;
  dataDir: string;
  /** Set when running as root: the OS user the server runs as. */
  runAs?: RunAs;
}

/** Root-owned home of the copied binaries and relocated clusters (as root only). */
export const ROOT_STATE_DIR = '/var/lib/passerelle';

export async function platformBinaries(): Promise<PostgresBinaries> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const name = `@embedded-postgres/${platform}-${os.arch()}`;
  try {
    return (await esmImport(name)) as PostgresBinaries;
  } catch (err) {
    throw new Error(`PostgreSQL binaries for this platform (${name}) are not installed; run npm ci on this machine.`);
  }
}

export async function placeServer(
  dataDir: string,
  isRoot: boolean,
  log: (message: string) => void,
  stateDir = ROOT_STATE_DIR,
): Promise<Placement> {
  const binaries = await platformBinaries();
  if (!isRoot) return { binaries, dataDir };
  const runAs = await postgresOsUser();
  const placed: Placement = { binaries, dataDir, runAs };
  if (!(await canReach(runAs, binaries.postgres))) {
    placed.binaries = await copyBinaries(binaries, path.join(stateDir, 'embedded-postgres'), log);
  }
  if (!(await canReach(runAs, await nearestExisting(dataDir)))) {
    // One cluster per configured directory, so two clones never share a database.
    const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
    placed.dataDir = path.join(stateDir, 'pg', `${path.basename(dataDir)}-${id}`);
    log(`OS user 'postgres' cannot reach ${dataDir}; the embedded cluster lives in ${placed.dataDir}`);
  }
  await fs.mkdir(path.dirname(placed.dataDir), { recursive: true, mode: 0o755 }); // traversable by 'postgres'
  await fs.mkdir(placed.dataDir, { recursive: true, mode: 0o700 });
  await fs.chown(placed.dataDir, runAs.uid, runAs.gid);
  return placed;
}

/** The library's behaviour: use the 'postgres' user, creating it (and its group) when missing. */
async function postgresOsUser(): Promise<RunAs> {
  const found = await osUser('postgres');
  if (found) return found;
  await run('groupadd', ['--system', 'postgres']).catch(() => undefined); // may exist without the user
  await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
  const created = await osUser('postgres');
  if (!created) throw new Error("Could not create the OS user 'postgres' the embedded server runs as (root cannot).");
  return created;
}

export async function osUser(name: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
  } catch {
    return undefined;
  }
}

/** Asks the kernel, as that user, whether the path can be searched/executed (every parent directory included). */
function canReach(runAs: RunAs, target: string): Promise<boolean> {
  return run('test', ['-x', target], runAs).then(
    () => true,
    () => false,
  );
}

async function nearestExisting(dir: string): Promise<string> {
  let current = dir;
  while (!(await exists(current)) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

/**
 * Copies the platform package's native/ tree (bin, lib, share: postgres finds lib and share relative to its
 * own executable) into <target>/<package version>, once; a copy is made aside then renamed into place, so a
 * concurrent start never sees half a tree.
 */
async function copyBinaries(binaries: PostgresBinaries, target: string, log: (message: string) => void): Promise<PostgresBinaries> {
  const nativeDir = path.dirname(path.dirname(binaries.postgres));
  const pkg = JSON.parse(await fs.readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { name: string; version: string };
  const dest = path.join(target, `${pkg.name.replace('/', '+')}@${pkg.version}`);
  const relocated = {
    postgres: path.join(dest, 'bin', path.basename(binaries.postgres)),
    initdb: path.join(dest, 'bin', path.basename(binaries.initdb)),
    pg_ctl: path.join(dest, 'bin', path.basename(binaries.pg_ctl)),
  };
  if (await exists(relocated.postgres)) return relocated;
  await fs.mkdir(target, { recursive: true, mode: 0o755 });
  await fs.chmod(path.dirname(target), 0o755); // the state dir itself may predate us with a narrower mode
  await fs.chmod(target, 0o755);
  const staging = await fs.mkdtemp(path.join(target, '.copy-'));
  try {
    await fs.cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(staging, 0o755);
    await fs.rename(staging, dest);
    log(`Copied the PostgreSQL binaries to ${dest} (OS user 'postgres' cannot reach ${nativeDir})`);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    if (!(await exists(relocated.postgres))) throw err; // otherwise a concurrent start won the rename
  }
  return relocated;
}

function run(file: string, args: string[], runAs?: RunAs): Promise<string> {
  return new Promise((resolve, reject) =>
    // cwd '/' so a non-root child never fails on an unreadable working directory.
    execFile(file, args, { ...runAs, cwd: '/' }, (err: Error | null, stdout: string) => (err ? reject(err) : resolve(stdout))),
  );
}
