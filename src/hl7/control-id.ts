import { randomBytes } from 'node:crypto';

/**
 * Unique MSH-10 values for the messages we emit (ACKs, outbound ADT): a random per-process tag plus a counter,
 * at most 20 characters (the HL7 v2.5 length of MSH-10), unique across restarts without a database round trip.
 */
export class ControlIdGenerator {
  private counter = 0;
  private readonly tag = `P${randomBytes(5).toString('hex').toUpperCase()}`;

  next(): string {
    this.counter += 1;
    return `${this.tag}${this.counter.toString(36).toUpperCase().padStart(8, '0')}`;
  }
}
