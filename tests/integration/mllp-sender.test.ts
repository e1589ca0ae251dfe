/**
 * MllpSender against a real MllpServer (the GAP side), through a TCP tap that counts frames in flight per connection
 * and can lose an ACK. Only lower bounds on durations.
 */
import * as net from 'node:net';
import { buildAck, type Hl7Issue } from '../../src/hl7/hl7-ack';
import { parseHl7 } from '../../src/hl7/hl7-message';
import { MllpFramer } from '../../src/hl7/mllp/mllp-framer';
import { MllpServer } from '../../src/hl7/mllp/mllp-server';
import { MllpSender, MllpSenderError, type MllpSenderOptions } from '../../src/hl7/outbound/mllp-sender';
import { buildA08 } from '../support/hl7-samples';

type Reply = (frame: Buffer) => Promise<Buffer>;
const controlIdOf = (frame: Buffer) => parseHl7(frame).field('MSH-10');
const answer =
  (code: 'AA' | 'AE' | 'AR', errors?: Hl7Issue[]): Reply =>
  async (frame) =>
    buildAck(parseHl7(frame), { code, errors, controlId: `ACK-${controlIdOf(frame)}`, sendingApp: 'GAP', sendingFacility: 'GAP' });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The GAP: a real MllpServer recording the MSH-10 of every frame it handles. */
async function startGap(reply: Reply, port = 0): Promise<{ port: number; received: string[]; server: MllpServer }> {
  const received: string[] = [];
  const server = new MllpServer({
    port,
    handler: async (frame) => {
      received.push(controlIdOf(frame));
      return reply(frame);
    },
  });
  return { port: await server.listen(), received, server };
}

