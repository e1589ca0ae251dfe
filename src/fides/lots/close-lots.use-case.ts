/**
 * Closing lots: `ready` invoices of one (FINESS géographique, grand régime, caisse gestionnaire) → one numbered B2
 * lot file, in ONE transaction: the invoices are locked (FOR UPDATE SKIP LOCKED: two closers never take the same
 * one), the file and lot numbers taken from fides_lot_sequence (UPDATE … RETURNING, the row locked until commit), the
 * bytes written and frozen, the lot and its invoices inserted, the invoices moved ready → in-lot with their history.
 * A crash anywhere before COMMIT leaves nothing: no number used, no invoice moved. Handing the lot to the outbox is
 * the next step (lot-handover.ts), after commit.
 *
 * Planning (which invoices go together) reads without locks and decrypts the drafts; the transaction re-reads and
 * re-checks what it locked. An invoice that draftToB2Invoice refuses (pre-flight should have held it) cannot go
 * back to pre-flight from `ready` (the state machine has no such edge): it is left out of the lot, stays `ready`,
 * and is reported (result `refused`, a log line with its id and the problem codes) and skipped by this process's
 * later runs until its content changes. Invoices of a caisse with no recipient are left `ready` and reported
 * (`unrouted`).
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { type B2Invoice, invoiceTrailerTotals } from '../b2';
import type { Sql } from '../../persistence/sql';
import type { InvoiceStore, StoredInvoice } from '../invoice.store';
import type { B2InvoiceContext, DraftProblem } from './b2-invoice-context';
import { draftToB2Invoice } from './draft-to-b2';
import { writeLotFile } from './lot-file-writer';
import { type LotRecipient } from './lot-recipient';
import { lotNumberOf, lotRefOf } from './lot-ref';
import type { LotRecipientsDirectory } from './lot-recipients-directory';
import { localStamp } from './lot-clock';
import type { LotCloseCause, LotKind, LotStore, StoredLot } from './lot.store';

export interface CloseLotsSettings {
  /** FINESS juridique: emitter of every file. */
  emitterId: string;
  maxInvoicesPerLot: number;
  timeZone: string;
  testIndicator: 'T' | 'R';
  b2Context: B2InvoiceContext;
  /** Invoices decrypted per planning page (bounded memory: only ids and routing are kept across pages). */
  planBatch?: number;
}

export interface CloseRequest {
  cause: LotCloseCause;
  /** Client id, or `system` for the schedule. */
  actor: string;
  /** Only these establishments (FINESS géographique); all when absent. */
  finess?: readonly string[];
  /** Only invoices ready at or before this instant (the daily cut-off). */
  readyBefore?: Date;
  /** Only full lots (closing by size). */
  fullOnly?: boolean;
}

export interface UnroutedGroup {
  finess: string;
  /** Absent when the invoice names none. */
  grandRegime?: string;
  managingFund?: string;
  invoices: number;
}

export interface RefusedInvoice {
  invoiceId: string;
  problems: readonly DraftProblem[];
}

export interface CloseResult {
  lots: StoredLot[];
  unrouted: UnroutedGroup[];
  refused: RefusedInvoice[];
}

/** Crash tests only: run inside the lot's transaction, just before COMMIT, and right after it. */
export interface CloseLotsTestHooks {
  beforeCommit?: (lotRef: string) => void | Promise<void>;
  afterCommit?: (lot: StoredLot) => void | Promise<void>;
}

interface Group {
  finess: string;
  recipient: LotRecipient;
  recipientId: string;
  /** Ids only (the drafts are re-read under lock), oldest ready first. */
  invoices: Array<{ id: string; readyAt: number }>;
}

const NORM_VERSION = 'B22005E';
/** Lot header lotKind: A external consultations, S stays, blank for a lot that mixes them. */
const LOT_KIND_CODE: Record<LotKind, 'A' | 'S' | undefined> = { ace: 'A', stay: 'S', mixed: undefined };
const SOFTWARE_ID = 'PASSERELLE';

