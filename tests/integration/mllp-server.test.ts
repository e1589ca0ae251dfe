/**
 * MllpServer over real sockets (127.0.0.1, ephemeral ports) with a trivial in-memory handler:
 * parse → validate → ACK, as the database-backed handler will do minus the storage.
 */
import * as net from 'node:net';
import { buildAck, buildNakFromRaw } from '../../src/hl7/hl7-ack';
import { Hl7ParseError, parseHl7 } from '../../src/hl7/hl7-message';
import { encodeFrame, MllpFramer } from '../../src/hl7/mllp/mllp-framer';
import { MllpClient } from '../../src/hl7/mllp/mllp-client';
import { type MllpError, type MllpFrameMeta, MllpServer, type MllpServerOptions } from '../../src/hl7/mllp/mllp-server';
import { extractAdtFacts, validatePamFr } from '../../src/hl7/pam-fr-validation';
import { buildA01, buildA28, buildPam, MALFORMED } from '../support/hl7-samples';

interface Seen {
  socketId: string;
  controlId: string;
  given: string;
}

function ackingHandler(seen: Seen[]): MllpServerOptions['handler'] {
  let n = 0;
  return async (frame: Buffer, meta: MllpFrameMeta) => {
    n += 1;
    let msg;
    try {
      msg = parseHl7(frame);
    } catch (err) {
      if (err instanceof Hl7ParseError) return buildNakFromRaw(frame, err, `ACK-${n}`);
      throw err;
    }
    const v = validatePamFr(msg);
    seen.push({ socketId: meta.socketId, controlId: extractAdtFacts(msg).controlId, given: msg.get('PID', 1, 5, 1, 2) });
    return buildAck(msg, { code: v.ackCode, errors: v.issues, controlId: `ACK-${n}`, sendingApp: 'PASSERELLE' });
  };
}

/** Raw socket plus a reader of the MLLP frames it receives. */
async function rawClient(port: number): Promise<{ socket: net.Socket; next: () => Promise<Buffer> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const framer = new MllpFramer();
  const frames: Buffer[] = [];
  const waiters: Array<(b: Buffer) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    for (const e of framer.push(chunk)) {
      if (e.type !== 'frame') continue;
      const w = waiters.shift();
      if (w !== undefined) w(e.frame);
      else frames.push(e.frame);
    }
  });
  const next = (): Promise<Buffer> =>
    new Promise((resolve) => {
      const f = frames.shift();
      if (f !== undefined) resolve(f);
      else waiters.push(resolve);
    });
  return { socket, next };
}