/** A TCP tap in front of the GAP: counts frames sent but not yet acknowledged on each connection; may lose one ACK. */
async function startTap(target: number, opts: { loseFirstAck?: boolean } = {}) {
  const stats = { connections: 0, maxInFlight: 0, lostAcks: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    stats.connections++;
    let inFlight = 0;
    const upstream = net.connect(target, '127.0.0.1');
    const [up, down] = [new MllpFramer(), new MllpFramer()];
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
    client.on('data', (chunk: Buffer) => {
      for (const e of up.push(chunk)) if (e.type === 'frame') stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const acks = down.push(chunk).filter((e) => e.type === 'frame').length;
      if (acks > 0 && opts.loseFirstAck && stats.lostAcks === 0) {
        stats.lostAcks++;
        client.destroy(); // the ACK never reaches the sender
        return;
      }
      inFlight -= acks;
      client.write(chunk);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => server.close(r));
  };
  return { port: (server.address() as net.AddressInfo).port, stats, close };
}

describe('MllpSender → MllpServer (the GAP)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const sender = (port: number, opts: Partial<MllpSenderOptions> = {}) => {
    const s = new MllpSender({ host: '127.0.0.1', port, timeoutMs: 5000, backoffMs: 10, maxBackoffMs: 100, ...opts });
    cleanups.push(() => s.close());
    return s;
  };
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('delivers on AA over one persistent connection', async () => {
    const gap = await startGap(answer('AA'));
    cleanups.push(() => gap.server.close());
    const s = sender(gap.port);
    expect(await s.send(buildA08({ controlId: 'OUT-1' }))).toEqual({ outcome: 'delivered', ackCode: 'AA', attempts: 1 });
    expect(await s.send(buildA08({ controlId: 'OUT-2' }))).toMatchObject({ outcome: 'delivered' });
    expect(gap.received).toEqual(['OUT-1', 'OUT-2']);
    expect(gap.server.connections).toBe(1);
  });

  it('waits for a slow receiver: concurrent sends go one at a time, in call order, never two frames in flight', async () => {
    const gap = await startGap(async (frame) => {
      await pause(100);
      return answer('AA')(frame);
    });
    const tap = await startTap(gap.port);
    cleanups.push(() => gap.server.close(), tap.close);
    const s = sender(tap.port);
    const started = performance.now();
    const ids = ['S-1', 'S-2', 'S-3', 'S-4', 'S-5'];
    const results = await Promise.all(ids.map((id) => s.send(buildA08({ controlId: id }))));
    expect(results.every((r) => r.outcome === 'delivered')).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(5 * 100 - 5);
    expect(gap.received).toEqual(ids);
    expect(tap.stats).toMatchObject({ maxInFlight: 1, connections: 1 });
  });

  it('reconnects and resends when the connection drops before the ACK: the receiver gets it (twice, same MSH-10)', async () => {
    const gap = await startGap(answer('AA'));
    const tap = await startTap(gap.port, { loseFirstAck: true });
    cleanups.push(() => gap.server.close(), tap.close);
    const s = sender(tap.port);
    expect(await s.send(buildA08({ controlId: 'DROP-1' }))).toEqual({ outcome: 'delivered', ackCode: 'AA', attempts: 2 });
    expect(gap.received).toEqual(['DROP-1', 'DROP-1']);
    expect(tap.stats).toMatchObject({ connections: 2, lostAcks: 1, maxInFlight: 1 });
  });

  it("returns AR and AE as final refusals with the receiver's reason, without resending", async () => {
    const issue: Hl7Issue = { segment: 'PID', sequence: 1, field: 5, code: 101, severity: 'E', text: 'PID-5 (patient name) is required' };
    let code: 'AR' | 'AE' = 'AR';
    const gap = await startGap(async (frame) => answer(code, [issue])(frame));
    cleanups.push(() => gap.server.close());
    const s = sender(gap.port);
    const refused = await s.send(buildA08({ controlId: 'REF-1' }));
    expect(refused).toEqual({
      outcome: 'refused',
      ackCode: 'AR',
      errorCode: '101',
      attempts: 1,
      detail: '101 Required field missing: PID-5 (patient name) is required (PID-5)',
    });
    code = 'AE';
    expect(await s.send(buildA08({ controlId: 'REF-2' }))).toMatchObject({ outcome: 'refused', ackCode: 'AE', errorCode: '101' });
    expect(gap.received).toEqual(['REF-1', 'REF-2']);
  });

  it('times out on a receiver that never answers, resends `retries` times, then fails', async () => {
    const held: Array<() => void> = [];
    const gap = await startGap((frame) => new Promise((resolve) => held.push(() => void answer('AA')(frame).then(resolve))));
    cleanups.push(async () => {
      held.forEach((release) => release());
      await gap.server.close();
    });
    const s = sender(gap.port, { timeoutMs: 100, retries: 2 });
    const err = await s.send(buildA08({ controlId: 'MUTE-1' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MllpSenderError);
    expect(err).toMatchObject({ code: 'UNDELIVERED', attempts: 3, lastFailure: 'TIMEOUT' });
    expect(gap.received).toEqual(['MUTE-1', 'MUTE-1', 'MUTE-1']);
  });

  it('backs off exponentially while nobody listens, and delivers once the GAP is up', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));

    // 50, 100, 200 ms between four connection attempts: at least 350 ms before giving up.
    const started = performance.now();
    const down = await sender(port, { retries: 3, backoffMs: 50, maxBackoffMs: 1000 })
      .send(buildA08())
      .catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'UNDELIVERED', attempts: 4, lastFailure: 'CONNECT' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(340);

    const s = sender(port, { retries: 50, backoffMs: 10, maxBackoffMs: 40 });
    const pending = s.send(buildA08({ controlId: 'LATE-1' }));
    await pause(150);
    const gap = await startGap(answer('AA'), port);
    cleanups.push(() => gap.server.close());
    const result = await pending;
    expect(result.outcome).toBe('delivered');
    expect(result.attempts).toBeGreaterThan(1);
    expect(gap.received).toEqual(['LATE-1']);
  });

  it('refuses to send once closed', async () => {
    const gap = await startGap(answer('AA'));
    cleanups.push(() => gap.server.close());
    const s = new MllpSender({ host: '127.0.0.1', port: gap.port });
    expect((await s.send(buildA08({ controlId: 'C-1' }))).outcome).toBe('delivered');
    await s.close();
    expect(await s.send(buildA08({ controlId: 'C-2' })).catch((e: unknown) => e)).toMatchObject({ code: 'CLOSED' });
    expect(gap.received).toEqual(['C-1']);
  });
});
