/**
 * SmtpChannel against a real in-process SMTP server on 127.0.0.1 (no mocks): bytes, headers, reply-code mapping,
 * STARTTLS with a throwaway openssl certificate, and a repeat after a dropped acknowledgement.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpTestServer } from '../support/transport/smtp-test-server';
import { makeThrowawayCertificate, type ThrowawayCertificate } from '../support/transport/throwaway-certificate';
import { SmtpChannel } from '../../src/transport/channels/smtp.channel';
import { lot as channelLot, sendError } from '../support/channel-lots';

const lot = (n: number, content: Parameters<typeof channelLot>[1], attempt = 1) =>
  channelLot(n, content, attempt, 'fides@cpam-test.example');

/** A port nothing listens on: bind an ephemeral one, then release it. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('SmtpChannel (plaintext test server)', () => {
  const server = new SmtpTestServer();
  let channel: SmtpChannel;

  beforeAll(async () => {
    const port = await server.start();
    channel = new SmtpChannel({ host: '127.0.0.1', port, security: 'insecure-plaintext', from: 'billing@hospital.example' });
  });
  afterAll(async () => {
    await channel.close();
    await server.stop();
  });
  beforeEach(() => server.reset());

  it('delivers a 2 MB binary lot byte-identical, with the lot headers', async () => {
    const content = randomBytes(2 * 1024 * 1024);
    const receipt = await channel.send(lot(1, content));
    expect(receipt).toMatchObject({ channel: 'smtp', remoteId: '<att-1-1@passerelle>', alreadyDelivered: false, size: content.length });
    expect(receipt.serverResponse).toMatch(/^250/);

    const [mail] = await server.waitForMessages(1);
    const h = mail.parsed.headers;
    expect(h.get('x-passerelle-lot-id')).toBe('LOT-1');
    expect(h.get('x-passerelle-idempotency-key')).toBe('idem-1');
    expect(h.get('x-passerelle-attempt-id')).toBe('att-1-1');
    expect(mail.parsed.messageId).toBe('<att-1-1@passerelle>');
    expect(mail.parsed.subject).toContain('LOT-1');
    expect(mail.envelope).toEqual({ from: 'billing@hospital.example', to: ['fides@cpam-test.example'] });

    const raw = mail.raw.toString('latin1');
    const [head, body] = raw.split('\r\n\r\n', 2);
    expect(head).toMatch(/Content-Type: application\/pkcs7-mime; smime-type=enveloped-data;\s+name=B2-1\.p7m/);
    expect(head).toMatch(/Content-Transfer-Encoding: base64/);
    expect(head).toMatch(/X-Passerelle-Idempotency-Key: idem-1/);
    expect(body.split('\r\n').every((line) => line.length <= 76)).toBe(true);
    expect(Buffer.from(body.replace(/\r\n/g, ''), 'base64').equals(content)).toBe(true);
    expect(mail.parsed.attachments).toHaveLength(1);
    expect(mail.parsed.attachments[0].content.equals(content)).toBe(true);
  });

  it('streams a lot given as a file path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smtp-lot-'));
    try {
      const content = randomBytes(300_000);
      writeFileSync(join(dir, 'lot.p7m'), content);
      await channel.send(lot(2, { path: join(dir, 'lot.p7m') }));
      const [mail] = await server.waitForMessages(1);
      expect(mail.parsed.attachments[0].content.equals(content)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps a 4xx to a transient REJECTED error, then succeeds on retry', async () => {
    server.rejectNext(1, 451, 'Try again later');
    const err = await sendError(channel.send(lot(3, Buffer.from('x'), 1)));
    expect(err).toMatchObject({ code: 'REJECTED', transient: true });
    const receipt = await channel.send(lot(3, Buffer.from('x'), 2));
    expect(receipt.remoteId).toBe('<att-3-2@passerelle>');
    expect(server.messages()).toHaveLength(1);
  });

  it('maps a 5xx to a permanent REJECTED error', async () => {
    server.rejectNext(1, 554, 'Lot refused');
    const err = await sendError(channel.send(lot(4, Buffer.from('x'))));
    expect(err).toMatchObject({ code: 'REJECTED', transient: false });
    expect(server.messages()).toHaveLength(0);
  });

  it('flags a connection dropped after the data as deliveryUncertain; the repeat carries the same key', async () => {
    server.dropNext(1, 'after-data');
    const err = await sendError(channel.send(lot(5, Buffer.from('lot-5'), 1)));
    expect(err).toMatchObject({ code: 'UNREACHABLE', transient: true, deliveryUncertain: true });
    await channel.send(lot(5, Buffer.from('lot-5'), 2));
    expect(server.messages().map((m) => m.idempotencyKey)).toEqual(['idem-5', 'idem-5']);
    expect(server.duplicateCount()).toBe(1);
  });

  it('refuses to send when STARTTLS is required but not offered (AUTH, not transient)', async () => {
    const strict = new SmtpChannel({ host: '127.0.0.1', port: server.port, security: 'starttls', from: 'billing@hospital.example' });
    expect(await sendError(strict.send(lot(8, Buffer.from('x'))))).toMatchObject({ code: 'AUTH', transient: false });
    expect(server.dataAttempts).toBe(0);
    await strict.close();
  });

  it('refuses unsafe identifiers before connecting', async () => {
    const bad = { ...lot(6, Buffer.from('x')), fileName: 'a\r\nBcc: x@y' };
    expect(await sendError(channel.send(bad))).toMatchObject({ code: 'INVALID_LOT', transient: false });
    expect(server.dataAttempts).toBe(0);
  });

  it('reports a server that is down as UNREACHABLE, transient', async () => {
    const down = new SmtpChannel({
      host: '127.0.0.1',
      port: await closedPort(),
      security: 'insecure-plaintext',
      from: 'billing@hospital.example',
    });
    const err = await sendError(down.send(lot(7, Buffer.from('x'))));
    expect(err).toMatchObject({ code: 'UNREACHABLE', transient: true, deliveryUncertain: false });
    expect(await down.ping()).toBe(false);
    await down.close();
  });
});

describe('SmtpChannel with STARTTLS and AUTH', () => {
  let cert: ThrowawayCertificate;
  let server: SmtpTestServer;
  let port: number;
  const auth = { user: 'hospital', pass: 's3cret' };

  beforeAll(async () => {
    cert = makeThrowawayCertificate();
    server = new SmtpTestServer({ tls: cert, auth });
    port = await server.start();
  });
  afterAll(() => server.stop());

  it('upgrades with STARTTLS, authenticates and delivers', async () => {
    const channel = new SmtpChannel({
      host: '127.0.0.1',
      port,
      security: 'starttls',
      auth,
      ca: cert.cert,
      from: 'billing@hospital.example',
    });
    expect(await channel.ping()).toBe(true);
    await channel.send(lot(10, randomBytes(10_000)));
    const [mail] = await server.waitForMessages(1);
    expect(mail.secure).toBe(true);
    expect(mail.authenticatedUser).toBe('hospital');
    await channel.close();
  });

  it('refuses a server certificate it cannot verify (AUTH, not transient)', async () => {
    const channel = new SmtpChannel({ host: '127.0.0.1', port, security: 'starttls', auth, from: 'billing@hospital.example' });
    expect(await sendError(channel.send(lot(11, Buffer.from('x'))))).toMatchObject({ code: 'AUTH', transient: false });
    await channel.close();
  });

  it('maps bad credentials to AUTH, not transient', async () => {
    const channel = new SmtpChannel({
      host: '127.0.0.1',
      port,
      security: 'starttls',
      auth: { user: 'hospital', pass: 'wrong' },
      ca: cert.cert,
      from: 'billing@hospital.example',
    });
    expect(await sendError(channel.send(lot(12, Buffer.from('x'))))).toMatchObject({ code: 'AUTH', transient: false });
    await channel.close();
  });

  it('never sends credentials in clear', () => {
    expect(() => new SmtpChannel({ host: '127.0.0.1', port, security: 'insecure-plaintext', auth, from: 'a@b.example' })).toThrow(
      /credentials/,
    );
  });
});
