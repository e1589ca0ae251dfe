/**
 * SFTP channel: uploads one lot per file into the insurer's drop directory, atomically.
 *
 * Each attempt writes `<final>.<attemptId>.part`, flushes it (fsync@openssh.com when offered), checks its size, then
 * RENAMEs it to the final name — so the receiver never sees a partial file under the final name.
 *
 * Idempotency: the final name embeds the idempotency key (`<idempotencyKey>__<fileName>` by default), so a repeat
 * is visible both to us and to the receiver. Before uploading, and again if the RENAME fails, we look for the final
 * name: when it exists with the lot's size, the lot is already delivered and we answer `alreadyDelivered` without
 * touching it. That is safe because (1) the final name only ever appears through the RENAME of a complete,
 * size-checked `.part` (RENAME is atomic on the server's filesystem), and (2) the name is unique to this lot's key,
 * whose content is fixed once recorded by the outbox — a re-encryption of the same lot has the same length, a
 * different length means another file under our key: CONFLICT, never overwrite. If the insurer has already
 * picked the file up (moved it away), we cannot see it and upload again: the receiver must drop the repeat by
 * the key in the name.
 * A sidecar `<final>.meta.json` (lot id, attempt id, size, SHA-256) is written after the data file (option
 * `metaSidecar`, default on — turn it off if the receiver's pickup would take it for a lot).
 */
import { posix } from 'node:path';
import { lotContentSize, openLotRangeReader, sidecarMeta } from './lot-content';
import { mapSftpError, type SftpConnectionOptions, SftpSession } from './sftp-session';
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

/** Constructor options of SftpChannel. */
export interface SftpChannelOptions extends SftpConnectionOptions {
  /** Base directory on the server; `recipient` of a lot names a sub-directory of it ('' = this one). */
  remoteDir: string;
  /** Final file name; must stay unique per idempotency key. Default `<idempotencyKey>__<fileName>`. */
  remoteName?: (lot: OutgoingLot) => string;
  /** Write `<final>.meta.json` next to each delivered file. Default true. */
  metaSidecar?: boolean;
  /** Reported when the sidecar cannot be written (the lot itself is delivered: the send still succeeds). */
  onSidecarError?: (err: unknown, remotePath: string) => void;
  /** Upper bound for one whole send; default 10 min. */
  operationTimeoutMs?: number;
  /** Bytes per SFTP WRITE (default 32 KiB, the size every server must accept) and WRITEs in flight (default 8). */
  writeChunkBytes?: number;
  writeConcurrency?: number;
  now?: () => Date;
}

/** Sends lots over SFTP; one SSH connection per send (lots are few and large). */
export class SftpChannel implements TransmissionChannel {
  readonly name = 'sftp' as const;
  private readonly sessions = new Set<SftpSession>();
  private readonly now: () => Date;

