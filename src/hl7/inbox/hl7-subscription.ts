import { type Hl7Issue } from '../hl7-ack';

/** Facts kept with an accepted ADT message: what the follow-up work needs, without re-parsing. */
export interface StoredAdtFacts {
  event: string;
  nir?: string;
  nirField?: string;
  birthDate?: string;
  dateOfCare?: string;
  finess?: string;
  sendingApplication?: string;
  visitNumber?: string;
  ipp?: string;
  /** PID-5, kept in the database only, for the rights-change A08 that the GAP expects to carry the name. */
  familyName?: string;
  givenName?: string;
}

/** An accepted, stored message handed to the flows that follow it up. */
export interface AcceptedHl7Message {
  /** inbox_message id: the idempotency key of every follow-up (a crash replays the batch). */
  id: string;
  facts: StoredAdtFacts;
  correlationId: string;
}

/**
 * How a flow follows up HL7 messages (e.g. CDRi: A05/A01/A04 → rights check and planned encounter). The HL7 inbox
 * stores and acknowledges every message itself; a message some subscription `wants` goes through the inbox outbox,
 * drained off the ACK path in batches, and is marked dispatched only after every subscription handled it.
 */
export interface Hl7Subscription {
  name: string;
  /** Decided at store time, in the edge process: does this message need this flow's follow-up? */
  wants(facts: StoredAdtFacts): boolean;
  /**
   * What this flow cannot do without, checked before the ACK whatever the sender's strictness (e.g. CDRi: the visit
   * number of a planned encounter). Errors (severity E) turn the ACK into AE; texts name fields, never values.
   */
  requirements?(facts: StoredAdtFacts): Hl7Issue[];
  /** Follow-up of a batch of wanted messages. Must be idempotent per message id. */
  handle(batch: AcceptedHl7Message[]): Promise<void>;
}
