/**
 * MLLP (Minimal Lower Layer Protocol) framing: <VT 0x0B> payload <FS 0x1C><CR 0x0D>.
 *
 * One framer per socket. It is a pure state machine fed with whatever chunks TCP delivers
 * (a frame split over many reads, several frames in one read) and returns what it found.
 * Tolerances, each reported so that a sloppy sender shows up in the logs:
 * - bytes outside a frame (before VT) are skipped and reported as garbage;
 * - a VT inside a frame means the sender restarted: the partial frame is discarded and reported;
 * - FS not followed by CR still ends the frame (the stray byte is treated as outside-frame data).
 * A frame larger than maxFrameBytes is dropped (its first bytes are kept so a NAK can still quote MSH-10).
 */
export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;

/** 1 MiB: a real ADT message is a few KiB; a bigger frame is refused (AR) rather than parsed. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** How much of an oversized frame is kept: enough for MSH, to salvage MSH-10 for the NAK. */
const OVERSIZE_HEAD_BYTES = 4096;

export type MllpFramerEvent =
  | { type: 'frame'; frame: Buffer }
  | { type: 'garbage'; bytes: number; reason: 'outside-frame' | 'unterminated-frame' }
  | { type: 'oversize'; bytes: number; head: Buffer };

export interface MllpFramerOptions {
  maxFrameBytes?: number;
}

const enum State {
  Idle,
  InFrame,
  /** Oversized frame: skip until its end. */
  Discarding,
  /** FS seen: one CR may follow. */
  AfterEnd,
}

export class MllpFramer {
  private readonly maxFrameBytes: number;
  private state = State.Idle;
  private chunks: Buffer[] = [];
  private size = 0;
  private head: Buffer = Buffer.alloc(0);

  constructor(opts: MllpFramerOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!(this.maxFrameBytes > 0)) throw new RangeError('maxFrameBytes must be positive');
  }

  /** Bytes of the frame currently being received (0 between frames). */
  get pendingBytes(): number {
    return this.size;
  }

  /** Feeds one chunk; returns complete frames (payload only) and anomalies, in stream order. */
  push(chunk: Buffer): MllpFramerEvent[] {
    const out: MllpFramerEvent[] = [];
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.AfterEnd:
          this.state = State.Idle;
          if (chunk[i] === MLLP_CR) i++;
          break;
        case State.Idle: {
          const start = chunk.indexOf(MLLP_START, i);
          const skipped = (start === -1 ? n : start) - i;
          if (skipped > 0) out.push({ type: 'garbage', bytes: skipped, reason: 'outside-frame' });
          if (start === -1) return out;
          i = start + 1;
          this.state = State.InFrame;
          break;
        }
        case State.InFrame:
          i = this.inFrame(chunk, i, out);
          break;
        case State.Discarding: {
          const end = chunk.indexOf(MLLP_END, i);
          this.size += (end === -1 ? n : end) - i;
          if (end === -1) return out;
          out.push({ type: 'oversize', bytes: this.size, head: this.head });
          this.reset(State.AfterEnd);
          i = end + 1;
          break;
        }
      }
    }
    return out;
  }

  private inFrame(chunk: Buffer, i: number, out: MllpFramerEvent[]): number {
    const n = chunk.length;
    const end = chunk.indexOf(MLLP_END, i);
    const restart = chunk.indexOf(MLLP_START, i);
    if (restart !== -1 && (end === -1 || restart < end)) {
      // The sender started a new frame without ending this one: drop the partial frame.
      out.push({ type: 'garbage', bytes: this.size + (restart - i), reason: 'unterminated-frame' });
      this.reset(State.InFrame);
      return restart + 1;
    }
    const stop = end === -1 ? n : end;
    if (this.size + (stop - i) > this.maxFrameBytes) {
      this.chunks.push(chunk.subarray(i, stop));
      this.head = headOf(this.chunks);
      this.chunks = [];
      this.size += stop - i;
      this.state = State.Discarding;
      return stop;
    }
    if (stop > i) {
      // subarray only references the socket's chunk; Buffer.concat copies once when the frame ends.
      this.chunks.push(chunk.subarray(i, stop));
      this.size += stop - i;
    }
    if (end === -1) return n;
    const frame = this.chunks.length === 1 ? Buffer.from(this.chunks[0]) : Buffer.concat(this.chunks, this.size);
    out.push({ type: 'frame', frame });
    this.reset(State.AfterEnd);
    return end + 1;
  }

  private reset(next: State): void {
    this.chunks = [];
    this.size = 0;
    this.head = Buffer.alloc(0);
    this.state = next;
  }
}

/** Copy of the first OVERSIZE_HEAD_BYTES of the chunks (a copy, so the large buffers are not pinned). */
function headOf(chunks: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const c of chunks) {
    if (size >= OVERSIZE_HEAD_BYTES) break;
    const part = c.subarray(0, OVERSIZE_HEAD_BYTES - size);
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts, size);
}

/** Wraps a payload in MLLP framing bytes. */
export function encodeFrame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = MLLP_START;
  body.copy(out, 1);
  out[body.length + 1] = MLLP_END;
  out[body.length + 2] = MLLP_CR;
  return out;
}
