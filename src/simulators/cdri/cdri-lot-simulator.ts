/**
 * The lot service of the CDRi simulator (`<path>/lot`, mounted by CdriSimulator), speaking the modelled lot SOAP of
 * cdri-lot.codec.ts.
 *
 * - deposerLot is idempotent on (install id, referenceLot): the same lot again gets the same ticket and is not
 *   queued twice; the same reference with other questions is refused (LOT_DEJA_DEPOSE).
 * - Questions are worked on in the background, all lots together in deposit order, at `lotThroughputPerSecond`. Each
 *   gets the outcome a unit call would (same overrides, seeded faults and scenarios, same ledger — an IdRequete already
 *   answered is not checked again). What the unit exchange says with HTTP becomes an item error: 5xx →
 *   SERVICE_INDISPONIBLE, 429 → LIMITE_DEBIT, random timeout → DELAI_DEPASSE; SLOW items come out
 *   `lotSlowItemDelayMs` late, after later ones.
 * - consulterLot returns whatever is ready after the cursor (at most `lotPageSize`); results are kept until a later
 *   cursor acknowledges them. The unit service's front-door limits (429) do not apply here: lots are the way around them.
 *
 * A question's NIR is kept only until its processing starts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AmoRightsError, type AmoRightsQuery, type LotQuery } from '../../cdri/amo-rights.port';
import {
  buildConsulterLotResponse,
  buildDeposerLotResponse,
  type LotRequest,
  type LotWireResult,
  MAX_POLL_RESULTS,
  parseLotRequest,
} from '../../cdri/soap/cdri-lot.codec';
import { buildFault, type CdriFaultCode, faultHttpStatus } from '../../cdri/soap/cdri-soap.codec';
import { type CdriCheckLedger, type Outcome } from './cdri-check-ledger';
import { type CdriSimulatorCounters, type CdriSimulatorOptions } from './cdri-simulator.options';

/** What the lot service borrows from CdriSimulator. */
export interface CdriLotHost {
  readonly ledger: CdriCheckLedger;
  options(): CdriSimulatorOptions;
  /** The live counters (replaced by reset(), hence a getter). */
  counters(): CdriSimulatorCounters;
  /** The unit service's decision for a question (seeded faults, override, scenario). */
  decide(query: AmoRightsQuery, nirKey: string): { outcome: Outcome; delayMs: number };
  /** A delay whose timer CdriSimulator.stop() clears. */
  later<T>(ms: number, value: T): Promise<T>;
}

interface Lot {
  ticket: string;
  fingerprint: string;
  total: number;
  /** Questions not started yet; each slot is emptied when its processing starts. */
  waiting: Array<LotQuery | undefined>;
  next: number;
  /** Results produced so far (= traites). */
  produced: number;
  /** Results not acknowledged yet; results[0] is at cursor `base`. */
  results: LotWireResult[];
  base: number;
}

/** Engine period: items are started in small batches so the budget follows the configured rate smoothly. */
const TICK_MS = 10;

export class CdriLotSimulator {
  private readonly lots = new Map<string, Lot>();
  private readonly ticketByRef = new Map<string, string>();
  /** Lots with questions not started, in deposit order. */
  private readonly queue: Lot[] = [];
  private engine: NodeJS.Timeout | undefined;
  private budget = 0;
  private lastTick = 0;
  /** Bumped by reset(): results of work started before must not land in new lots' counters. */
  private generation = 0;

  constructor(private readonly host: CdriLotHost) {}

  /** Answers one lot operation (the body of a POST to `<path>/lot`). */
  handle(xml: string): { status: number; xml: string } {
    const counters = this.host.counters();
    counters.lotCalls++;
    let req: LotRequest;
    try {
      req = parseLotRequest(xml);
    } catch (err) {
      counters.malformed++;
      // The codec's reasons name elements and positions, never values: safe to send back.
      return this.fault('REQUETE_MALFORMEE', err instanceof AmoRightsError ? err.message : 'requête de lot malformée');
    }
    return req.operation === 'deposerLot' ? this.deposit(req) : this.poll(req);
  }

  /** Stops the engine (CdriSimulator.stop()); queued questions resume with the next deposit. */
  stop(): void {
    if (this.engine !== undefined) clearInterval(this.engine);
    this.engine = undefined;
  }

  /** Forgets every lot. */
  reset(): void {
    this.stop();
    this.generation++;
    this.lots.clear();
    this.ticketByRef.clear();
    this.queue.length = 0;
  }

