/**
 * Uniform access to the bytes of a lot, whether held in memory or in a local file, without loading a large file
 * whole: channels read it by ranges (SFTP writes) or as a stream (SMTP base64 body).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ChannelError, type LotContent } from './transmission-channel';

/** Size in bytes; a missing file is INVALID_LOT (the outbox handed us a path that does not exist). */
export async function lotContentSize(content: LotContent): Promise<number> {
  if (Buffer.isBuffer(content)) return content.length;
  try {
    const st = await stat(content.path);
    if (!st.isFile()) throw new Error('not a regular file');
    return st.size;
  } catch (err) {
    throw new ChannelError('INVALID_LOT', 'lot content file is not readable', false, { cause: err });
  }
}

/** Lowercase hex SHA-256 of the lot bytes: lets a receiver check integrity and compare a repeat. */
/** The sidecar's body: what was delivered under the final name, for the receiver and for audits. */
export async function sidecarMeta(
  lot: { lotId: string; idempotencyKey: string; attemptId: string; fileName: string; content: LotContent },
  size: number,
  writtenAt: Date,
  repeatDetected: boolean,
): Promise<Buffer> {
  return Buffer.from(
    JSON.stringify(
      {
        lotId: lot.lotId,
        idempotencyKey: lot.idempotencyKey,
        attemptId: lot.attemptId,
        fileName: lot.fileName,
        size,
        writtenAt: writtenAt.toISOString(),
        repeatDetected,
        // On a repeat our bytes may be a re-encryption, not what was delivered: no digest rather than a wrong one.
        sha256: repeatDetected ? undefined : await lotContentSha256(lot.content),
      },
      null,
      2,
    ),
  );
}

export async function lotContentSha256(content: LotContent): Promise<string> {
  const hash = createHash('sha256');
  if (Buffer.isBuffer(content)) return hash.update(content).digest('hex');
  for await (const chunk of createReadStream(content.path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A fresh readable stream over the lot bytes. */
export function lotContentStream(content: LotContent): Readable {
  return Buffer.isBuffer(content) ? Readable.from([content]) : createReadStream(content.path);
}

/** Reads ranges of the lot; `close` must be called (it releases the file descriptor of file content). */
export interface LotRangeReader {
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Opens a range reader over the lot bytes. */
export async function openLotRangeReader(content: LotContent): Promise<LotRangeReader> {
  if (Buffer.isBuffer(content)) {
    return { read: async (offset, length) => content.subarray(offset, offset + length), close: async () => undefined };
  }
  const fh = await open(content.path, 'r');
  return {
    read: async (offset, length) => {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    },
    close: () => fh.close(),
  };
}
