/**
 * Returns source on a local or mounted directory (where a transfer tool drops insurer returns): lists regular
 * files, reads them, and once the handler has stored them moves them to `<dir>/done/` (never replacing an
 * archived file) or deletes them.
 */
import { promises as fs } from 'node:fs';
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
  now?: () => Date;
}

/** See file comment. */
export class FileDropReturnsSource implements ReturnsSource {
  readonly name: string;
  private readonly now: () => Date;

  constructor(private readonly opts: FileDropReturnsSourceOptions) {
    this.name = opts.name;
    this.now = opts.now ?? (() => new Date());
  }

  async list(): Promise<ReturnEntry[]> {
    const dirents = await fs.readdir(this.opts.directory, { withFileTypes: true });
    const files: ReturnEntry[] = [];
    for (const d of dirents) {
      if (!d.isFile()) continue; // done/, other directories, symlinks
      const st = await fs.lstat(join(this.opts.directory, d.name)).catch(() => undefined);
      if (st?.isFile()) files.push({ name: d.name, size: st.size, modifiedAt: st.mtime });
    }
    return selectReturnEntries(files, this.opts, this.now());
  }

  async read(entry: ReturnEntry): Promise<Buffer> {
    const max = this.opts.maxFileBytes ?? 256 * 1024 * 1024;
    if (entry.size > max) throw new ChannelError('REJECTED', `return file larger than ${max} bytes`, false);
    return fs.readFile(this.path(entry.name));
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

  private path(name: string): string {
    if (name.includes('/') || name.includes('\\') || name === '..' || name === '.') {
      throw new ChannelError('REJECTED', 'unsafe file name', false);
    }
    return join(this.opts.directory, name);
  }
}
