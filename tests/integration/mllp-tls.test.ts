/**
 * MLLP over mutual TLS, with throwaway self-signed certificates made by the openssl CLI in a temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAck } from '../../src/hl7/hl7-ack';
import { parseHl7 } from '../../src/hl7/hl7-message';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { type MllpError, type MllpFrameMeta, MllpServer } from '../../src/hl7/mllp/mllp-server';
import { buildA28 } from '../support/hl7-samples';
import { writeThrowawayCertificate } from '../support/transport/throwaway-certificate';

interface Pair {
  key: Buffer;
  cert: Buffer;
}

describe('MllpServer over TLS', () => {
  let dir: string;
  let serverPair: Pair;
  let clientPair: Pair;
  let server: MllpServer;
  let port: number;
  const metas: MllpFrameMeta[] = [];
  const errors: MllpError[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mllp-tls-'));
    serverPair = writeThrowawayCertificate(dir, 'passerelle-test-server', 'IP:127.0.0.1');
    clientPair = writeThrowawayCertificate(dir, 'gap-test-client', 'DNS:gap-test-client');
    server = new MllpServer({
      port: 0,
      tls: { ...serverPair, ca: clientPair.cert, requestCert: true },
      handler: async (frame, meta) => {
        metas.push(meta);
        return buildAck(parseHl7(frame), { code: 'AA', controlId: 'TLS-ACK' });
      },
      onError: (e) => errors.push(e),
    });
    port = await server.listen();
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges a message from a client presenting a trusted certificate', async () => {
    const client = new MllpClient({ host: '127.0.0.1', port, tls: { ca: serverPair.cert, ...clientPair } });
    const ack = await client.send(buildA28({ controlId: 'TLS-1' }));
    expect(parseHl7(ack).field('MSA-2')).toBe('TLS-1');
    expect(metas[0].authorized).toBe(true);
    expect(metas[0].peerFingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await client.close();
  });

  it('refuses a client without a certificate', async () => {
    const client = new MllpClient({ host: '127.0.0.1', port, tls: { ca: serverPair.cert }, timeoutMs: 5000 });
    await expect(client.send(buildA28({ controlId: 'TLS-2' }))).rejects.toMatchObject({ code: expect.stringMatching(/CONNECT|CLOSED/) });
    expect(metas.map((m) => m.socketId)).toHaveLength(1);
  });

  it('is refused by a client that does not trust the server certificate', async () => {
    const client = new MllpClient({ host: '127.0.0.1', port, tls: { ca: clientPair.cert, ...clientPair } });
    await expect(client.send(buildA28())).rejects.toMatchObject({ code: 'CONNECT' });
  });
});
