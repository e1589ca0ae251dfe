/**
 * One SSH connection + SFTP subsystem, promisified, with the server's host key pinned by SHA-256 fingerprint:
 * an unknown host key is refused during the handshake, before any credential is sent.
 * Shared by the SFTP channel (uploads) and the SFTP returns source (downloads).
 */
import { createHash } from 'node:crypto';
import { Client, type FileEntryWithStats, type SFTPWrapper, type Stats } from 'ssh2';
import { ChannelError } from './transmission-channel';

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that we branch on. */
export const SFTP_STATUS = { EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, OP_UNSUPPORTED: 8 } as const;

/** How to reach and authenticate to an SFTP server. */
export interface SftpConnectionOptions {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  password?: string;
  privateKey?: string | Buffer;
  passphrase?: string;
  /**
   * Accepted host key fingerprints, OpenSSH style `SHA256:<base64>` (as `ssh-keygen -lf` prints it). Several
   * during a key rollover. Required: there is no "trust on first use".
   */
  hostKeySha256: string | string[];
  /** SSH handshake + authentication; default 20 s. */
  readyTimeoutMs?: number;
  /** SSH keep-alive interval; default 15 s (0 = off). */
  keepaliveIntervalMs?: number;
}

/** OpenSSH-style fingerprint `SHA256:<unpadded base64>` of a host key blob (SSH wire format). */
export function sshFingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

function normaliseFingerprint(fp: string): string {
  return fp
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');
}

type ErrWithCode = Error & { code?: unknown; level?: string };

/** Maps an ssh2 / SFTP error to a ChannelError. `context` names the step, never a file content. */
export function mapSftpError(raw: unknown, context: string, deliveryUncertain = false): ChannelError {
  if (raw instanceof ChannelError) return raw;
  const err = (typeof raw === 'object' && raw !== null ? raw : new Error(String(raw))) as ErrWithCode;
  const opts = { cause: err, deliveryUncertain };
  if (typeof err.code === 'number') {
    switch (err.code) {
      case SFTP_STATUS.PERMISSION_DENIED:
        return new ChannelError('REJECTED', `SFTP permission denied (${context})`, false, opts);
      case SFTP_STATUS.NO_SUCH_FILE:
        return new ChannelError('REJECTED', `SFTP no such file or directory (${context})`, false, opts);
      case SFTP_STATUS.OP_UNSUPPORTED:
        return new ChannelError('REJECTED', `SFTP operation unsupported (${context})`, false, opts);
      default:
        // FAILURE is SFTP v3's catch-all (disk full, quota, I/O error…): worth a retry.
        return new ChannelError('REJECTED', `SFTP failure ${err.code} (${context})`, true, opts);
    }
  }
  if (err.level === 'client-authentication') {
    return new ChannelError('AUTH', `SFTP authentication failed (${context})`, false, opts);
  }
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') {
    return new ChannelError('TIMEOUT', `SFTP timed out (${context})`, true, opts);
  }
  const code = typeof err.code === 'string' ? err.code : 'CONNECTION_LOST';
  return new ChannelError('UNREACHABLE', `SFTP connection failed: ${code} (${context})`, true, opts);
}

type Done<T> = (err: Error | undefined | null, value?: T) => void;

/** An open SFTP session; `end()` it when done. Methods reject with raw ssh2 errors (map with mapSftpError). */
export class SftpSession {
  private closed = false;

  private constructor(
    private readonly client: Client,
    readonly sftp: SFTPWrapper,
  ) {
    client.on('close', () => {
      this.closed = true;
    });
  }

