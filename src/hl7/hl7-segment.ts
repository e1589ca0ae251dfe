import { CharsetCodec } from './hl7-charset';
import { countPieces, Hl7Delimiters, piece, unescapeHl7 } from './hl7-escape';

export interface Hl7Context {
  readonly delimiters: Hl7Delimiters;
  readonly codec: CharsetCodec;
}

/** One segment; fields are split on first access only. */
export class Hl7Segment {
  private parts: string[] | undefined;
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
    const n = this.fields().length - 1;
    return this.isMsh ? n + 1 : n;
  }

  /** Raw text of field `n` (1-based, HL7 numbering; MSH-1 is the field separator), '' if absent. */
  fieldRaw(n: number): string {
    if (this.isMsh) {
      if (n === 1) return this.message.delimiters.field;
      n -= 1;
    }
    const parts = this.fields();
    return n >= 1 && n < parts.length ? parts[n] : '';
  }

  /** Decoded value at field/repetition/component/sub-component (all 1-based), '' if absent. */
  get(field: number, repetition = 1, component = 1, subcomponent = 1): string {
    let v = this.fieldRaw(field);
    if (v === '') return v;
    if (this.isMsh && field <= 2) return v; // MSH-1/MSH-2 are the delimiters themselves, never split
    const d = this.message.delimiters;
    v = piece(v, d.repetition, repetition);
    if (v === '') return v;
    v = piece(v, d.component, component);
    if (v === '') return v;
    v = piece(v, d.subcomponent, subcomponent);
    return unescapeHl7(v, d, this.message.codec);
  }

  /** Number of repetitions of a field (0 when empty). */
  repetitionCount(field: number): number {
    const v = this.fieldRaw(field);
    return v === '' ? 0 : countPieces(v, this.message.delimiters.repetition);
  }

  private fields(): string[] {
    if (this.parts === undefined) this.parts = this.raw.split(this.message.delimiters.field);
    return this.parts;
  }
}

