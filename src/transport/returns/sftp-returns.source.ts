/**
 * Returns source on an insurer's SFTP server: lists a remote directory, downloads each file, and once the handler
 * has stored it, moves it to `<dir>/done/` or deletes it. Same host key pinning as the SFTP channel.
 * One SSH connection per poll run, opened lazily and dropped on any error (the next call reconnects).
 */
import { posix } from 'node:path';
import { mapSftpError, type SftpConnectionOptions, SftpSession } from '../channels/sftp-session';
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

/** Constructor options of SftpReturnsSource. */
export interface SftpReturnsSourceOptions extends SftpConnectionOptions, ReturnsFilterOptions {
  /** Identifies the source to the handler, e.g. `sftp:cpam-75`. */
  name: string;
  remoteDir: string;
  acknowledge: AcknowledgeMode;
  /** Files larger than this are not downloaded (reported by the poller, left in place). Default 256 MB. */
  maxFileBytes?: number;
  now?: () => Date;
}

/** Regular-file bit of a POSIX mode (S_IFMT / S_IFREG). */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** See file comment. */
export class SftpReturnsSource implements ReturnsSource {
  readonly name: string;
  private session?: Promise<SftpSession>;
  private doneDirReady = false;
  private readonly now: () => Date;

  constructor(private readonly opts: SftpReturnsSourceOptions) {
    this.name = opts.name;
    this.now = opts.now ?? (() => new Date());
  }

  async list(): Promise<ReturnEntry[]> {
    const entries = await this.use('list', (s) => s.readdir(this.opts.remoteDir));
    const files = entries
      .filter((e) => (e.attrs.mode & S_IFMT) === S_IFREG)
      .map((e) => ({ name: e.filename, size: e.attrs.size, modifiedAt: new Date(e.attrs.mtime * 1000) }));
    return selectReturnEntries(files, this.opts, this.now());
  }

  async read(entry: ReturnEntry): Promise<Buffer> {
    const max = this.opts.maxFileBytes ?? 256 * 1024 * 1024;
    if (entry.size > max) throw new ChannelError('REJECTED', `return file larger than ${max} bytes`, false);
    return this.use('read', (s) => s.readFile(this.path(entry.name)));
  }

  async acknowledge(entry: ReturnEntry): Promise<void> {
    const from = this.path(entry.name);
    if (this.opts.acknowledge === 'delete') return this.use('delete', (s) => s.remove(from));
    await this.use('move-to-done', async (s) => {
      const doneDir = posix.join(this.opts.remoteDir, DONE_DIR);
      if (!this.doneDirReady && !(await s.stat(doneDir))) await s.mkdir(doneDir);
      this.doneDirReady = true;
      const target = posix.join(doneDir, entry.name);
      // SFTP RENAME does not replace an existing target: pick another archive name instead of failing forever.
      const free = !(await s.stat(target));
      await s.rename(from, free ? target : posix.join(doneDir, archiveCollisionName(entry.name, this.now())));
    });
  }

  /** Ends the connection of this run. */
  async release(): Promise<void> {
    const pending = this.session;
    this.session = undefined;
    if (pending) (await pending.catch(() => undefined))?.end();
  }

  close(): Promise<void> {
    return this.release();
  }

  private path(name: string): string {
    // A listed name with a slash would be a server bug; never let it address another directory.
    if (name.includes('/') || name === '..' || name === '.') throw new ChannelError('REJECTED', 'unsafe remote name', false);
    return posix.join(this.opts.remoteDir, name);
  }

  /** Runs `fn` on the (lazily opened) session; any failure drops the session so the next call reconnects. */
  private async use<T>(step: string, fn: (s: SftpSession) => Promise<T>): Promise<T> {
    if (!this.session || (await this.session.catch(() => undefined))?.isClosed !== false) {
      this.session = SftpSession.connect(this.opts);
    }
    try {
      return await fn(await this.session);
    } catch (err) {
      await this.release();
      this.doneDirReady = false;
      throw mapSftpError(err, step);
    }
  }
}
