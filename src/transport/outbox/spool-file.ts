/**
 * The spool: one signed + encrypted file per transmission, written before the transmission row exists and read by
 * every send attempt. Files appear atomically (`.part`, fsync, rename, fsync of the directory), so a row never
 * points at a file that a power loss could still take back.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { fsyncParentDir } from '../channels/local-atomic-file';

/** Size and lowercase hex SHA-256 of a file, read back from disk. */
export interface SpoolDigest {
  bytes: number;
  sha256: string;
}

/** Streams the file once: its size and SHA-256. */
export async function digestFile(path: string): Promise<SpoolDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    bytes += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Writes parts (e.g. encryptCms output) to `path` durably and atomically. */
export async function writeSpoolFile(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const part = `${path}.part`;
  try {
    const fh = await open(part, 'wx', 0o600);
    try {
      for (const p of parts) await fh.write(p);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(part, path);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  await fsyncParentDir(path);
}

/**
 * Self-check of a freshly written spool file: it must have exactly the length the encryption announced, and its
 * digest is taken from the bytes on disk (what the channels will read), not from memory. When `expectedSha256` is
 * known (in-memory encryption) the disk copy must match it.
 */
export async function checkSpoolFile(path: string, expectedBytes: number, expectedSha256?: string): Promise<SpoolDigest> {
  const size = (await stat(path)).size;
  if (size !== expectedBytes) throw new Error(`spool self-check failed: ${size} bytes on disk, ${expectedBytes} expected`);
  const digest = await digestFile(path);
  if (digest.bytes !== expectedBytes) throw new Error('spool self-check failed: file changed while being read');
  if (expectedSha256 && digest.sha256 !== expectedSha256) throw new Error('spool self-check failed: SHA-256 differs from what was written');
  return digest;
}

/** Removes a spool file that no row will ever reference (lost race, failed self-check). */
export async function discardSpoolFile(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.part`, { force: true });
}