  /** Connects, checks the host key, authenticates and opens the SFTP subsystem; rejects with a ChannelError. */
  static connect(opts: SftpConnectionOptions): Promise<SftpSession> {
    const pins = new Set((Array.isArray(opts.hostKeySha256) ? opts.hostKeySha256 : [opts.hostKeySha256]).map(normaliseFingerprint));
    if (pins.size === 0 || pins.has('')) return Promise.reject(new Error('SFTP: hostKeySha256 is required'));
    let hostKeyRefused = false;
    const client = new Client();
    return new Promise<SftpSession>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        client.end();
        reject(
          hostKeyRefused
            ? new ChannelError('AUTH', 'SFTP host key does not match the pinned fingerprint', false, { cause: err })
            : mapSftpError(err, 'connect'),
        );
      };
      // After `ready`, errors also surface on the pending SFTP requests; this listener keeps them from crashing.
      client.on('error', fail);
      client.on('close', () => fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' })));
      client.on('ready', () => {
        client.sftp((err, sftp) => {
          if (err) return fail(err);
          settled = true;
          resolve(new SftpSession(client, sftp));
        });
      });
      client.connect({
        host: opts.host,
        port: opts.port ?? 22,
        username: opts.username,
        password: opts.password,
        privateKey: opts.privateKey,
        passphrase: opts.passphrase,
        readyTimeout: opts.readyTimeoutMs ?? 20_000,
        keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
        hostVerifier: (key: Buffer) => {
          const ok = pins.has(normaliseFingerprint(sshFingerprintSha256(key)));
          hostKeyRefused = !ok;
          return ok;
        },
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Promisifies one SFTP request. Requests made after the connection closed fail at once: ssh2 would queue them
   * and never call back (those in flight at close time are failed by ssh2 itself).
   */
  private cb<T>(fn: (done: Done<T>) => void): Promise<T> {
    if (this.closed) return Promise.reject(Object.assign(new Error('SFTP connection closed'), { code: 'ECONNRESET' }));
    return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
  }

  /** Attributes of `path`, or undefined when it does not exist. */
  async stat(path: string): Promise<Stats | undefined> {
    try {
      return await this.cb<Stats>((d) => this.sftp.stat(path, d));
    } catch (err) {
      if ((err as ErrWithCode).code === SFTP_STATUS.NO_SUCH_FILE) return undefined;
      throw err;
    }
  }

  /** Opens `path` for writing, created or truncated. */
  openForWrite(path: string): Promise<Buffer> {
    return this.cb<Buffer>((d) => this.sftp.open(path, 'w', 0o640, d));
  }

  writeAt(handle: Buffer, data: Buffer, position: number): Promise<void> {
    return this.cb<void>((d) => this.sftp.write(handle, data, 0, data.length, position, d));
  }

  /** fsync@openssh.com when the server offers it; false when it does not (the server then decides durability). */
  async fsync(handle: Buffer): Promise<boolean> {
    try {
      await this.cb<unknown>((d) => this.sftp.ext_openssh_fsync(handle, d));
      return true;
    } catch (err) {
      if (/does not support/i.test((err as Error).message)) return false;
      throw err;
    }
  }

  closeHandle(handle: Buffer): Promise<void> {
    return this.cb<void>((d) => this.sftp.close(handle, d));
  }

  /** SFTP v3 RENAME: fails when the target exists on OpenSSH-like servers, which is what we rely on (no overwrite). */
  rename(from: string, to: string): Promise<void> {
    return this.cb<void>((d) => this.sftp.rename(from, to, d));
  }

  remove(path: string): Promise<void> {
    return this.cb<void>((d) => this.sftp.unlink(path, d));
  }

  mkdir(path: string): Promise<void> {
    return this.cb<void>((d) => this.sftp.mkdir(path, d));
  }

  readdir(path: string): Promise<FileEntryWithStats[]> {
    return this.cb<FileEntryWithStats[]>((d) => this.sftp.readdir(path, d));
  }

  readFile(path: string): Promise<Buffer> {
    return this.cb<Buffer>((d) => this.sftp.readFile(path, d));
  }

  /** Closes the connection (idempotent). */
  end(): void {
    this.closed = true;
    this.client.end();
  }
}
