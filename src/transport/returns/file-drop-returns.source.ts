/**
 * Returns source on a local or mounted directory (where a transfer tool drops insurer returns): lists regular
 * files, reads them, and once the handler has stored them moves them to `<dir>/done/` (never replacing an
 * archived file) or deletes them.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fsyncParentDir, publishNoReplace } from '../channels/local-atomic-file';
import { ChannelError } from '../channels/transmission-channel';
import {
  type AcknowledgeMode,
  archiveCollisionName,
  DONE_DIR,
  type ReturnEntry,
  type ReturnsFilterOptions,
  type ReturnsSource,
  selectReturnEntries,
} from './returns-source';

/** Constructor options of FileDropReturnsSource. */
export interface FileDropReturnsSourceOptions extends ReturnsFilterOptions {
  /** Identifies the source to the handler, e.g. `drop:concentrator`. */
  name: string;
  directory: string;
  acknowledge: AcknowledgeMode;
  /** Files larger than this are not read (reported by the poller, left in place). Default 256 MB. */
  maxFileBytes?: number;
  /**
   * A symbolic link (or anything but a regular file) in the drop folder is never followed nor read: it could make
   * the gateway ingest any file it can read. Reported here (log, metric), left in place for an operator.
   */
  onRefused?: (name: string, reason: 'symlink' | 'not-a-file') => void;
  now?: () => Date;
}

/** See file comment. */
export class FileDropReturnsSource implements ReturnsSource {
  readonly name: string;
  private readonly now: () => Date;
  private readonly refused = new Set<string>();

  constructor(private readonly opts: FileDropReturnsSourceOptions) {
    this.name = opts.name;
    this.now = opts.now ?? (() => new Date());
  }

  async list(): Promise<ReturnEntry[]> {
    const dirents = await fs.readdir(this.opts.directory, { withFileTypes: true });
    const files: ReturnEntry[] = [];
    for (const d of dirents) {
      if (d.isDirectory()) continue; // done/ and other folders
      const st = await fs.lstat(join(this.opts.directory, d.name)).catch(() => undefined);
      if (st?.isFile()) files.push({ name: d.name, size: st.size, modifiedAt: st.mtime });
      else if (st && !st.isDirectory()) this.refuse(d.name, st.isSymbolicLink() ? 'symlink' : 'not-a-file');
    }
    return selectReturnEntries(files, this.opts, this.now());
  }

  async read(entry: ReturnEntry): Promise<Buffer> {
    const max = this.opts.maxFileBytes ?? 256 * 1024 * 1024;
    if (entry.size > max) throw new ChannelError('REJECTED', `return file larger than ${max} bytes`, false);
    // O_NOFOLLOW: a file swapped for a symlink between list() and here fails (ELOOP) instead of being followed;
    // the size is checked again on the opened file, which is what is read.
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(this.path(entry.name), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
        this.refuse(entry.name, 'symlink');
        throw new ChannelError('REJECTED', 'return file is a symbolic link: not followed', false);
      }
      throw err;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new ChannelError('REJECTED', 'return file is not a regular file', false);
      if (st.size > max) throw new ChannelError('REJECTED', `return file larger than ${max} bytes`, false);
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async acknowledge(entry: ReturnEntry): Promise<void> {
    const from = this.path(entry.name);
    if (this.opts.acknowledge === 'delete') {
      await fs.unlink(from);
      return fsyncParentDir(from);
    }
    const doneDir = join(this.opts.directory, DONE_DIR);
    await fs.mkdir(doneDir, { recursive: true });
    if (!(await publishNoReplace(from, join(doneDir, entry.name)))) {
      const other = join(doneDir, archiveCollisionName(entry.name, this.now()));
      if (!(await publishNoReplace(from, other))) throw new Error('returns archive name collision');
    }
    await fsyncParentDir(join(doneDir, entry.name));
    await fsyncParentDir(from);
  }

  async release(): Promise<void> {
    // Nothing held between runs.
  }

  async close(): Promise<void> {
    // Nothing held open.
  }

  /** Reported once per name (the folder is listed at every poll), until the process restarts. */
  private refuse(name: string, reason: 'symlink' | 'not-a-file'): void {
    if (this.refused.has(name)) return;
    if (this.refused.size < 10_000) this.refused.add(name);
    this.opts.onRefused?.(name, reason);
  }

  private path(name: string): string {
    if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') {
      throw new ChannelError('REJECTED', 'unsafe file name', false);
    }
    return join(this.opts.directory, name);
  }
}
