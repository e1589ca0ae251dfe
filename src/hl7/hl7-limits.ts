/**
 * Bounds on the work one inbound HL7 message may cause. Real ADT messages (PAM FR) have a few dozen segments, a
 * handful of repetitions per field and fields of at most a few hundred characters; these limits are one or two
 * orders of magnitude above that, and a message beyond them is refused (AR) with an ERR naming the limit, before
 * any validation runs. They are checked in the parser's single pass over the text (see parseHl7).
 */
export interface Hl7Limits {
  /** Segments per message (MSH included). */
  maxSegments: number;
  /** Repetitions of one field. */
  maxRepetitions: number;
  /** Characters of one field (all its repetitions and components). */
  maxFieldLength: number;
}

export const DEFAULT_HL7_LIMITS: Hl7Limits = {
  maxSegments: 2000,
  maxRepetitions: 200,
  maxFieldLength: 64 * 1024,
};
