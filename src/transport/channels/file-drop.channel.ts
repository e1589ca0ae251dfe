/**
 * File-drop channel: writes each lot into a local or mounted directory that another tool (the insurer's or a
 * concentrator's transfer client) picks up.
 *
 * Each attempt writes `<final>.<attemptId>.part` (exclusive create), fsyncs it, publishes it under the final name
 * with link()+unlink() — which, unlike rename(), never replaces an existing file — then fsyncs the directory.
 * A pickup tool that ignores `*.part` therefore never sees a partial lot.
 *
 * Idempotency: as for SFTP, the final name embeds the idempotency key (`<idempotencyKey>__<fileName>` by default).
 * If it already exists with the lot's size, the lot is already delivered (a repeat after a crash): we answer
 * `alreadyDelivered` and leave it untouched. Safe because the final name only appears by publishing a complete,
 * fsynced temporary file, and the key is unique to this lot (a re-encryption keeps the length); another size is a
 * CONFLICT, never overwritten. Once the pickup tool has taken the file we cannot see it any more: the receiver
 * must drop a repeat by the key in the name. Optional sidecar `<final>.meta.json` as for SFTP.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fileSize, fsyncParentDir, publishNoReplace, writeNewFileDurably } from './local-atomic-file';
import { lotContentSize, sidecarMeta } from './lot-content';
import {
  assertValidLot,
  ChannelError,
  defaultRemoteName,
  metaSidecarName,
  type OutgoingLot,
  partName,
  recipientSubdir,
  type SendReceipt,
  type TransmissionChannel,
} from './transmission-channel';

/** Constructor options of FileDropChannel. */
export interface FileDropChannelOptions {
  /** Base directory; `recipient` of a lot names a sub-directory of it ('' = this one). It must exist. */
  directory: string;
  /** Final file name; must stay unique per idempotency key. Default `<idempotencyKey>__<fileName>`. */
  remoteName?: (lot: OutgoingLot) => string;
  /** Write `<final>.meta.json` next to each delivered file. Default true. */
  metaSidecar?: boolean;
  /** Reported when the sidecar cannot be written (the lot itself is delivered: the send still succeeds). */
  onSidecarError?: (err: unknown, path: string) => void;
  now?: () => Date;
}

/** Errors that say the (possibly network-mounted) folder is not there or not working right now. */
const TRANSIENT_FS = new Set(['ENOENT', 'ENOSPC', 'EIO', 'ESTALE', 'ETIMEDOUT', 'EAGAIN', 'EBUSY', 'EDQUOT', 'EHOSTDOWN']);

function mapFsError(err: unknown, step: string): ChannelError {
  if (err instanceof ChannelError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new ChannelError('REJECTED', `file drop not writable: ${code} (${step})`, false, { cause: err });
  }
  return new ChannelError('UNREACHABLE', `file drop failed: ${code} (${step})`, TRANSIENT_FS.has(code) || code === 'UNKNOWN', {
    cause: err,
  });
}

/** Drops lots into a directory; see file comment. */
export class FileDropChannel implements TransmissionChannel {
  readonly name = 'file-drop' as const;
  private readonly now: () => Date;

  constructor(private readonly opts: FileDropChannelOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Writes and publishes the lot (or finds it already delivered); rejects with a ChannelError. */
  async send(lot: OutgoingLot): Promise<SendReceipt> {
    assertValidLot(lot);
    const dir = join(this.opts.directory, ...recipientSubdir(lot));
    const name = (this.opts.remoteName ?? defaultRemoteName)(lot);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new ChannelError('INVALID_LOT', 'unsafe file name', false);
    const finalPath = join(dir, name);
    const tmpPath = join(dir, partName(name, lot.attemptId));
    const size = await lotContentSize(lot.content);
    let step = 'check';
    try {
      const existing = await fileSize(finalPath);
      if (existing !== undefined) return await this.alreadyThere(lot, finalPath, existing, size);
      step = 'write';
      const written = await writeNewFileDurably(tmpPath, lot.content);
      if (written !== size) throw new ChannelError('UNREACHABLE', 'file drop size mismatch after write', true);
      step = 'publish';
      if (!(await publishNoReplace(tmpPath, finalPath))) {
        // Appeared meanwhile: a concurrent attempt of the same lot.
        await fs.unlink(tmpPath).catch(() => undefined);
        return await this.alreadyThere(lot, finalPath, (await fileSize(finalPath)) ?? -1, size);
      }
      await fsyncParentDir(finalPath);
      await this.writeSidecar(lot, finalPath, size, false);
      return { channel: 'file-drop', remoteId: finalPath, acceptedAt: this.now(), alreadyDelivered: false, size };
    } catch (err) {
      if (step === 'write') await fs.unlink(tmpPath).catch(() => undefined);
      throw mapFsError(err, step);
    }
  }

  /** Whether the base directory exists and is writable. */
  async ping(): Promise<boolean> {
    try {
      await fs.access(this.opts.directory, fs.constants.W_OK);
      return (await fs.stat(this.opts.directory)).isDirectory();
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // Nothing held open between sends.
  }

  private async alreadyThere(lot: OutgoingLot, finalPath: string, found: number, size: number): Promise<SendReceipt> {
    if (found !== size) {
      throw new ChannelError('CONFLICT', 'a different file already exists under this idempotency key', false);
    }
    if ((await fileSize(metaSidecarName(finalPath))) === undefined) await this.writeSidecar(lot, finalPath, size, true);
    return { channel: 'file-drop', remoteId: finalPath, acceptedAt: this.now(), alreadyDelivered: true, size };
  }

  private async writeSidecar(lot: OutgoingLot, finalPath: string, size: number, repeatDetected: boolean): Promise<void> {
    if (this.opts.metaSidecar === false) return;
    const metaPath = metaSidecarName(finalPath);
    const tmp = partName(metaPath, lot.attemptId);
    try {
      const meta = await sidecarMeta(lot, size, this.now(), repeatDetected);
      await writeNewFileDurably(tmp, meta);
      if (!(await publishNoReplace(tmp, metaPath))) await fs.unlink(tmp);
      await fsyncParentDir(metaPath);
    } catch (err) {
      await fs.unlink(tmp).catch(() => undefined);
      this.opts.onSidecarError?.(err, metaPath);
    }
  }
}
