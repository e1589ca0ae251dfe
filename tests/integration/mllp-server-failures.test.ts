/**
 * MllpServer when things go wrong: failing handlers, peers vanishing, oversized frames, shutdown, idle sockets.
 * The rule under test: every complete frame gets an answer, and nothing crashes or leaks a rejection.
 */
import * as net from 'node:net';
import { buildAck } from '../../src/hl7/hl7-ack';
import { parseHl7 } from '../../src/hl7/hl7-message';
import { encodeFrame, MllpFramer } from '../../src/hl7/mllp/mllp-framer';
import { type MllpError, MllpServer, type MllpServerOptions } from '../../src/hl7/mllp/mllp-server';
import { buildA28, SAMPLE_NIR } from '../support/hl7-samples';

async function rawClient(port: number): Promise<{ socket: net.Socket; next: () => Promise<Buffer> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
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
  socket.on('error', () => undefined);
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

/** Polls a condition driven by socket events (bounded, so a bug fails the test instead of hanging it). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await tick(5);
  expect(cond()).toBe(true);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const ackOf = (frame: Buffer): Buffer => buildAck(parseHl7(frame), { code: 'AA', controlId: 'OK-1' });

describe('MllpServer failure handling', () => {
  let server: MllpServer | undefined;
  let errors: MllpError[];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);

  async function start(opts: Partial<MllpServerOptions>): Promise<number> {
    server = new MllpServer({ port: 0, handler: async (f) => ackOf(f), onError: (e) => errors.push(e), ...opts });
    return server.listen();
  }

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
  beforeEach(() => {
    errors = [];
  });
  afterEach(async () => server?.close());

  it('answers an AR NAK when the handler throws, without reporting the error text', async () => {
    const port = await start({
      handler: async () => {
        throw new Error(`database down while storing ${SAMPLE_NIR}`);
      },
    });
    const { socket, next } = await rawClient(port);
    socket.write(encodeFrame(buildA28({ controlId: 'CTL-THROW' })));
    const nak = await next();
    expect(msa(nak)).toEqual(['AR', 'CTL-THROW']);
    expect(parseHl7(nak).raw('ERR', 1, 3)).toMatch(/^207\^/);
    expect(errors.map((e) => e.code)).toContain('HANDLER_FAILED');
    expect(errors.map((e) => e.message).join(' ')).not.toContain(SAMPLE_NIR);
    socket.destroy();
  });

  it('uses onHandlerError when given, and falls back to a NAK when it fails too', async () => {
    const port = await start({
      handler: async () => {
        throw new Error('boom');
      },
      onHandlerError: (frame) => buildAck(parseHl7(frame), { code: 'AE', controlId: 'AE-1' }),
    });
    const { socket, next } = await rawClient(port);
    socket.write(encodeFrame(buildA28({ controlId: 'CTL-AE' })));
    expect(msa(await next())).toEqual(['AE', 'CTL-AE']);
    await server?.close();

    const port2 = await start({
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a handler that breaks the contract
      handler: async () => Promise.reject('not even an Error'),
      onHandlerError: () => {
        throw new Error('also broken');
      },
    });
    const c2 = await rawClient(port2);
    c2.socket.write(encodeFrame(buildA28({ controlId: 'CTL-AR' })));
    expect(msa(await c2.next())).toEqual(['AR', 'CTL-AR']);
    expect(errors.map((e) => e.code)).toContain('ON_HANDLER_ERROR_FAILED');
    socket.destroy();
    c2.socket.destroy();
  });

  it('answers a NAK when the handler resolves with something that is not a Buffer', async () => {
    const port = await start({ handler: async () => 'ACK as a string' as unknown as Buffer });
    const { socket, next } = await rawClient(port);
    socket.write(encodeFrame(buildA28({ controlId: 'CTL-STR' })));
    expect(msa(await next())).toEqual(['AR', 'CTL-STR']);
    socket.destroy();
  });

  it('survives a client disconnecting mid-frame and keeps serving', async () => {
    const port = await start({});
    const { socket } = await rawClient(port);
    const wire = encodeFrame(buildA28());
    socket.write(wire.subarray(0, 100));
    await until(() => server?.connections === 1);
    socket.destroy();
    await until(() => server?.connections === 0);
    const c2 = await rawClient(port);
    c2.socket.write(encodeFrame(buildA28({ controlId: 'CTL-NEXT' })));
    expect(msa(await c2.next())).toEqual(['AA', 'CTL-NEXT']);
    c2.socket.destroy();
  });

  it('reports an ACK it could not deliver because the peer left during handling', async () => {
    const gate = deferred();
    const entered = deferred();
    const port = await start({
      handler: async (f) => {
        entered.resolve();
        await gate.promise;
        return ackOf(f);
      },
    });
    const { socket } = await rawClient(port);
    socket.write(encodeFrame(buildA28()));
    await entered.promise;
    socket.destroy();
    await until(() => server?.connections === 0);
    gate.resolve();
    await until(() => errors.some((e) => e.code === 'ACK_NOT_DELIVERED'));
  });

  it('answers an oversized frame with an AR NAK quoting its MSH-10, then resynchronises', async () => {
    const port = await start({ maxFrameBytes: 2000 });
    const { socket, next } = await rawClient(port);
    const big = Buffer.concat([buildA28({ controlId: 'CTL-BIG' }), Buffer.from(`NTE|||${'X'.repeat(5000)}\r`)]);
    socket.write(Buffer.concat([encodeFrame(big), encodeFrame(buildA28({ controlId: 'CTL-SMALL' }))]));
    const nak = await next();
    expect(msa(nak)).toEqual(['AR', 'CTL-BIG']);
    expect(parseHl7(nak).field('ERR-8')).toContain('maximum frame size');
    expect(msa(await next())).toEqual(['AA', 'CTL-SMALL']);
    expect(errors.map((e) => e.code)).toContain('FRAME_TOO_LARGE');
    socket.destroy();
  });

  it('close() waits for the frame being handled and delivers its ACK before destroying sockets', async () => {
    const gate = deferred();
    const entered = deferred();
    const port = await start({
      handler: async (f) => {
        entered.resolve();
        await gate.promise;
        return ackOf(f);
      },
    });
    const { socket, next } = await rawClient(port);
    socket.write(encodeFrame(buildA28({ controlId: 'CTL-INFLIGHT' })));
    await entered.promise;
    let closed = false;
    const closing = server?.close().then(() => {
      closed = true;
    });
    await tick(20);
    expect(closed).toBe(false);
    gate.resolve();
    expect(msa(await next())).toEqual(['AA', 'CTL-INFLIGHT']);
    await closing;
    expect(closed).toBe(true);
    await until(() => socket.destroyed || socket.readableEnded);
    await expect(rawClient(port)).rejects.toThrow();
    server = undefined;
  });

  it('closes idle connections when idleTimeoutMs is set', async () => {
    const port = await start({ idleTimeoutMs: 50 });
    const { socket } = await rawClient(port);
    await until(() => socket.destroyed || socket.readableEnded);
    expect(errors.map((e) => e.code)).toContain('IDLE_TIMEOUT');
  });

  it('closes a connection that sends a lot of bytes and no MLLP frame', async () => {
    const port = await start({});
    const { socket } = await rawClient(port);
    socket.write(Buffer.alloc(100 * 1024, 0x41));
    await until(() => socket.destroyed || socket.readableEnded);
    expect(errors.filter((e) => e.code === 'GARBAGE').map((e) => e.message)).toContain('closing a connection that sends no MLLP frames');
  });

  it('keeps working when the onError reporter itself throws', async () => {
    const port = await start({
      onError: () => {
        throw new Error('reporter broken');
      },
    });
    const { socket, next } = await rawClient(port);
    socket.write(Buffer.concat([Buffer.from('junk'), encodeFrame(buildA28({ controlId: 'CTL-REP' }))]));
    expect(msa(await next())).toEqual(['AA', 'CTL-REP']);
    socket.destroy();
  });
});
