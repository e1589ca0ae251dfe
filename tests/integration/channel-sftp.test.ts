/**
 * SftpChannel against a real in-process SSH/SFTP server on 127.0.0.1 (no mocks): identical bytes, host key
 * pinning, repeat detection by idempotency key, injected failures, no partial file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { generateSshKeyPair, SftpTestServer } from '../support/transport/sftp-test-server';
import { SftpChannel, type SftpChannelOptions } from '../../src/transport/channels/sftp.channel';
import { lot, sendError } from '../support/channel-lots';

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 400 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 25));
  expect(existsSync(path)).toBe(true);
}

describe('SftpChannel', () => {
  const clientKey = generateSshKeyPair();
  const server = new SftpTestServer({ password: 'pw', authorizedKey: clientKey.public });
  const inbox = (): string => join(server.root, 'inbox');
  let base: SftpChannelOptions;

  beforeAll(async () => {
    const port = await server.start();
    mkdirSync(inbox());
    base = {
      host: '127.0.0.1',
      port,
      username: 'hospital',
      privateKey: clientKey.private,
      hostKeySha256: server.hostKeyFingerprint,
      remoteDir: '/inbox',
    };
  });
  afterAll(() => server.stop());

  it('uploads identical bytes under <idempotencyKey>__<fileName>, with a sidecar, and no temporary file left', async () => {
    const channel = new SftpChannel(base);
    expect(await channel.ping()).toBe(true);
    const content = randomBytes(1_500_000);
    const receipt = await channel.send(lot(1, content));
    expect(receipt).toMatchObject({ channel: 'sftp', remoteId: '/inbox/idem-1__B2-1.p7m', alreadyDelivered: false, size: content.length });
    expect(readFileSync(join(inbox(), 'idem-1__B2-1.p7m')).equals(content)).toBe(true);
    const meta = JSON.parse(readFileSync(join(inbox(), 'idem-1__B2-1.p7m.meta.json'), 'utf8'));
    expect(meta).toMatchObject({
      lotId: 'LOT-1',
      attemptId: 'att-1-1',
      idempotencyKey: 'idem-1',
      size: content.length,
      repeatDetected: false,
    });
    expect(readdirSync(inbox()).filter((f) => f.endsWith('.part'))).toEqual([]);
    await channel.close();
  });

  it('uploads a lot given as a local file path, with password authentication', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sftp-lot-'));
    try {
      const content = randomBytes(200_001);
      writeFileSync(join(dir, 'lot.p7m'), content);
      const channel = new SftpChannel({ ...base, privateKey: undefined, password: 'pw' });
      await channel.send(lot(2, { path: join(dir, 'lot.p7m') }));
      expect(readFileSync(join(inbox(), 'idem-2__B2-2.p7m')).equals(content)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('detects a repeat with the same idempotency key and does not overwrite', async () => {
    const channel = new SftpChannel(base);
    const content = randomBytes(10_000);
    await channel.send(lot(3, content, 1));
    const opened = server.uploadsOpened;
    // Same lot, re-encrypted after a crash: same length, other bytes. The delivered file must stay as it was.
    const repeat = await channel.send(lot(3, randomBytes(10_000), 2));
    expect(repeat).toMatchObject({ alreadyDelivered: true, remoteId: '/inbox/idem-3__B2-3.p7m' });
    expect(server.uploadsOpened).toBe(opened);
    expect(readFileSync(join(inbox(), 'idem-3__B2-3.p7m')).equals(content)).toBe(true);
  });

  it('refuses a different file under an existing idempotency key (CONFLICT, not transient)', async () => {
    const channel = new SftpChannel(base);
    await channel.send(lot(4, randomBytes(100)));
    const err = await sendError(channel.send(lot(4, randomBytes(101), 2)));
    expect(err).toMatchObject({ code: 'CONFLICT', transient: false });
  });

  it('refuses a server whose host key is not pinned, before authenticating (AUTH, not transient)', async () => {
    const other = utils.parseKey(generateSshKeyPair().public);
    if (other instanceof Error) throw other;
    const { sshFingerprintSha256 } = await import('../../src/transport/channels/sftp-session');
    const channel = new SftpChannel({ ...base, hostKeySha256: sshFingerprintSha256(other.getPublicSSH()) });
    const err = await sendError(channel.send(lot(5, Buffer.from('x'))));
    expect(err).toMatchObject({ code: 'AUTH', transient: false });
    expect(err.message).toMatch(/host key/);
    expect(await channel.ping()).toBe(false);
    expect(existsSync(join(inbox(), 'idem-5__B2-5.p7m'))).toBe(false);
  });

  it('maps bad credentials to AUTH, not transient', async () => {
    const channel = new SftpChannel({ ...base, privateKey: undefined, password: 'nope' });
    expect(await sendError(channel.send(lot(6, Buffer.from('x'))))).toMatchObject({ code: 'AUTH', transient: false });
  });

  it('maps an injected write failure to a transient error; the partial file never shows under the final name', async () => {
    const channel = new SftpChannel({ ...base, writeConcurrency: 1 });
    const content = randomBytes(300_000);
    server.failNextUploads(1, 'fail-write');
    const err = await sendError(channel.send(lot(7, content, 1)));
    expect(err).toMatchObject({ code: 'REJECTED', transient: true, deliveryUncertain: false });
    expect(existsSync(join(inbox(), 'idem-7__B2-7.p7m'))).toBe(false);
    expect(readdirSync(inbox()).filter((f) => f.startsWith('idem-7'))).toEqual([]); // the .part was removed
    const receipt = await channel.send(lot(7, content, 2));
    expect(receipt.alreadyDelivered).toBe(false);
    expect(readFileSync(join(inbox(), 'idem-7__B2-7.p7m')).equals(content)).toBe(true);
  });

  it('maps a connection dropped mid-upload to UNREACHABLE transient; only a .part is left behind', async () => {
    const channel = new SftpChannel({ ...base, writeConcurrency: 1 });
    const content = randomBytes(300_000);
    server.failNextUploads(1, 'disconnect');
    const err = await sendError(channel.send(lot(8, content, 1)));
    expect(err).toMatchObject({ code: 'UNREACHABLE', transient: true });
    const left = readdirSync(inbox()).filter((f) => f.startsWith('idem-8'));
    expect(left).toEqual(['idem-8__B2-8.p7m.att-8-1.part']);
    expect(readFileSync(join(inbox(), left[0])).length).toBeLessThan(content.length);
    await channel.send(lot(8, content, 2));
    expect(readFileSync(join(inbox(), 'idem-8__B2-8.p7m')).equals(content)).toBe(true);
  });

  it('ends a stalled upload at its deadline (TIMEOUT, transient); meanwhile only the .part is visible', async () => {
    const channel = new SftpChannel({ ...base, writeConcurrency: 1, operationTimeoutMs: 1500 });
    server.failNextUploads(1, 'stall');
    const sending = sendError(channel.send(lot(12, randomBytes(200_000))));
    await waitForFile(join(inbox(), 'idem-12__B2-12.p7m.att-12-1.part'));
    expect(existsSync(join(inbox(), 'idem-12__B2-12.p7m'))).toBe(false);
    expect(await sending).toMatchObject({ code: 'TIMEOUT', transient: true, deliveryUncertain: false });
    expect(existsSync(join(inbox(), 'idem-12__B2-12.p7m'))).toBe(false);
  });

  it('lets exactly one of two concurrent attempts of the same lot deliver it', async () => {
    const channel = new SftpChannel(base);
    const content = randomBytes(400_000);
    const receipts = await Promise.all([channel.send(lot(13, content, 1)), channel.send(lot(13, content, 2))]);
    expect(receipts.map((r) => r.alreadyDelivered).sort()).toEqual([false, true]);
    expect(readdirSync(inbox()).filter((f) => f.startsWith('idem-13'))).toEqual(['idem-13__B2-13.p7m', 'idem-13__B2-13.p7m.meta.json']);
    expect(readFileSync(join(inbox(), 'idem-13__B2-13.p7m')).equals(content)).toBe(true);
  });

  it('maps an upload refused at open to a transient error', async () => {
    const channel = new SftpChannel(base);
    server.failNextUploads(1, 'fail-open');
    expect(await sendError(channel.send(lot(9, Buffer.from('x'))))).toMatchObject({ code: 'REJECTED', transient: true });
  });

  it('refuses a missing destination directory as a permanent rejection', async () => {
    const channel = new SftpChannel(base);
    const err = await sendError(channel.send({ ...lot(10, Buffer.from('x')), recipient: 'no-such-dir' }));
    expect(err).toMatchObject({ code: 'REJECTED', transient: false });
  });

  it('reports a server that is down as UNREACHABLE, transient', async () => {
    const down = new SftpTestServer();
    const port = await down.start();
    const fingerprint = down.hostKeyFingerprint;
    await down.stop();
    const channel = new SftpChannel({ ...base, port, hostKeySha256: fingerprint });
    expect(await sendError(channel.send(lot(11, Buffer.from('x'))))).toMatchObject({ code: 'UNREACHABLE', transient: true });
  });
});
