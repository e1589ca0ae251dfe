import { type CharsetCodec } from './hl7-charset';
import { countPieces, type Hl7Delimiters, piece, unescapeHl7 } from './hl7-escape';

export interface Hl7Context {
  readonly delimiters: Hl7Delimiters;
  readonly codec: CharsetCodec;
}

/**
 * One segment. Field boundaries are found on demand and remembered: `ends[i]` is the index of the separator that
 * closes piece i (piece 0 = the segment name). Reading PID-7 scans up to PID-7 only, and no substring is made for
 * fields nobody reads (splitting whole segments was a third of the parse+read time in bench/hl7-parse.bench.ts).
 */
export class Hl7Segment {
  private ends: number[] | undefined; // allocated on first read: most segments of a message are never read
  private complete = false;
  /** Repetitions of fields read beyond their first repetition, split once (a loop over PID-3 stays linear). */
  private repetitions: Map<number, string[]> | undefined;
  private readonly isMsh: boolean;

  constructor(
    readonly name: string,
    /** Raw text of the segment (escape sequences not decoded). */
    readonly raw: string,
    /** The owning message (delimiters and codec); an interface to keep this file free of import cycles. */
    private readonly message: Hl7Context,
  ) {
    this.isMsh = name === 'MSH';
  }

  /** Highest field number present in the segment. */
  get fieldCount(): number {
    this.scanTo(Number.MAX_SAFE_INTEGER);
    const n = (this.ends as number[]).length - 1;
    return this.isMsh ? n + 1 : n;
  }

  /** Raw text of field `n` (1-based, HL7 numbering; MSH-1 is the field separator), '' if absent. */
  fieldRaw(n: number): string {
    if (this.isMsh) {
      if (n === 1) return this.message.delimiters.field;
      n -= 1;
    }
    if (n < 1) return '';
    if ((this.ends === undefined || n >= this.ends.length) && !this.scanTo(n)) return '';
    const ends = this.ends as number[];
    const start = ends[n - 1] + 1;
    return start === ends[n] ? '' : this.raw.slice(start, ends[n]);
  }

  /** Decoded value at field/repetition/component/sub-component (all 1-based), '' if absent. */
  get(field: number, repetition = 1, component = 1, subcomponent = 1): string {
    let v = this.fieldRaw(field);
    if (v === '') return v;
    if (this.isMsh && field <= 2) return v; // MSH-1/MSH-2 are the delimiters themselves, never split
    const d = this.message.delimiters;
    v = repetition === 1 ? piece(v, d.repetition, 1) : (this.repetitionsOf(field, v)[repetition - 1] ?? '');
    if (v === '') return v;
    v = piece(v, d.component, component);
    if (v === '') return v;
    v = piece(v, d.subcomponent, subcomponent);
    return unescapeHl7(v, d, this.message.codec);
  }

  private repetitionsOf(field: number, raw: string): string[] {
    this.repetitions ??= new Map();
    let reps = this.repetitions.get(field);
    if (reps === undefined) {
      reps = raw.split(this.message.delimiters.repetition);
      this.repetitions.set(field, reps);
    }
    return reps;
  }

  /** Number of repetitions of a field (0 when empty). */
  repetitionCount(field: number): number {
    const v = this.fieldRaw(field);
    return v === '' ? 0 : countPieces(v, this.message.delimiters.repetition);
  }

  /** Extends `ends` until piece n is known; false when the segment has fewer pieces. */
  private scanTo(n: number): boolean {
    if (this.ends === undefined) this.ends = [];
    const ends = this.ends;
    if (!this.complete) {
      const raw = this.raw;
      const sep = this.message.delimiters.field;
      let from = ends.length === 0 ? 0 : ends[ends.length - 1] + 1;
      while (ends.length <= n) {
        const e = raw.indexOf(sep, from);
        if (e === -1) {
          ends.push(raw.length); // the last piece ends with the segment
          this.complete = true;
          break;
        }
        ends.push(e);
        from = e + 1;
      }
    }
    return n < ends.length;
  }
}