  constructor(private readonly opts: SftpChannelOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Uploads the lot (or finds it already delivered); rejects with a ChannelError. */
  async send(lot: OutgoingLot): Promise<SendReceipt> {
    assertValidLot(lot);
    const dir = posix.join(this.opts.remoteDir, ...recipientSubdir(lot));
    const name = (this.opts.remoteName ?? defaultRemoteName)(lot);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new ChannelError('INVALID_LOT', 'unsafe remote name', false);
    const finalPath = posix.join(dir, name);
    const partPath = posix.join(dir, partName(name, lot.attemptId));
    const size = await lotContentSize(lot.content);

    const session = await this.open();
    let phase: 'stat' | 'upload' | 'rename' | 'sidecar' = 'stat';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      session.end();
    }, this.opts.operationTimeoutMs ?? 600_000);
    timer.unref();
    try {
      const existing = await session.stat(finalPath);
      if (existing) return await this.alreadyThere(session, lot, finalPath, existing.isFile() ? existing.size : -1, size);
      phase = 'upload';
      await this.upload(session, lot, partPath, size);
      phase = 'rename';
      try {
        await session.rename(partPath, finalPath);
      } catch (err) {
        // The target appeared meanwhile (a concurrent or earlier attempt), or the rename itself failed.
        const now = session.isClosed ? undefined : await session.stat(finalPath);
        // Connection alive and no final file: certainly not delivered, so not "uncertain".
        if (!now) throw session.isClosed ? err : mapSftpError(err, 'rename');
        await session.remove(partPath).catch(() => undefined);
        return await this.alreadyThere(session, lot, finalPath, now.isFile() ? now.size : -1, size);
      }
      phase = 'sidecar';
      await this.writeSidecar(session, lot, finalPath, size, false);
      return { channel: 'sftp', remoteId: finalPath, acceptedAt: this.now(), alreadyDelivered: false, size };
    } catch (err) {
      if (phase === 'upload' && !session.isClosed) await session.remove(partPath).catch(() => undefined);
      // Only a failure during RENAME leaves us not knowing whether the final name exists.
      if (timedOut) throw new ChannelError('TIMEOUT', `SFTP send timed out (${phase})`, true, { deliveryUncertain: phase === 'rename' });
      throw mapSftpError(err, phase, phase === 'rename');
    } finally {
      clearTimeout(timer);
      this.sessions.delete(session);
      session.end();
    }
  }

  /** Connects and checks that the base directory exists. */
  async ping(): Promise<boolean> {
    try {
      const session = await this.open();
      try {
        return (await session.stat(this.opts.remoteDir))?.isDirectory() === true;
      } finally {
        this.sessions.delete(session);
        session.end();
      }
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.end();
    this.sessions.clear();
  }

  private async open(): Promise<SftpSession> {
    const session = await SftpSession.connect(this.opts);
    this.sessions.add(session);
    return session;
  }

  private async alreadyThere(
    session: SftpSession,
    lot: OutgoingLot,
    finalPath: string,
    foundSize: number,
    size: number,
  ): Promise<SendReceipt> {
    if (foundSize !== size) {
      throw new ChannelError('CONFLICT', 'a different file already exists under this idempotency key', false);
    }
    if (!(await session.stat(metaSidecarName(finalPath)))) await this.writeSidecar(session, lot, finalPath, size, true);
    return { channel: 'sftp', remoteId: finalPath, acceptedAt: this.now(), alreadyDelivered: true, size };
  }

  /** Writes the lot to `partPath`, WRITEs pipelined, then flushes, closes and checks the size. */
  private async upload(session: SftpSession, lot: OutgoingLot, partPath: string, size: number): Promise<void> {
    const chunk = this.opts.writeChunkBytes ?? 32 * 1024;
    const reader = await openLotRangeReader(lot.content);
    try {
      const handle = await session.openForWrite(partPath);
      let next = 0;
      let failed = false;
      const worker = async (): Promise<void> => {
        try {
          while (!failed && next < size) {
            const offset = next;
            next += chunk;
            await session.writeAt(handle, await reader.read(offset, Math.min(chunk, size - offset)), offset);
          }
        } catch (err) {
          failed = true; // stops the other workers from issuing more WRITEs
          throw err;
        }
      };
      try {
        await Promise.all(Array.from({ length: this.opts.writeConcurrency ?? 8 }, worker));
        await session.fsync(handle);
      } catch (err) {
        await session.closeHandle(handle).catch(() => undefined);
        throw err;
      }
      await session.closeHandle(handle);
    } finally {
      await reader.close();
    }
    const written = await session.stat(partPath);
    if (written?.size !== size) throw new ChannelError('REJECTED', 'SFTP upload size mismatch', true);
  }

  private async writeSidecar(
    session: SftpSession,
    lot: OutgoingLot,
    finalPath: string,
    size: number,
    repeatDetected: boolean,
  ): Promise<void> {
    if (this.opts.metaSidecar === false) return;
    const metaPath = metaSidecarName(finalPath);
    try {
      const meta = await sidecarMeta(lot, size, this.now(), repeatDetected);
      const part = partName(metaPath, lot.attemptId);
      const handle = await session.openForWrite(part);
      await session.writeAt(handle, meta, 0);
      await session.closeHandle(handle);
      await session.rename(part, metaPath).catch(async (err) => {
        await session.remove(part).catch(() => undefined);
        throw err;
      });
    } catch (err) {
      this.opts.onSidecarError?.(err, metaPath);
    }
  }
}
