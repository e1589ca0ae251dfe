import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { buildPamText, type PamSampleEvent } from './hl7-samples';
import { seededRandom as prng } from '../../src/common/seeded-random';

/**
 * Deterministic generator of hostile MLLP payloads for the HL7 fuzz test and benchmark (issue 8 §3).
 *
 * Contract ("every frame answered", precisely): each payload is sent as one well-formed MLLP frame
 * (VT payload FS CR) and never contains VT (0x0B) or FS (0x1C) — those are MLLP's own framing bytes: a VT inside a
 * payload *is* a new frame by definition, so no HL7 message can carry one. Such a frame must get exactly one answer on
 * its connection, in order, and that answer must be an HL7 ACK whose MSA-1 is AA, AE or AR. Input that cannot be
 * framed at all (bytes with no VT) is generated separately by `garbageStream` and must make the gateway close the
 * connection without answering (the framer's garbage limit).
 */
export type FuzzKind =
  | 'random-bytes'
  | 'mutated-sample'
  | 'truncated'
  | 'repeated-field'
  | 'many-segments'
  | 'long-field'
  | 'mixed-charset'
  | 'valid'
  | 'reused-id'
  | 'oversized';

export interface FuzzFrame {
  kind: FuzzKind;
  payload: Buffer;
}

const ROOT = __dirname.includes(`${sep}dist${sep}`) ? join(__dirname, '..', '..', '..') : join(__dirname, '..', '..');
const CORPUS_DIR = join(ROOT, 'tests', 'fixtures', 'hl7');

/** Drops MLLP framing bytes: what remains is a payload an MLLP sender could actually deliver. */
function framable(b: Buffer): Buffer {
  if (b.indexOf(0x0b) === -1 && b.indexOf(0x1c) === -1) return b;
  return Buffer.from(b.filter((x) => x !== 0x0b && x !== 0x1c));
}

/**
 * Events of the generated samples: no A01/A04/A05/A38, whose acceptance queues an insurer call — the fuzz is about the
 * edge, and 100,000 frames would otherwise mostly measure the CDRi simulator. Mutated public samples (the corpus has
 * A01s and an A04) still take the CDRi requirements path.
 */
const EVENTS: PamSampleEvent[] = ['A28', 'A31', 'A08', 'A03', 'A02', 'A11', 'A12', 'A13', 'A40', 'Z99'];
const CHARSETS = ['UNICODE UTF-8', '8859/1', 'ASCII', '8859/15', 'UNICODE UTF-16', 'KLINGON', '', 'UNICODE'];
const NASTY = ['|', '^', '~', '\\', '&', '\r', '\n', '\r\n', '\u0000', '\u00e9', '\u{1F600}', '\\X0D\\', '\\F\\', '""', 'MSH|', '\uFFFD'];

export class FuzzFrames {
  private readonly rnd: () => number;
  private readonly samples: string[];
  private readonly corpus: Buffer[];
  private n = 0;

  constructor(
    seed: number,
    /** Oversized frames (> maxFrameBytes) to include, spread over the run. */
    private readonly oversized = 4,
    private readonly maxFrameBytes = 1024 * 1024,
    /** Baseline traffic for the benchmark: well-formed identity messages (A28) only, each with a fresh MSH-10. */
    private readonly validOnly = false,
  ) {
    this.rnd = prng(seed);
    this.corpus = readdirSync(CORPUS_DIR)
      .filter((f) => f.endsWith('.hl7'))
      .map((f) => readFileSync(join(CORPUS_DIR, f)));
    this.samples = EVENTS.map((e, i) => buildPamText(e, { controlId: `FZ-BASE-${i}`, nir: makeTestNir({ order: 100 + i }) }));
  }

