/**
 * Local filesystem steps for "write then publish" without ever replacing an existing file: POSIX rename() silently
 * overwrites, link() refuses an existing target, so publishing is link(tmp, final) + unlink(tmp).
 * Shared by the file-drop channel and the file-drop returns source.
 */
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { type LotContent } from './transmission-channel';

/** Errors meaning "this filesystem cannot hard-link" (some SMB/CIFS mounts, FAT): fall back to check + rename. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Writes `content` to a new file `path` (fails if it exists), fsyncs it and returns its size. */
export async function writeNewFileDurably(path: string, content: LotContent): Promise<number> {
  if (!Buffer.isBuffer(content)) {
    await fs.copyFile(content.path, path, constants.COPYFILE_EXCL);
  }
  const fh = await fs.open(path, Buffer.isBuffer(content) ? 'wx' : 'r+', 0o640);
  try {
    if (Buffer.isBuffer(content)) await fh.writeFile(content);
    await fh.sync();
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

/**
 * Publishes `tmp` under `final` without replacing an existing `final`; resolves false (leaving `tmp` in place)
 * when `final` already exists.
 */
export async function publishNoReplace(tmp: string, final: string): Promise<boolean> {
  try {
    await fs.link(tmp, final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw err;
    // Without hard links there is a small check-then-rename window; one outbox worker per lot keeps it theoretical.
    if (await exists(final)) return false;
    await fs.rename(tmp, final);
    return true;
  }
  await fs.unlink(tmp);
  return true;
}

/** fsync of the directory holding `path`, so that a rename/link survives a power loss. Best effort off POSIX. */
export async function fsyncParentDir(path: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dirname(path), 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    // Directories cannot be opened/fsynced on some platforms and network filesystems: nothing more we can do.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EBADF'].includes(code)) throw err;
  } finally {
    await fh?.close();
  }
}

/** Size of a regular file, undefined if absent, -1 if it exists but is not a regular file. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const st = await fs.lstat(path);
    return st.isFile() ? st.size : -1;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await fileSize(path)) !== undefined;
}
