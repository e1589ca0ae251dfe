/**
 * The handler given to ReturnsPoller: every insurer return (ARL, NOEMIE RSP, DRE-ES return…) is
 *   1. stored raw and durably FIRST (inbound_return; the same source + name + SHA-256 again is acknowledged without
 *      a second row),
 *   2. decrypted / verified / unwrapped (return-unwrapper.ts) — a file that fails is kept with its error and marked
 *      'not-routed': it is acknowledged at the source, not retried forever,
 *   3. linked to its transmission by lot ref (from the poller's file-name pattern, else `lotRefOf`), stamping the
 *      transmission's return_received_at,
 *   4. routed to the handler registered for its flow (the billing flows register theirs); with none, the row says
 *      'unconsumed'. A failing flow handler makes the poller retry the file, up to `maxRouteAttempts`.
 * Delivery is at-least-once (a crash after step 1 replays steps 2-4 on the next poll): flow handlers must be
 * idempotent per return id. Events carry ids, names and statuses, never content or key material.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type CertificateChecker } from '../../signing/certificate-checker';
import { type KeyProvider } from '../../signing/key-provider';
import { type Sql } from '../../persistence/sql';
import { type ReceivedReturnFile, type ReturnsHandler } from '../returns/returns-source';
import { type InboundReturn, InboundReturnStore, type RouteStatus } from './inbound-return.store';
import { type UnwrappedReturn, unwrapReturn } from './return-unwrapper';

/** Why a return's signature does not count, whatever the trust store says. */
export type SignerRefusal = 'unsigned' | 'unlinked' | 'no-pinned-signer' | 'other-signer';

const REFUSAL_TEXT: Record<SignerRefusal, string> = {
  unsigned: 'the return is not signed',
  unlinked: 'the return matches no transmission, so no insurer whose signer could be checked',
  'no-pinned-signer': 'no signer certificate is configured for this insurer (RETURNS_SIGNERS)',
  'other-signer': 'signed by a certificate other than the one configured for this insurer (RETURNS_SIGNERS)',
};

/** The signer must be exactly the certificate pinned for the insurer the return's transmission went to. */
export function signerRefusal(
  u: Pick<UnwrappedReturn, 'signature' | 'signerSha256'>,
  recipientId: string | undefined,
  expected: ReadonlyMap<string, string>,
): SignerRefusal | undefined {
  if (u.signature !== 'valid' || !u.signerSha256) return 'unsigned';
  if (!recipientId) return 'unlinked';
  const pinned = expected.get(recipientId);
  if (!pinned) return 'no-pinned-signer';
  return pinned === u.signerSha256 ? undefined : 'other-signer';
}

/** Consumes the returns of one flow (e.g. 'b2' reads ARL / RSP). Must be idempotent per return id. */
export type ReturnFlowHandler = (ret: InboundReturn) => Promise<void>;

export interface IntakeEvent {
  type: 'stored' | 'duplicate' | 'not-routed' | 'refused' | 'unconsumed' | 'consumed' | 'handler-retry' | 'handler-failed';
  /** Why a return was refused (its signer did not match the insurer's pinned one). */
  refusal?: SignerRefusal;
  returnId: string;
  source: string;
  fileName: string;
  lotRef: string | null;
  transmissionId: string | null;
  flow: string | null;
  signature?: string;
  encrypted?: boolean;
  error?: string | null;
}

export interface ReturnsIntakeOptions {
  db: Sql;
  /** Our decryption key(s): the current certificate, and the previous one during a renewal. */
  keyProviders: KeyProvider | readonly KeyProvider[];
  /** Trust store for the insurers' signatures. */
  checker: CertificateChecker;
  /**
   * recipient id → SHA-256 fingerprint (uppercase hex, no colons) of the one certificate that signs that insurer's
   * returns. Trusted is not enough: another trusted signer, an unsigned return, or a return not linked to a
   * transmission (so to no insurer) is stored and refused — nothing of it reaches a flow.
   */
  expectedSigners: ReadonlyMap<string, string>;
  /** Lot ref when the poller's file-name pattern found none (e.g. read from the decrypted ARL). */
  lotRefOf?: (file: ReceivedReturnFile, content: Buffer | null) => string | undefined;
  /** Flow of a return that matches no transmission (e.g. by source name). */
  flowOf?: (file: ReceivedReturnFile) => string | undefined;
  /** Flow-handler failures before the return is parked as 'handler-failed' (default 5). */
  maxRouteAttempts?: number;
  onEvent?: (event: IntakeEvent) => void;
}