const groupKey = (finess: string, r: LotRecipient): string => `${finess}|${r.grandRegime}|${r.managingFund}`;

export class CloseLotsUseCase {
  /** Refused drafts (id + content hash) this process skips until their content changes. */
  private readonly refusedSeen = new Set<string>();

  constructor(
    private readonly db: Sql,
    private readonly invoices: InvoiceStore,
    private readonly lots: LotStore,
    private readonly recipients: LotRecipientsDirectory,
    private readonly settings: CloseLotsSettings,
    private readonly options: { now?: () => Date; testHooks?: CloseLotsTestHooks } = {},
  ) {}

  async close(req: CloseRequest): Promise<CloseResult> {
    const { groups, unrouted } = await this.plan(req);
    const made: StoredLot[] = [];
    const refused: RefusedInvoice[] = [];
    const max = this.settings.maxInvoicesPerLot;
    for (const g of groups) {
      for (let i = 0; i < g.invoices.length; i += max) {
        const chunk = g.invoices.slice(i, i + max);
        if (req.fullOnly && chunk.length < max) continue;
        const lot = await this.closeOne(g, chunk, req, refused);
        if (lot) made.push(lot);
      }
    }
    return { lots: made, unrouted, refused };
  }

  /**
   * Every ready invoice the request covers, read page by page (decrypted one page at a time; only ids and routing
   * are kept), grouped by (FINESS, caisse), each group in the order its invoices became ready; those with no
   * recipient apart.
   */
  private async plan(req: CloseRequest): Promise<{ groups: Group[]; unrouted: UnroutedGroup[] }> {
    const groups = new Map<string, Group>();
    const unrouted = new Map<string, UnroutedGroup>();
    const batch = this.settings.planBatch ?? 2000;
    let afterId: string | undefined;
    for (;;) {
      const page = await this.invoices.readyForLots({ finess: req.finess, readyBefore: req.readyBefore, afterId, limit: batch });
      for (const inv of page) {
        if (this.refusedSeen.has(`${inv.id}:${inv.contentHash}`)) continue;
        const { grandRegime, managingFund } = inv.draft.coverage;
        const recipient = grandRegime !== undefined && managingFund !== undefined ? { grandRegime, managingFund } : undefined;
        const recipientId = recipient && this.recipients.recipientOf(recipient);
        if (!recipient || !recipientId) {
          const key = `${inv.finess}|${grandRegime ?? ''}|${managingFund ?? ''}`;
          const u = unrouted.get(key) ?? { finess: inv.finess, grandRegime, managingFund, invoices: 0 };
          u.invoices++;
          unrouted.set(key, u);
          continue;
        }
        const key = groupKey(inv.finess, recipient);
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { finess: inv.finess, recipient, recipientId, invoices: [] }));
        g.invoices.push({ id: inv.id, readyAt: inv.updatedAt.getTime() });
      }
      if (page.length < batch) break;
      afterId = page[page.length - 1].id;
    }
    for (const g of groups.values()) g.invoices.sort((a, b) => a.readyAt - b.readyAt || (a.id < b.id ? -1 : 1));
    return { groups: [...groups.values()], unrouted: [...unrouted.values()] };
  }

  private async closeOne(
    g: Group,
    chunk: ReadonlyArray<{ id: string }>,
    req: CloseRequest,
    refused: RefusedInvoice[],
  ): Promise<StoredLot | undefined> {
    const hooks = this.options.testHooks;
    const lot = await this.db.transaction(async (tx) => {
      const locked = await this.invoices.lockReady(
        tx,
        chunk.map((inv) => inv.id),
      );
      const taken: Array<{ inv: StoredInvoice; b2: B2Invoice }> = [];
      for (const inv of locked) {
        // Re-checked on what is locked: a new version of the invoice may name another caisse.
        const c = inv.draft.coverage;
        if (inv.finess !== g.finess || c.grandRegime !== g.recipient.grandRegime || c.managingFund !== g.recipient.managingFund) continue;
        const r = draftToB2Invoice(inv.draft, this.settings.b2Context);
        if (r.ok) taken.push({ inv, b2: r.invoice });
        else {
          refused.push({ invoiceId: inv.id, problems: r.problems });
          this.refusedSeen.add(`${inv.id}:${inv.contentHash}`);
        }
      }
      if (taken.length === 0) return undefined;

      const { fileNumber, lotSequence } = await this.lots.takeNumbers(tx, this.settings.emitterId, g.recipient);
      const lotNumber = lotNumberOf(lotSequence);
      const lotRef = lotRefOf(this.settings.emitterId, g.recipient, fileNumber);
      const kinds = new Set(taken.map(({ inv }) => kindOf(inv)));
      const kind: LotKind = kinds.size === 1 ? [...kinds][0] : 'mixed';
      const content = await this.render(
        g.recipient,
        fileNumber,
        lotNumber,
        kind,
        taken.map((t) => t.b2),
      );
      const id = randomUUID();
      const stored = await this.lots.insert(tx, {
        id,
        lotRef,
        emitterId: this.settings.emitterId,
        recipient: g.recipient,
        finess: g.finess,
        fileNumber,
        lotSequence,
        lotNumber,
        kind,
        recipientId: g.recipientId,
        content,
        closeCause: req.cause,
        closedBy: req.actor,
        invoices: taken.map(({ inv, b2 }) => ({ invoiceId: inv.id, ...amountsOf(b2) })),
      });
      const ids = taken.map(({ inv }) => inv.id);
      const moved = await this.invoices.transitionMany(tx, ids, {
        from: 'ready',
        to: 'in-lot',
        cause: `lot ${lotRef}`,
        actor: req.actor,
        lotId: id,
      });
      // Locked above, so nobody else can have moved them: anything else is a bug, and rolls everything back.
      if (moved.length !== ids.length) throw new Error(`lot ${lotRef}: ${ids.length - moved.length} invoice(s) were no longer ready`);
      await hooks?.beforeCommit?.(lotRef);
      return stored;
    });
    if (lot) await hooks?.afterCommit?.(lot);
    return lot;
  }

  /** The lot's B2 file, whole in memory (≤ FIDES_MAX_INVOICES_PER_LOT invoices: a few MB at most). */
  private async render(
    recipient: LotRecipient,
    fileNumber: number,
    lotNumber: number,
    kind: LotKind,
    invoices: B2Invoice[],
  ): Promise<Buffer> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const stamp = localStamp((this.options.now ?? (() => new Date()))(), this.settings.timeZone);
    let asked = 0;
    await writeLotFile(
      out,
      recipient,
      {
        emitterId: this.settings.emitterId,
        fileNumber: String(fileNumber).padStart(6, '0'),
        creationDate: stamp.date,
        creationTime: stamp.time,
        normVersion: NORM_VERSION,
        testIndicator: this.settings.testIndicator,
        softwareId: SOFTWARE_ID,
        lotKind: LOT_KIND_CODE[kind],
      },
      invoices,
      {
        // One billing FINESS and at most the maximum: exactly one lot per file (the migration says why).
        maxInvoicesPerLot: this.settings.maxInvoicesPerLot,
        nextLotNumber: () => {
          if (++asked > 1) throw new Error('a lot file holds one lot: the writer asked for a second lot number');
          return String(lotNumber);
        },
      },
    );
    return Buffer.concat(chunks);
  }
}

function kindOf(inv: StoredInvoice): 'ace' | 'stay' {
  return inv.draft.kind ?? (inv.draft.lines.some((l) => l.kind === 'hospital-service') ? 'stay' : 'ace');
}

/** Billed and AMO amounts of an invoice, as its type 5 sums them. */
function amountsOf(inv: B2Invoice): { billedCents: number; amoCents: number } {
  const t = invoiceTrailerTotals(inv.records);
  return { billedCents: t.totalHospitalBilled + t.totalFees, amoCents: t.totalHospitalAmo + t.totalFeesAmo };
}
