/**
 * ReturnsPoller with a real SFTP source (in-process SSH server on 127.0.0.1) and a real local drop directory:
 * each file handled once, store-then-acknowledge, retry after a handler failure, no overlapping runs.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SftpTestServer } from '../support/transport/sftp-test-server';
import { FileDropReturnsSource } from '../../src/transport/returns/file-drop-returns.source';
import { type ReturnsPollError, ReturnsPoller } from '../../src/transport/returns/returns-poller';
import { type ReceivedReturnFile } from '../../src/transport/returns/returns-source';
import { SftpReturnsSource } from '../../src/transport/returns/sftp-returns.source';
import { waitFor } from '../support/wait-for';

const LOT_ID = /^(?:ARL|RSP)_(?<lotId>LOT-\d+)/;

describe('ReturnsPoller', () => {
  const server = new SftpTestServer({ password: 'pw' });
  const remote = (): string => join(server.root, 'returns');
  let localDir: string;
  let sftpSource: SftpReturnsSource;
  let dropSource: FileDropReturnsSource;
  let received: ReceivedReturnFile[];
  let errors: ReturnsPollError[];

  beforeAll(async () => {
    await server.start();
  });
  afterAll(() => server.stop());

  beforeEach(() => {
    rmSync(remote(), { recursive: true, force: true });
    mkdirSync(remote());
    localDir = mkdtempSync(join(tmpdir(), 'returns-drop-'));
    sftpSource = new SftpReturnsSource({
      name: 'sftp:cpam-75',
      host: '127.0.0.1',
      port: server.port,
      username: 'hospital',
      password: 'pw',
      hostKeySha256: server.hostKeyFingerprint,
      remoteDir: '/returns',
      acknowledge: 'move-to-done',
    });
    dropSource = new FileDropReturnsSource({ name: 'drop:concentrator', directory: localDir, acknowledge: 'delete' });
    received = [];
    errors = [];
  });
  afterEach(async () => {
    await sftpSource.close();
    rmSync(localDir, { recursive: true, force: true });
  });

  function poller(handler?: (f: ReceivedReturnFile) => Promise<void>, intervalMs = 60_000): ReturnsPoller {
    return new ReturnsPoller({
      sources: [sftpSource, dropSource],
      intervalMs,
      lotIdPattern: LOT_ID,
      handler:
        handler ??
        (async (f) => {
          received.push(f);
        }),
      onError: (e) => errors.push(e),
    });
  }

  it('hands every file of both sources to the handler once, then acknowledges it', async () => {
    writeFileSync(join(remote(), 'ARL_LOT-1.xml'), 'arl-1');
    writeFileSync(join(remote(), 'RSP_LOT-2.noe'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(join(remote(), 'upload.part'), 'still being written');
    writeFileSync(join(localDir, 'ARL_LOT-3.xml'), 'arl-3');
    writeFileSync(join(localDir, 'unrelated.txt'), 'no lot id');
    const p = poller(undefined, 50);
    p.start();
    await waitFor('4 returns', async () => received.length >= 4);
    await p.runOnce(); // another full run: nothing new
    await p.stop();

    expect(received.map((f) => [f.source, f.name, f.lotId]).sort()).toEqual([
      ['drop:concentrator', 'ARL_LOT-3.xml', 'LOT-3'],
      ['drop:concentrator', 'unrelated.txt', undefined],
      ['sftp:cpam-75', 'ARL_LOT-1.xml', 'LOT-1'],
      ['sftp:cpam-75', 'RSP_LOT-2.noe', 'LOT-2'],
    ]);
    expect(received.find((f) => f.name === 'RSP_LOT-2.noe')?.content).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(readdirSync(remote()).sort()).toEqual(['done', 'upload.part']);
    expect(readdirSync(join(remote(), 'done')).sort()).toEqual(['ARL_LOT-1.xml', 'RSP_LOT-2.noe']);
    expect(readdirSync(localDir)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('leaves a file whose handler failed, reports it, and retries it on the next run', async () => {
    writeFileSync(join(remote(), 'ARL_LOT-10.xml'), 'arl-10');
    writeFileSync(join(localDir, 'ARL_LOT-11.xml'), 'arl-11');
    let failures = 1;
    const p = poller(async (f) => {
      if (f.name === 'ARL_LOT-10.xml' && failures-- > 0) throw new Error('store unavailable');
      received.push(f);
    });
    expect(await p.runOnce()).toEqual({ handled: 1, failed: 1 });
    expect(errors.map((e) => [e.phase, e.source, e.fileName])).toEqual([['handle', 'sftp:cpam-75', 'ARL_LOT-10.xml']]);
    expect(readdirSync(remote())).toContain('ARL_LOT-10.xml'); // not acknowledged

    expect(await p.runOnce()).toEqual({ handled: 1, failed: 0 });
    expect(received.map((f) => f.name).sort()).toEqual(['ARL_LOT-10.xml', 'ARL_LOT-11.xml']);
    expect(readdirSync(join(remote(), 'done'))).toEqual(['ARL_LOT-10.xml']);
  });

  it('after a failed acknowledgement, retries only the acknowledgement (the handler already stored the file)', async () => {
    writeFileSync(join(localDir, 'RSP_LOT-20.noe'), 'rsp');
    writeFileSync(join(localDir, 'done'), 'a file in the way of the done/ directory');
    // A file named 'done' (kept out of the listing) makes creating the done/ directory fail.
    const archiving = new FileDropReturnsSource({
      name: 'drop:archive',
      directory: localDir,
      acknowledge: 'move-to-done',
      exclude: /^done$/,
    });
    const p = new ReturnsPoller({
      sources: [archiving],
      intervalMs: 60_000,
      handler: async (f) => {
        received.push(f);
      },
      onError: (e) => errors.push(e),
    });
    expect(await p.runOnce()).toEqual({ handled: 0, failed: 1 });
    expect(errors.map((e) => [e.phase, e.fileName])).toEqual([['acknowledge', 'RSP_LOT-20.noe']]);
    rmSync(join(localDir, 'done'));
    expect(await p.runOnce()).toEqual({ handled: 1, failed: 0 });
    expect(received.filter((f) => f.name === 'RSP_LOT-20.noe')).toHaveLength(1);
    expect(readFileSync(join(localDir, 'done', 'RSP_LOT-20.noe'), 'utf8')).toBe('rsp');
  });

  it('never overlaps runs: concurrent triggers join the running one, and stop() waits for it', async () => {
    for (let i = 0; i < 3; i++) writeFileSync(join(remote(), `ARL_LOT-3${i}.xml`), `arl-${i}`);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let inHandler = 0;
    let maxInHandler = 0;
    const p = poller(async (f) => {
      inHandler++;
      maxInHandler = Math.max(maxInHandler, inHandler);
      await gate;
      received.push(f);
      inHandler--;
    }, 1);
    p.start();
    await waitFor('the first file in the handler', async () => inHandler === 1);
    const joined = [p.runOnce(), p.runOnce()];
    expect(joined[0]).toBe(joined[1]);
    let stopped = false;
    const stopping = p.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false); // still inside the handler
    release();
    await stopping;
    expect(maxInHandler).toBe(1);
    // stop() let the current file finish and did not start the others; a later run takes them, each once.
    expect(received).toHaveLength(1);
    await p.runOnce();
    expect(received.map((f) => f.name).sort()).toEqual(['ARL_LOT-30.xml', 'ARL_LOT-31.xml', 'ARL_LOT-32.xml']);
  });

  it('archives under another name when done/ already holds that name; deletes in delete mode; skips young files', async () => {
    mkdirSync(join(remote(), 'done'));
    writeFileSync(join(remote(), 'done', 'ARL_DAILY.xml'), 'yesterday');
    writeFileSync(join(remote(), 'ARL_DAILY.xml'), 'today');
    const p = poller();
    await p.runOnce();
    const archived = readdirSync(join(remote(), 'done')).sort();
    expect(archived).toHaveLength(2);
    expect(archived[0]).toBe('ARL_DAILY.xml');
    expect(readFileSync(join(remote(), 'done', 'ARL_DAILY.xml'), 'utf8')).toBe('yesterday');
    expect(readFileSync(join(remote(), 'done', archived[1]), 'utf8')).toBe('today');

    const deleting = new SftpReturnsSource({
      name: 'sftp:delete',
      host: '127.0.0.1',
      port: server.port,
      username: 'hospital',
      password: 'pw',
      hostKeySha256: server.hostKeyFingerprint,
      remoteDir: '/returns',
      acknowledge: 'delete',
    });
    const patient = new FileDropReturnsSource({ name: 'drop:young', directory: localDir, acknowledge: 'delete', minAgeMs: 3_600_000 });
    writeFileSync(join(remote(), 'RSP_LOT-50.noe'), 'rsp');
    writeFileSync(join(localDir, 'RSP_LOT-51.noe'), 'just written');
    const p2 = new ReturnsPoller({
      sources: [deleting, patient],
      intervalMs: 60_000,
      handler: async (f) => {
        received.push(f);
      },
    });
    expect(await p2.runOnce()).toEqual({ handled: 1, failed: 0 });
    expect(readdirSync(remote())).toEqual(['done']);
    expect(readdirSync(localDir)).toEqual(['RSP_LOT-51.noe']); // younger than minAgeMs: left for a later run
    await deleting.close();
  });

  it('reports an unreachable source and carries on with the others', async () => {
    const deadSftp = new SftpReturnsSource({
      name: 'sftp:down',
      host: '127.0.0.1',
      port: 1,
      username: 'x',
      password: 'y',
      hostKeySha256: server.hostKeyFingerprint,
      remoteDir: '/returns',
      acknowledge: 'delete',
    });
    writeFileSync(join(localDir, 'ARL_LOT-40.xml'), 'arl');
    const p = new ReturnsPoller({
      sources: [deadSftp, dropSource],
      intervalMs: 60_000,
      handler: async (f) => {
        received.push(f);
      },
      onError: (e) => errors.push(e),
    });
    expect(await p.runOnce()).toEqual({ handled: 1, failed: 0 });
    expect(errors.map((e) => [e.phase, e.source])).toEqual([['list', 'sftp:down']]);
    expect(existsSync(join(localDir, 'ARL_LOT-40.xml'))).toBe(false);
  });
});
