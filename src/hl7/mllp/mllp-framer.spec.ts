import { encodeFrame, MllpFramer, type MllpFramerEvent } from './mllp-framer';

const frames = (events: MllpFramerEvent[]): string[] => events.flatMap((e) => (e.type === 'frame' ? [e.frame.toString('latin1')] : []));

const A = 'MSH|^~\\&|A|B|||20250101||ADT^A01|1|P|2.5\rPID|||1\r';
const B = 'MSH|^~\\&|C|D|||20250101||ADT^A04|2|P|2.5\r';

describe('MllpFramer', () => {
  it('decodes one frame in one chunk', () => {
    const f = new MllpFramer();
    expect(frames(f.push(encodeFrame(Buffer.from(A))))).toEqual([A]);
    expect(f.pendingBytes).toBe(0);
  });

  it('decodes a frame split at every byte position, and byte by byte', () => {
    const wire = encodeFrame(Buffer.from(A));
    for (let cut = 0; cut <= wire.length; cut++) {
      const f = new MllpFramer();
      const got = [...f.push(wire.subarray(0, cut)), ...f.push(wire.subarray(cut))];
      expect(frames(got)).toEqual([A]);
      expect(got.filter((e) => e.type !== 'frame')).toEqual([]);
    }
    const f = new MllpFramer();
    const got: MllpFramerEvent[] = [];
    for (const byte of wire) got.push(...f.push(Buffer.from([byte])));
    expect(frames(got)).toEqual([A]);
  });

  it('decodes two frames in one chunk, split anywhere across both', () => {
    const wire = Buffer.concat([encodeFrame(Buffer.from(A)), encodeFrame(Buffer.from(B))]);
    expect(frames(new MllpFramer().push(wire))).toEqual([A, B]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const f = new MllpFramer();
      expect(frames([...f.push(wire.subarray(0, cut)), ...f.push(wire.subarray(cut))])).toEqual([A, B]);
    }
  });

  it('skips and reports garbage before the start byte', () => {
    const f = new MllpFramer();
    const events = f.push(Buffer.concat([Buffer.from('junk!'), encodeFrame(Buffer.from(A)), Buffer.from('\r\n')]));
    expect(events).toEqual([
      { type: 'garbage', bytes: 5, reason: 'outside-frame' },
      { type: 'frame', frame: Buffer.from(A) },
      { type: 'garbage', bytes: 2, reason: 'outside-frame' }, // the extra \r\n after the frame's own CR
    ]);
  });

  it('accepts a frame ended by FS without CR', () => {
    const f = new MllpFramer();
    const wire = Buffer.concat([Buffer.from([0x0b]), Buffer.from(A), Buffer.from([0x1c]), encodeFrame(Buffer.from(B))]);
    expect(frames(f.push(wire))).toEqual([A, B]);
  });

  it('drops a frame restarted by a new start byte and reports it', () => {
    const f = new MllpFramer();
    const wire = Buffer.concat([Buffer.from([0x0b]), Buffer.from('MSH|partial'), encodeFrame(Buffer.from(B))]);
    const events = f.push(wire);
    expect(events[0]).toEqual({ type: 'garbage', bytes: 11, reason: 'unterminated-frame' });
    expect(frames(events)).toEqual([B]);
  });

  it('handles an empty frame', () => {
    expect(new MllpFramer().push(encodeFrame(Buffer.alloc(0)))).toEqual([{ type: 'frame', frame: Buffer.alloc(0) }]);
  });

  it('drops an oversized frame, keeps its head, and resynchronises on the next frame', () => {
    const f = new MllpFramer({ maxFrameBytes: 64 });
    const big = `MSH|^~\\&|A|B|||20250101||ADT^A01|CTRL-BIG|P|2.5\r${'X'.repeat(5000)}`;
    const wire = Buffer.concat([encodeFrame(Buffer.from(big)), encodeFrame(Buffer.from('MSH|small'))]);
    const events: MllpFramerEvent[] = [];
    for (let i = 0; i < wire.length; i += 100) events.push(...f.push(wire.subarray(i, i + 100)));
    const oversize = events.find((e) => e.type === 'oversize');
    expect(oversize).toMatchObject({ type: 'oversize', bytes: big.length });
    expect(oversize?.type === 'oversize' && oversize.head.toString('latin1')).toContain('CTRL-BIG');
    expect(frames(events)).toEqual(['MSH|small']);
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    const f = new MllpFramer({ maxFrameBytes: 10 });
    expect(frames(f.push(encodeFrame(Buffer.from('0123456789'))))).toEqual(['0123456789']);
  });

  it('returns frames that do not share memory with the input chunk', () => {
    const wire = encodeFrame(Buffer.from(A));
    const [ev] = new MllpFramer().push(wire);
    wire.fill(0);
    expect(ev.type === 'frame' && ev.frame.toString('latin1')).toBe(A);
  });
});

describe('encodeFrame', () => {
  it('wraps the payload in VT … FS CR', () => {
    expect([...encodeFrame(Buffer.from('AB'))]).toEqual([0x0b, 0x41, 0x42, 0x1c, 0x0d]);
  });
});
