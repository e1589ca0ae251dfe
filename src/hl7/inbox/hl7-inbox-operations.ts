import { GatewayError } from '../../common/gateway-error';
import { type AckCode } from '../hl7-ack';
import { parseHl7 } from '../hl7-message';
import { MllpCloseConnection } from '../mllp/mllp-server';
import { type Hl7IdConflictStore, type Hl7IdConflictSummary, type PageCursor } from './hl7-id-conflict.store';
import { type Hl7ParkedMessageStore, type Hl7ParkedSummary } from './hl7-parked-message.store';

export type { PageCursor } from './hl7-id-conflict.store';

/** What a replay of a parked message got: the ACK code and its ERR entries as `SEG^seq^field severity code` (no texts). */
export interface Hl7ReplayOutcome {
  ackCode: AckCode;
  errors: string[];
  /** Set when the replay got AA: the parked message is resolved by it. */
  resolvedAt?: string;
}

/**
 * The operator's side of the HL7 edge's two safety tables (hl7_id_conflict, hl7_parked_message): list them without
 * their bytes, acknowledge a conflict, resolve or replay a parked message. The platform's HTTP routes reach it through
 * the HL7_INBOX token (src/http/hl7-inbox.controller.ts); the composition root builds it with the MLLP handler's
 * `replay`, so that a replay takes exactly the path of a received frame.
 */
export interface Hl7InboxOperations {
  conflicts(q: { open: boolean; limit: number; before?: PageCursor }): Promise<{ conflicts: Hl7IdConflictSummary[]; next?: PageCursor }>;
  acknowledgeConflict(id: string): Promise<{ acknowledgedAt: string; now: boolean } | undefined>;
  parked(q: { open: boolean; limit: number; before?: PageCursor }): Promise<{ parked: Hl7ParkedSummary[]; next?: PageCursor }>;
  resolveParked(contentHash: string): Promise<{ resolvedAt: string; now: boolean } | undefined>;
  /** undefined: nothing is parked under this hash. */
  replayParked(contentHash: string): Promise<Hl7ReplayOutcome | undefined>;
}

export class Hl7InboxOperationsService implements Hl7InboxOperations {
  constructor(
    private readonly conflictStore: Pick<Hl7IdConflictStore, 'page' | 'acknowledge'>,
    private readonly parkedStore: Pick<Hl7ParkedMessageStore, 'page' | 'parkedRaw' | 'resolve'>,
    /** Hl7InboundHandler.replay: the ACK bytes, or MllpCloseConnection when the storage is unavailable. */
    private readonly replay: (frame: Buffer) => Promise<Buffer>,
  ) {}

  conflicts(q: { open: boolean; limit: number; before?: PageCursor }) {
    return this.conflictStore.page(q);
  }

  acknowledgeConflict(id: string) {
    return this.conflictStore.acknowledge(id);
  }

  parked(q: { open: boolean; limit: number; before?: PageCursor }) {
    return this.parkedStore.page(q);
  }

  resolveParked(contentHash: string) {
    return this.parkedStore.resolve(contentHash);
  }

  async replayParked(contentHash: string): Promise<Hl7ReplayOutcome | undefined> {
    const parked = await this.parkedStore.parkedRaw(contentHash);
    if (!parked) return undefined;
    const ack = parseHl7(await this.replayOrUnavailable(parked.raw));
    const ackCode = ack.get('MSA', 1, 1) as AckCode;
    const errors = ack
      .segmentsNamed('ERR')
      .map((_, i) => `${ack.raw('ERR', i + 1, 2)} ${ack.get('ERR', i + 1, 4)} ${ack.get('ERR', i + 1, 3)}`);
    if (ackCode !== 'AA') return { ackCode, errors };
    const resolved = await this.parkedStore.resolve(contentHash);
    return { ackCode, errors, ...(resolved ? { resolvedAt: resolved.resolvedAt } : {}) };
  }

  private async replayOrUnavailable(raw: Buffer): Promise<Buffer> {
    try {
      return await this.replay(raw);
    } catch (err) {
      // What MLLP answers by closing the connection (the sender resends) is a 503 here: not replayed, try again.
      if (err instanceof MllpCloseConnection)
        throw new GatewayError('STORAGE_UNAVAILABLE', 'HL7 storage is unavailable: the message was not replayed; retry later');
      throw err;
    }
  }
}