const msa = (ack: Buffer): [string, string] => {
  const m = parseHl7(ack);
  return [m.field('MSA-1'), m.field('MSA-2')];
};
const tick = (ms = 1): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('MllpServer', () => {
  let server: MllpServer;
  let port: number;
  let seen: Seen[];
  let errors: MllpError[];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  beforeEach(async () => {
    seen = [];
    errors = [];
    server = new MllpServer({ port: 0, handler: ackingHandler(seen), onError: (e) => errors.push(e) });
    port = await server.listen();
  });
  afterEach(async () => server.close());

  it('acknowledges a PAM FR A01 with AA and MSA-2 = MSH-10', async () => {
    const client = new MllpClient({ host: '127.0.0.1', port });
    const ack = await client.send(buildA01({ controlId: 'CTL-1' }));
    expect(msa(ack)).toEqual(['AA', 'CTL-1']);
    expect(parseHl7(ack).field('MSH-3')).toBe('PASSERELLE');
    await client.close();
  });

  it('reassembles a frame sent byte by byte with delays', async () => {
    const { socket, next } = await rawClient(port);
    const wire = encodeFrame(buildA28({ controlId: 'CTL-BYTES' }));
    for (const byte of wire) {
      socket.write(Buffer.from([byte]));
      await tick();
    }
    expect(msa(await next())).toEqual(['AA', 'CTL-BYTES']);
    socket.destroy();
  });

  it('answers two frames sent in one write, in order, one at a time', async () => {
    const { socket, next } = await rawClient(port);
    socket.write(Buffer.concat([encodeFrame(buildA28({ controlId: 'CTL-A' })), encodeFrame(buildA28({ controlId: 'CTL-B' }))]));
    expect(msa(await next())).toEqual(['AA', 'CTL-A']);
    expect(msa(await next())).toEqual(['AA', 'CTL-B']);
    expect(seen.map((s) => s.controlId)).toEqual(['CTL-A', 'CTL-B']);
    socket.destroy();
  });

  it.each([2, 16])('serves %i simultaneous clients, each getting its own ACKs', async (clients) => {
    const run = async (c: number): Promise<string[]> => {
      const client = new MllpClient({ host: '127.0.0.1', port });
      const got: string[] = [];
      for (let i = 0; i < 5; i++) got.push(msa(await client.send(buildA28({ controlId: `C${c}-M${i}` })))[1]);
      await client.close();
      return got;
    };
    const results = await Promise.all(Array.from({ length: clients }, (_, c) => run(c)));
    results.forEach((got, c) => expect(got).toEqual([0, 1, 2, 3, 4].map((i) => `C${c}-M${i}`)));
    expect(new Set(seen.map((s) => s.socketId)).size).toBe(clients);
  });

  it('parses an ISO-8859-1 payload (MSH-18 8859/1) and answers in latin1', async () => {
    const { socket, next } = await rawClient(port);
    const bytes = buildPam('A04', { charset: '8859/1', given: 'PRÉNOMTEST', controlId: 'CTL-LATIN1' });
    expect(bytes.includes(0xc9)).toBe(true); // É as one latin1 byte
    socket.write(encodeFrame(bytes));
    const ack = await next();
    expect(msa(ack)).toEqual(['AA', 'CTL-LATIN1']);
    expect(seen[0].given).toBe('PRÉNOMTEST');
    expect(parseHl7(ack).field('MSH-18')).toBe('8859/1');
    socket.destroy();
  });

  it.each(Object.keys(MALFORMED) as Array<keyof typeof MALFORMED>)('answers the malformed sample %s with AE/AR', async (name) => {
    const { socket, next } = await rawClient(port);
    socket.write(encodeFrame(MALFORMED[name]()));
    const [code] = msa(await next());
    expect(name === 'missingPid3' ? code === 'AE' : code === 'AR').toBe(true);
    socket.destroy();
  });

  it('skips and reports garbage between frames, then answers the next frame', async () => {
    const { socket, next } = await rawClient(port);
    socket.write(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\r\n'), encodeFrame(buildA28({ controlId: 'CTL-AFTER' }))]));
    expect(msa(await next())).toEqual(['AA', 'CTL-AFTER']);
    expect(errors.some((e) => e.code === 'GARBAGE')).toBe(true);
    socket.destroy();
  });

  it('processes one frame at a time per socket while sockets run in parallel', async () => {
    await server.close();
    let active = 0;
    let maxActive = 0;
    const perSocket = new Map<string, number>();
    let maxPerSocket = 0;
    let release: () => void = () => undefined;
    const twoActive = new Promise<void>((r) => {
      release = r;
    });
    server = new MllpServer({
      port: 0,
      handler: async (frame, meta) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        perSocket.set(meta.socketId, (perSocket.get(meta.socketId) ?? 0) + 1);
        maxPerSocket = Math.max(maxPerSocket, perSocket.get(meta.socketId) ?? 0);
        if (active >= 2) release();
        // Hold the first handlers until two sockets are being served at once (or give up after a while).
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          twoActive,
          new Promise((r) => {
            timer = setTimeout(r, 2000);
          }),
        ]);
        clearTimeout(timer);
        perSocket.set(meta.socketId, (perSocket.get(meta.socketId) ?? 1) - 1);
        active -= 1;
        const msg = parseHl7(frame);
        return buildAck(msg, { code: 'AA', controlId: 'X' });
      },
    });
    port = await server.listen();
    const a = await rawClient(port);
    const b = await rawClient(port);
    const pipeline = (c: string): Buffer => Buffer.concat([0, 1, 2].map((i) => encodeFrame(buildA28({ controlId: `${c}${i}` }))));
    a.socket.write(pipeline('A'));
    b.socket.write(pipeline('B'));
    for (const [c, r] of [
      ['A', a],
      ['B', b],
    ] as const) {
      for (let i = 0; i < 3; i++) expect(msa(await r.next())[1]).toBe(`${c}${i}`);
    }
    expect(maxActive).toBeGreaterThanOrEqual(2);
    expect(maxPerSocket).toBe(1);
    a.socket.destroy();
    b.socket.destroy();
  });
});