  private deposit(req: Extract<LotRequest, { operation: 'deposerLot' }>): { status: number; xml: string } {
    const { ledger } = this.host;
    const hash = createHash('sha256');
    // The NIRs enter the fingerprint through the ledger's keyed HMAC, never in clear.
    for (const q of req.queries) hash.update(`${q.requestId}\n${ledger.keyOf(q.nir)}\n${q.dateOfCare}\n`);
    const fingerprint = hash.digest('base64url');
    const refKey = `${req.context.installId}\n${req.lotRef}`;
    const known = this.lots.get(this.ticketByRef.get(refKey) ?? '');
    if (known !== undefined) {
      if (known.fingerprint !== fingerprint) return this.fault('LOT_DEJA_DEPOSE', 'référence de lot déjà utilisée pour un autre lot');
      return { status: 200, xml: buildDeposerLotResponse(known.ticket, known.total) };
    }
    const lot: Lot = {
      ticket: `LOT-${randomBytes(12).toString('hex').toUpperCase()}`,
      fingerprint,
      total: req.queries.length,
      waiting: [...req.queries],
      next: 0,
      produced: 0,
      results: [],
      base: 0,
    };
    this.lots.set(lot.ticket, lot);
    this.ticketByRef.set(refKey, lot.ticket);
    this.queue.push(lot);
    this.host.counters().lotsSubmitted++;
    this.run();
    return { status: 200, xml: buildDeposerLotResponse(lot.ticket, lot.total) };
  }

  private poll(req: Extract<LotRequest, { operation: 'consulterLot' }>): { status: number; xml: string } {
    const lot = this.lots.get(req.ticket);
    if (lot === undefined) return this.fault('LOT_INCONNU', 'ticket de lot inconnu');
    if (req.cursor < lot.base || req.cursor > lot.produced) {
      return this.fault('CURSEUR_INVALIDE', 'curseur hors des résultats disponibles');
    }
    // The cursor acknowledges every result before it.
    lot.results.splice(0, req.cursor - lot.base);
    lot.base = req.cursor;
    const max = Math.min(req.max ?? Number.MAX_SAFE_INTEGER, this.host.options().lotPageSize, MAX_POLL_RESULTS);
    const page = lot.results.slice(0, max);
    const nextCursor = lot.base + page.length;
    const done = lot.produced === lot.total && nextCursor === lot.total;
    const status = { ticket: lot.ticket, done, total: lot.total, processed: lot.produced, nextCursor, results: page };
    return { status: 200, xml: buildConsulterLotResponse(status) };
  }

  private run(): void {
    if (this.engine !== undefined || this.queue.length === 0) return;
    this.budget = 0;
    this.lastTick = Date.now();
    this.engine = setInterval(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    const rate = Math.max(0, this.host.options().lotThroughputPerSecond);
    const now = Date.now();
    // Capped at two ticks' worth: a stalled event loop must not release a burst above the configured rate.
    this.budget = Math.min(this.budget + ((now - this.lastTick) * rate) / 1000, Math.max(1, (2 * TICK_MS * rate) / 1000));
    this.lastTick = now;
    while (this.budget >= 1 && this.queue.length > 0) {
      const lot = this.queue[0];
      this.startItem(lot, lot.next++);
      if (lot.next >= lot.total) this.queue.shift();
      this.budget -= 1;
    }
    if (this.queue.length === 0) this.stop();
  }

  private startItem(lot: Lot, index: number): void {
    const query = lot.waiting[index] as LotQuery;
    lot.waiting[index] = undefined;
    const key = this.host.ledger.keyOf(query.nir);
    const generation = this.generation;
    void this.host.ledger
      .obtain(key, query.requestId, () => this.compute(query, key))
      .then((outcome) => {
        if (generation !== this.generation) return;
        lot.results.push(toWireResult(query.requestId, outcome));
        lot.produced++;
        this.host.counters().lotItemsProcessed++;
      });
  }

  private compute(query: LotQuery, key: string): Promise<Outcome> {
    const { outcome } = this.host.decide(query, key);
    const slow = outcome === 'timeout' || (outcome.kind === 'answer' && (outcome.delayMs ?? 0) > 0);
    return slow ? this.host.later(this.host.options().lotSlowItemDelayMs, outcome) : Promise.resolve(outcome);
  }

  private fault(code: CdriFaultCode, text: string): { status: number; xml: string } {
    this.host.counters().faultsServed++;
    return { status: faultHttpStatus(code), xml: buildFault(code, text) };
  }
}

/** A question's outcome as a lot result. */
function toWireResult(requestId: string, outcome: Outcome): LotWireResult {
  const error = (code: string, text: string): LotWireResult => ({ requestId, error: { code, text } });
  if (outcome === 'timeout') return error('DELAI_DEPASSE', 'délai de traitement dépassé');
  switch (outcome.kind) {
    case 'answer':
      return { requestId, answer: outcome.answer };
    case 'fault':
      return error(outcome.code, outcome.text);
    case 'http':
      if (outcome.status === 429) return error('LIMITE_DEBIT', 'limite de débit atteinte');
      return error('SERVICE_INDISPONIBLE', `service indisponible (HTTP ${outcome.status})`);
  }
}