  private int(max: number): number {
    return Math.floor(this.rnd() * max);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** A valid PAM FR text with a fresh MSH-10 (unique across the run unless a mutation hits it). */
  private sample(): string {
    const id = `FZ${(this.n++).toString(36)}`;
    return this.pick(this.samples).replace(/\|FZ-BASE-\d+\|/, `|${id}|`);
  }

  private randomBytes(len: number): Buffer {
    const b = Buffer.allocUnsafe(len);
    for (let i = 0; i < len; i++) b[i] = this.int(256);
    return b;
  }

  private mutate(text: string): string {
    let s = text;
    const edits = 1 + this.int(6);
    for (let k = 0; k < edits; k++) {
      const at = this.int(s.length + 1);
      switch (this.int(6)) {
        case 0:
          s = s.slice(0, at) + this.pick(NASTY) + s.slice(at);
          break;
        case 1:
          s = s.slice(0, at) + s.slice(at + 1 + this.int(20));
          break;
        case 2: {
          const segs = s.split('\r');
          const i = this.int(segs.length);
          segs.splice(i, 0, ...Array.from({ length: 1 + this.int(5) }, () => segs[i]));
          s = segs.join('\r');
          break;
        }
        case 3:
          s = s.slice(0, at) + String.fromCharCode(this.int(0x3000)) + s.slice(at + 1);
          break;
        case 4:
          s = s.replace(/\|2\.5\^FRA\^2\.11\|/, `|${this.pick(['2.5', '2.3.1', '2.4', '3.0', '2.5^FRA', '', '2.9'])}|`);
          break;
        default:
          s = s.replace(/UNICODE UTF-8/, this.pick(CHARSETS));
      }
    }
    return s;
  }

  next(index: number, total: number): FuzzFrame {
    if (this.validOnly) {
      const id = `FZV${(this.n++).toString(36)}`;
      return { kind: 'valid', payload: Buffer.from(this.samples[0].replace(/\|FZ-BASE-\d+\|/, `|${id}|`), 'utf8') };
    }
    const f = this.generate(index, total);
    return { kind: f.kind, payload: framable(f.payload) };
  }

  private generate(index: number, total: number): FuzzFrame {
    // The oversized frames sit at fixed places of the run.
    if (this.oversized > 0 && index % Math.max(1, Math.floor(total / this.oversized)) === 7) {
      const head = Buffer.from(this.sample().split('\r')[0] + '\r', 'utf8');
      return { kind: 'oversized', payload: Buffer.concat([head, Buffer.alloc(this.maxFrameBytes + 1, 0x41)]) };
    }
    const r = this.rnd();
    if (r < 0.3) return { kind: 'random-bytes', payload: framable(this.randomBytes(this.int(this.rnd() < 0.9 ? 600 : 20000))) };
    if (r < 0.55) {
      const base = this.rnd() < 0.3 ? this.pick(this.corpus).toString('latin1') : this.sample();
      return { kind: 'mutated-sample', payload: framable(Buffer.from(this.mutate(base), this.rnd() < 0.5 ? 'utf8' : 'latin1')) };
    }
    if (r < 0.64) {
      const text = this.sample();
      return { kind: 'truncated', payload: framable(Buffer.from(text.slice(0, this.int(text.length)), 'utf8')) };
    }
    if (r < 0.69) {
      const reps = this.rnd() < 0.7 ? 1 + this.int(200) : 201 + this.int(3000);
      const text = this.sample().replace(/\rPID\|1\|\|/, `\rPID|1||${'X^^^A&1.2&ISO^PI~'.repeat(reps)}`);
      return { kind: 'repeated-field', payload: Buffer.from(text, 'utf8') };
    }
    if (r < 0.73) {
      const count = this.rnd() < 0.7 ? 10 + this.int(1500) : 2001 + this.int(4000);
      const text = this.sample() + Array.from({ length: count }, (_, i) => `OBX|${i}|ST|X||v`).join('\r');
      return { kind: 'many-segments', payload: Buffer.from(text, 'utf8') };
    }
    if (r < 0.75) {
      const len = this.rnd() < 0.5 ? 1000 + this.int(60000) : 65537 + this.int(300000);
      const text = this.sample().replace(/\rPID\|1\|/, `\rPID|1|${'Z'.repeat(len)}`);
      return { kind: 'long-field', payload: Buffer.from(text, 'utf8') };
    }
    if (r < 0.87) {
      const text = this.sample()
        .replace(/UNICODE UTF-8/, this.pick(CHARSETS))
        .replace(/TESTNOM-ZZQ/, this.pick(['MÜLLER', 'ÉLODIE', '名前', 'Ωmega', '\u00ff\u00fe']));
      return { kind: 'mixed-charset', payload: framable(Buffer.from(text, this.rnd() < 0.5 ? 'utf8' : 'latin1')) };
    }
    if (r < 0.9) {
      // Same MSH-10 as an earlier frame, other content: the id-conflict path (or a duplicate when content matches).
      const text = this.pick(this.samples).replace(/\|FZ-BASE-(\d+)\|/, `|FZ-REUSED-${this.int(50)}|`);
      return { kind: 'reused-id', payload: Buffer.from(this.rnd() < 0.5 ? text : this.mutate(text), 'utf8') };
    }
    return { kind: 'valid', payload: Buffer.from(this.sample(), 'utf8') };
  }
}

/** Bytes that are not MLLP at all (no VT): the gateway must close such a connection without answering. */
export function garbageStream(seed: number, bytes: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) {
    const x = Math.floor(rnd() * 256);
    b[i] = x === 0x0b ? 0x0a : x;
  }
  return b;
}
