/**
 * FileDropChannel on a real temporary directory: identical bytes, atomic publish, repeat detection, conflicts,
 * sub-directory recipients, error mapping.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDropChannel } from '../../src/transport/channels/file-drop.channel';
import { lot, sendError } from '../support/channel-lots';

describe('FileDropChannel', () => {
  let dir: string;
  let channel: FileDropChannel;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-drop-'));
    channel = new FileDropChannel({ directory: dir });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes identical bytes under <idempotencyKey>__<fileName> with a sidecar and no temporary file', async () => {
    expect(await channel.ping()).toBe(true);
    const content = randomBytes(2 * 1024 * 1024);
    const receipt = await channel.send(lot(1, content));
    expect(receipt).toMatchObject({
      channel: 'file-drop',
      remoteId: join(dir, 'idem-1__B2-1.p7m'),
      alreadyDelivered: false,
      size: content.length,
    });
    expect(readFileSync(join(dir, 'idem-1__B2-1.p7m')).equals(content)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['idem-1__B2-1.p7m', 'idem-1__B2-1.p7m.meta.json']);
    expect(JSON.parse(readFileSync(join(dir, 'idem-1__B2-1.p7m.meta.json'), 'utf8'))).toMatchObject({
      lotId: 'LOT-1',
      attemptId: 'att-1-1',
    });
  });

  it('copies a lot given as a file path, into a recipient sub-directory, without sidecar when disabled', async () => {
    mkdirSync(join(dir, 'cpam-751'));
    const src = mkdtempSync(join(tmpdir(), 'file-drop-src-'));
    try {
      const content = randomBytes(100_000);
      writeFileSync(join(src, 'lot.p7m'), content);
      const plain = new FileDropChannel({ directory: dir, metaSidecar: false });
      await plain.send(lot(2, { path: join(src, 'lot.p7m') }, 1, 'cpam-751'));
      expect(readdirSync(join(dir, 'cpam-751'))).toEqual(['idem-2__B2-2.p7m']);
      expect(readFileSync(join(dir, 'cpam-751', 'idem-2__B2-2.p7m')).equals(content)).toBe(true);
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });

  it('answers alreadyDelivered to a repeat and leaves the delivered file untouched', async () => {
    const content = randomBytes(5000);
    await channel.send(lot(3, content, 1));
    const repeat = await channel.send(lot(3, randomBytes(5000), 2));
    expect(repeat).toMatchObject({ alreadyDelivered: true, remoteId: join(dir, 'idem-3__B2-3.p7m') });
    expect(readFileSync(join(dir, 'idem-3__B2-3.p7m')).equals(content)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('lets exactly one of concurrent attempts publish', async () => {
    const content = randomBytes(300_000);
    const receipts = await Promise.all([1, 2, 3].map((a) => channel.send(lot(4, content, a))));
    expect(receipts.filter((r) => !r.alreadyDelivered)).toHaveLength(1);
    expect(readdirSync(dir).filter((f) => !f.endsWith('.meta.json'))).toEqual(['idem-4__B2-4.p7m']);
  });

  it('refuses a different file under an existing key (CONFLICT), and unsafe names (INVALID_LOT)', async () => {
    await channel.send(lot(5, randomBytes(10)));
    expect(await sendError(channel.send(lot(5, randomBytes(11), 2)))).toMatchObject({ code: 'CONFLICT', transient: false });
    expect(await sendError(channel.send({ ...lot(6, Buffer.from('x')), fileName: '../escape.p7m' }))).toMatchObject({
      code: 'INVALID_LOT',
    });
    expect(await sendError(channel.send(lot(6, Buffer.from('x'), 1, '../up')))).toMatchObject({ code: 'INVALID_LOT' });
    expect(existsSync(join(dir, '..', 'escape.p7m'))).toBe(false);
  });

  it('treats a missing drop folder as transient (a share that is not mounted right now)', async () => {
    const gone = new FileDropChannel({ directory: join(dir, 'not-mounted') });
    expect(await gone.ping()).toBe(false);
    expect(await sendError(gone.send(lot(7, Buffer.from('x'))))).toMatchObject({ code: 'UNREACHABLE', transient: true });
  });

  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  /**
   * Root ignores directory permissions, and the tests run as root here: then the send runs in a child process
   * as the unprivileged user `nobody`, for whom the folder really is read-only.
   */
  it('treats a read-only folder as a permanent rejection', async () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      if (!asRoot) {
        const channel2 = new FileDropChannel({ directory: ro });
        expect(await sendError(channel2.send(lot(8, Buffer.from('x'))))).toMatchObject({ code: 'REJECTED', transient: false });
        return;
      }
      chmodSync(dir, 0o755);
      // The checkout may sit in a folder `nobody` cannot enter (a private clone): the child loads a copy of the
      // compiled channels (they need only Node's own modules) from the test's folder.
      const channels = join(dir, 'channels');
      cpSync(join(__dirname, '..', '..', 'dist', 'src', 'transport', 'channels'), channels, { recursive: true });
      const module = join(channels, 'file-drop.channel.js');
      const script = `const { FileDropChannel } = require(${JSON.stringify(module)});
        new FileDropChannel({ directory: ${JSON.stringify(ro)} })
          .send({ lotId: 'L8', attemptId: 'A8', idempotencyKey: 'K8', fileName: 'f8.p7m', content: Buffer.from('x'), contentType: 'application/octet-stream', recipient: '' })
          .then(() => console.log(JSON.stringify({ sent: true })), (e) => console.log(JSON.stringify({ code: e.code, transient: e.transient })));`;
      const out = execFileSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
      expect(JSON.parse(out.trim())).toEqual({ code: 'REJECTED', transient: false });
    } finally {
      chmodSync(ro, 0o755);
    }
  });
});