export class ReturnsIntake {
  /** Pass this to ReturnsPoller. */
  readonly handler: ReturnsHandler = async (file) => {
    await this.handle(file);
  };
  private readonly store: InboundReturnStore;
  private readonly flows = new Map<string, ReturnFlowHandler>();

  constructor(private readonly opts: ReturnsIntakeOptions) {
    this.store = new InboundReturnStore(opts.db);
  }

  /** Registers the consumer of a flow's returns (one per flow). */
  register(flow: string, handler: ReturnFlowHandler): void {
    if (this.flows.has(flow)) throw new Error(`ReturnsIntake: a handler is already registered for flow "${flow}"`);
    this.flows.set(flow, handler);
  }

  /** Stores, unwraps, links and routes one file; resolves once the poller may acknowledge it. */
  async handle(file: ReceivedReturnFile): Promise<InboundReturn> {
    const sha256 = createHash('sha256').update(file.content).digest('hex');
    const { row, created } = await this.store.insertRaw({
      id: randomUUID(),
      source: file.source,
      fileName: file.name,
      sha256,
      raw: file.content,
      lotRef: file.lotId ?? null,
      receivedAt: file.receivedAt,
    });
    if (!created && row.processedAt) {
      this.emit('duplicate', row);
      return row;
    }
    if (created) this.emit('stored', row);

    const u = await unwrapReturn(file.content, { keyProviders: this.opts.keyProviders, checker: this.opts.checker, now: row.receivedAt });
    const lotRef = file.lotId ?? this.opts.lotRefOf?.(file, u.content) ?? null;
    await this.store.recordUnwrap(row.id, { ...u, lotRef, flow: this.opts.flowOf?.(file) ?? null });
    const link = lotRef ? await this.store.linkTransmission(row.id, lotRef, row.receivedAt) : undefined;
    const refusal = u.error ? undefined : signerRefusal(u, link?.recipientId, this.opts.expectedSigners);
    const ret: InboundReturn = {
      ...row,
      ...u,
      lotRef,
      transmissionId: link?.transmissionId ?? null,
      flow: link?.flow ?? this.opts.flowOf?.(file) ?? null,
    };

    if (u.error) return this.finish(ret, 'not-routed');
    if (refusal) {
      const refused = { ...ret, error: `refused: ${REFUSAL_TEXT[refusal]}${link ? ` (recipient ${link.recipientId})` : ''}` };
      await this.store.refuse(ret.id, refused.error);
      await this.store.finish(ret.id, 'not-routed');
      this.emit('refused', refused, refusal);
      return { ...refused, routeStatus: 'not-routed' };
    }
    const consume = ret.flow ? this.flows.get(ret.flow) : undefined;
    if (!consume) return this.finish(ret, 'unconsumed');
    try {
      await consume(ret);
    } catch (err) {
      const error = `flow handler failed: ${err instanceof Error ? err.message.slice(0, 300) : 'unknown error'}`;
      const max = this.opts.maxRouteAttempts ?? 5;
      const { attempts, gaveUp } = await this.store.routeFailed(ret.id, error, max);
      const failed = { ...ret, error, routeAttempts: attempts };
      if (gaveUp) {
        this.emit('handler-failed', failed);
        return { ...failed, routeStatus: 'handler-failed' };
      }
      this.emit('handler-retry', failed);
      throw err; // the poller keeps the file and hands it over again next run
    }
    return this.finish(ret, 'consumed');
  }

  /** A stored return (e.g. for an operator view). */
  async get(id: string): Promise<InboundReturn | undefined> {
    return this.store.get(id);
  }

  private async finish(ret: InboundReturn, status: RouteStatus): Promise<InboundReturn> {
    await this.store.finish(ret.id, status);
    this.emit(status, ret);
    return { ...ret, routeStatus: status };
  }

  private emit(type: IntakeEvent['type'], r: InboundReturn, refusal?: SignerRefusal): void {
    try {
      this.opts.onEvent?.({
        type,
        ...(refusal ? { refusal } : {}),
        returnId: r.id,
        source: r.source,
        fileName: r.fileName,
        lotRef: r.lotRef,
        transmissionId: r.transmissionId,
        flow: r.flow,
        signature: r.signature,
        encrypted: r.encrypted,
        error: r.error,
      });
    } catch {
      // A failing listener must not make the poller retry a stored file.
    }
  }
}
