/**
 * MllpClient against scripted raw MLLP peers: ordering, ACK matching, timeouts, disconnects, charset of strings.
 */
import * as net from 'node:net';
import { buildAck } from '../../src/hl7/hl7-ack';
import { parseHl7 } from '../../src/hl7/hl7-message';
import { MllpClient, MllpClientError } from '../../src/hl7/mllp/mllp-client';
import { encodeFrame, MllpFramer } from '../../src/hl7/mllp/mllp-framer';
import { buildA28, buildPamText } from '../support/hl7-samples';

type Reply = (frame: Buffer, socket: net.Socket) => void;

/** A peer that hands every received frame to `reply`, and records frames and overlapping sends. */
async function peer(reply: Reply): Promise<{ port: number; frames: Buffer[]; close: () => Promise<void> }> {
  const frames: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const framer = new MllpFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const e of framer.push(chunk)) {
        if (e.type !== 'frame') continue;
        frames.push(e.frame);
        reply(e.frame, socket);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { port: (server.address() as net.AddressInfo).port, frames, close };
}

const ack = (frame: Buffer, code: 'AA' | 'AE' = 'AA'): Buffer => encodeFrame(buildAck(parseHl7(frame), { code, controlId: 'ACK' }));
const msa2 = (frame: Buffer): string => parseHl7(frame).field('MSA-2');

describe('MllpClient', () => {
  let p: Awaited<ReturnType<typeof peer>> | undefined;
  afterEach(async () => p?.close());

  it('sends queued messages one at a time and resolves each with its own ACK', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    p = await peer((frame, socket) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        socket.write(ack(frame));
      }, 2);
    });
    const client = new MllpClient({ host: '127.0.0.1', port: p.port });
    const acks = await Promise.all([0, 1, 2, 3, 4].map((i) => client.send(buildA28({ controlId: `Q-${i}` }))));
    expect(acks.map(msa2)).toEqual(['Q-0', 'Q-1', 'Q-2', 'Q-3', 'Q-4']);
    expect(maxInFlight).toBe(1);
    await client.close();
  });

  it('encodes a string message in the charset its MSH-18 declares', async () => {
    p = await peer((frame, socket) => socket.write(ack(frame)));
    const client = new MllpClient({ host: '127.0.0.1', port: p.port });
    await client.send(buildPamText('A28', { charset: '8859/1', given: 'PRÉNOMTEST', controlId: 'S-1' }));
    expect(p.frames[0].includes(Buffer.from('PRÉNOMTEST', 'latin1'))).toBe(true);
    await client.close();
  });

  it('rejects an ACK whose MSA-2 does not match, drops the socket, and reconnects for the next message', async () => {
    let first = true;
    p = await peer((frame, socket) => {
      const text = buildAck(parseHl7(frame), { code: 'AA', controlId: 'ACK' }).toString('latin1');
      socket.write(encodeFrame(Buffer.from(first ? text.replace(/MSA\|AA\|[^\r]*/, 'MSA|AA|SOMEONE-ELSE') : text, 'latin1')));
      first = false;
    });
    const client = new MllpClient({ host: '127.0.0.1', port: p.port });
    await expect(client.send(buildA28({ controlId: 'M-1' }))).rejects.toMatchObject({ code: 'ACK_MISMATCH' });
    expect(msa2(await client.send(buildA28({ controlId: 'M-2' })))).toBe('M-2');
    await client.close();
  });

  it('times out, destroys the socket, and does not take a late ACK for the next message', async () => {
    const held: Array<() => void> = [];
    p = await peer((frame, socket) => {
      if (msa2Sent(frame) === 'T-1') held.push(() => socket.write(ack(frame)));
      else socket.write(ack(frame));
    });
    const client = new MllpClient({ host: '127.0.0.1', port: p.port, timeoutMs: 100 });
    await expect(client.send(buildA28({ controlId: 'T-1' }))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(client.connected).toBe(false);
    held.forEach((f) => f());
    expect(msa2(await client.send(buildA28({ controlId: 'T-2' })))).toBe('T-2');
    await client.close();
  });

  it('rejects with CLOSED when the peer hangs up before answering', async () => {
    p = await peer((_frame, socket) => socket.destroy());
    const client = new MllpClient({ host: '127.0.0.1', port: p.port });
    await expect(client.send(buildA28())).rejects.toMatchObject({ code: 'CLOSED' });
    await client.close();
  });

  it('rejects with CONNECT when nobody listens', async () => {
    const probe = await peer(() => undefined);
    const port = probe.port;
    await probe.close();
    const client = new MllpClient({ host: '127.0.0.1', port });
    const err = await client.send(buildA28()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MllpClientError);
    expect(err).toMatchObject({ code: 'CONNECT' });
  });
});

/** MSH-10 of a frame the peer received. */
function msa2Sent(frame: Buffer): string {
  return parseHl7(frame).field('MSH-10');
}
