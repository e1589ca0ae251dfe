/**
 * SFTP v3 request handlers backed by a real local directory, for the SFTP test server: OPEN/READ/WRITE/CLOSE/
 * FSTAT/STAT/LSTAT/OPENDIR/READDIR/REMOVE/RENAME/MKDIR/RMDIR/REALPATH (+ no-op SETSTAT/FSETSTAT).
 *
 * Behaves like OpenSSH where the channels rely on it: RENAME refuses an existing target, STAT of a missing path
 * answers NO_SUCH_FILE. Client paths are resolved against `/` first, so `..` can never leave the root directory.
 */
import { constants as C, promises as fs, type Stats as FsStats } from 'node:fs';
import { join, posix } from 'node:path';
import { type Attributes, type SFTPWrapper, utils } from 'ssh2';

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

/** What the server wants done to an upload that is being opened. */
export type UploadFault = 'fail-open' | 'fail-write' | 'disconnect' | 'stall';

/** Hooks the test server plugs into the backend. */
export interface SftpBackendHooks {
  /** Called on each OPEN for writing; returns the fault to inject into that upload, if any. */
  onUploadOpen(virtualPath: string): UploadFault | undefined;
  /** Drops the client connection (for the `disconnect` fault). */
  disconnect(): void;
}

type Handle = { kind: 'file'; fh: fs.FileHandle; fault?: UploadFault; writes: number } | { kind: 'dir'; local: string; listed: boolean };

function attrsOf(st: FsStats): Attributes {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

function statusOf(err: unknown): number {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return STATUS_CODE.NO_SUCH_FILE;
  if (code === 'EACCES' || code === 'EPERM') return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
}

function fsFlags(flags: number): number {
  let rw = flags & OPEN_MODE.WRITE ? C.O_WRONLY : C.O_RDONLY;
  if (flags & OPEN_MODE.READ && flags & OPEN_MODE.WRITE) rw = C.O_RDWR;
  return (
    rw |
    (flags & OPEN_MODE.CREAT ? C.O_CREAT : 0) |
    (flags & OPEN_MODE.TRUNC ? C.O_TRUNC : 0) |
    (flags & OPEN_MODE.EXCL ? C.O_EXCL : 0) |
    (flags & OPEN_MODE.APPEND ? C.O_APPEND : 0)
  );
}

/** Serves one SFTP session from `root`. */
export function serveDirectory(sftp: SFTPWrapper, root: string, hooks: SftpBackendHooks): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const virtual = (p: string): string => posix.resolve('/', p);
  const local = (p: string): string => join(root, virtual(p));
  const newHandle = (h: Handle): Buffer => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id);
    return buf;
  };
  const handleOf = (buf: Buffer): Handle | undefined => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  /** Runs a request; any thrown fs error becomes the matching SFTP status. */
  const run = (reqid: number, fn: () => Promise<void>): void => {
    fn().catch((err) => sftp.status(reqid, statusOf(err)));
  };

  sftp.on('OPEN', (reqid, filename, flags) =>
    run(reqid, async () => {
      const writing = (flags & OPEN_MODE.WRITE) !== 0;
      const fault = writing ? hooks.onUploadOpen(virtual(filename)) : undefined;
      if (fault === 'fail-open') return sftp.status(reqid, STATUS_CODE.FAILURE, 'injected upload failure');
      const fh = await fs.open(local(filename), fsFlags(flags), 0o640);
      sftp.handle(reqid, newHandle({ kind: 'file', fh, fault, writes: 0 }));
    }),
  );

  sftp.on('WRITE', (reqid, handle, offset, data) =>
    run(reqid, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE);
      // Faults hit after the first WRITE, so that a partial temporary file exists on disk.
      if (h.fault && h.writes >= 1) {
        if (h.fault === 'disconnect') return hooks.disconnect();
        if (h.fault === 'stall') return; // never answered: the client's own deadline must end the upload
        return sftp.status(reqid, STATUS_CODE.FAILURE, 'injected write failure');
      }
      h.writes++;
      await h.fh.write(data, 0, data.length, offset);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('READ', (reqid, handle, offset, length) =>
    run(reqid, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await h.fh.read(buf, 0, length, offset);
      if (bytesRead === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, buf.subarray(0, bytesRead));
    }),
  );

  sftp.on('FSTAT', (reqid, handle) =>
    run(reqid, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE);
      sftp.attrs(reqid, attrsOf(await h.fh.stat()));
    }),
  );

  sftp.on('CLOSE', (reqid, handle) =>
    run(reqid, async () => {
      const h = handleOf(handle);
      if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE);
      handles.delete(handle.readUInt32BE(0));
      if (h.kind === 'file') await h.fh.close();
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('OPENDIR', (reqid, path) =>
    run(reqid, async () => {
      const st = await fs.stat(local(path));
      if (!st.isDirectory()) return sftp.status(reqid, STATUS_CODE.FAILURE, 'not a directory');
      sftp.handle(reqid, newHandle({ kind: 'dir', local: local(path), listed: false }));
    }),
  );

  sftp.on('READDIR', (reqid, handle) =>
    run(reqid, async () => {
      const h = handleOf(handle);
      if (h?.kind !== 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE);
      if (h.listed) return sftp.status(reqid, STATUS_CODE.EOF);
      h.listed = true;
      const names = await fs.readdir(h.local);
      const entries = [];
      for (const filename of names) {
        const st = await fs.lstat(join(h.local, filename)).catch(() => undefined);
        if (!st) continue; // removed meanwhile
        const kind = st.isDirectory() ? 'd' : '-';
        entries.push({ filename, longname: `${kind}rw-r----- 1 sftp sftp ${st.size} Jan 1 00:00 ${filename}`, attrs: attrsOf(st) });
      }
      if (entries.length === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.name(reqid, entries);
    }),
  );

  for (const ev of ['STAT', 'LSTAT'] as const) {
    sftp.on(ev, (reqid: number, path: string) =>
      run(reqid, async () => {
        sftp.attrs(reqid, attrsOf(ev === 'STAT' ? await fs.stat(local(path)) : await fs.lstat(local(path))));
      }),
    );
  }

  sftp.on('REMOVE', (reqid, path) =>
    run(reqid, async () => {
      await fs.unlink(local(path));
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('RENAME', (reqid, from, to) =>
    run(reqid, async () => {
      // OpenSSH implements SFTP v3 RENAME with link()+unlink(): an existing target is refused, never replaced.
      await fs.link(local(from), local(to));
      await fs.unlink(local(from));
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('MKDIR', (reqid, path) =>
    run(reqid, async () => {
      await fs.mkdir(local(path));
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('RMDIR', (reqid, path) =>
    run(reqid, async () => {
      await fs.rmdir(local(path));
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );

  sftp.on('REALPATH', (reqid, path) => {
    const v = virtual(path);
    sftp.name(reqid, [{ filename: v, longname: v, attrs: {} as Attributes }]);
  });

  for (const ev of ['SETSTAT', 'FSETSTAT'] as const) {
    sftp.on(ev, (reqid: number) => sftp.status(reqid, STATUS_CODE.OK));
  }
  sftp.on('EXTENDED', (reqid) => sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED));

  sftp.on('close', () => {
    for (const h of handles.values()) if (h.kind === 'file') void h.fh.close().catch(() => undefined);
    handles.clear();
  });
}
