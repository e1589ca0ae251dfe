/**
 * What the simulated insurer remembers about the questions it was asked, shared by the unit service and the lot
 * service so that one IdRequete is one question whichever way it arrives:
 * - per-NIR counters (calls, answers, checks), keyed by an HMAC with a per-instance random key — never the NIR in clear;
 * - per IdRequete, the final outcome it gave: a repeated id gets that same outcome without the scenario running again,
 *   and a repeat that arrives while the first is still being worked on waits for it (an idempotent insurer).
 *
 * Final = an answer or a Sender fault (the question itself is wrong): what the insurer would store. Transient
 * failures (5xx, 429, technical fault, timeout) are not answers, so asking again runs the question afresh.
 * Memory grows with the distinct ids seen until reset(): fine for tests, demos and load runs of a simulator.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isInvalidRequestFault } from '../../cdri/soap/cdri-soap.codec';
import { type SimulatedOutcome } from './simulated-patients';

/** A question's outcome: the scenario's, or 'timeout' (held, then a 504). */
export type Outcome = SimulatedOutcome | 'timeout';

/** True for what an insurer stores as the answer to a question (see file comment). */
export function isFinal(outcome: Outcome): boolean {
  if (outcome === 'timeout') return false;
  return outcome.kind === 'answer' || (outcome.kind === 'fault' && isInvalidRequestFault(outcome.code));
}

/** The same IdRequete with another NIR is a client bug: refused, never answered with someone else's rights. */
export const REUSED_REQUEST_ID: Outcome = {
  kind: 'fault',
  code: 'ID_REQUETE_REUTILISE',
  text: 'IdRequete déjà utilisé pour une autre question',
};

interface NirCounters {
  calls: number;
  answered: number;
  checks: number;
}

interface Remembered {
  nirKey: string;
  outcome?: Outcome;
  pending?: Promise<Outcome>;
}

export class CdriCheckLedger {
  private readonly hmacKey = randomBytes(32);
  private readonly perNir = new Map<string, NirCounters>();
  private readonly byRequestId = new Map<string, Remembered>();
  private checks = 0;
  /** Bumped by reset(): work started before a reset must not count after it. */
  private generation = 0;

  /** Key of a NIR in every map of the simulator. */
  keyOf(nir: string): string {
    return createHmac('sha256', this.hmacKey).update(nir).digest('base64url');
  }

  /** One HTTP call about this NIR (whatever comes of it). */
  countCall(nirKey: string): void {
    this.counters(nirKey).calls++;
  }

  /** One HTTP 200 carrying rights about this NIR. */
  countAnswered(nirKey: string): void {
    this.counters(nirKey).answered++;
  }

  callsFor(nir: string): number {
    return this.perNir.get(this.keyOf(nir))?.calls ?? 0;
  }

  answeredFor(nir: string): number {
    return this.perNir.get(this.keyOf(nir))?.answered ?? 0;
  }

  /** Distinct IdRequete given a final outcome for this NIR, plus every question without an id that got one. */
  checksFor(nir: string): number {
    return this.perNir.get(this.keyOf(nir))?.checks ?? 0;
  }

  get distinctNirs(): number {
    return this.perNir.size;
  }

  get distinctChecks(): number {
    return this.checks;
  }

  /**
   * The outcome of one question: the stored one for a known IdRequete, the one being worked on, or `compute()`'s —
   * stored and counted as a check when final. `compute` must not reject.
   */
  obtain(nirKey: string, requestId: string | undefined, compute: () => Promise<Outcome>): Promise<Outcome> {
    const generation = this.generation;
    const settle = (outcome: Outcome): Outcome => {
      if (generation !== this.generation) return outcome;
      if (requestId !== undefined) {
        if (isFinal(outcome)) this.byRequestId.set(requestId, { nirKey, outcome });
        else this.byRequestId.delete(requestId);
      }
      if (isFinal(outcome)) {
        this.counters(nirKey).checks++;
        this.checks++;
      }
      return outcome;
    };
    if (requestId === undefined) return compute().then(settle);
    const known = this.byRequestId.get(requestId);
    if (known !== undefined) {
      if (known.nirKey !== nirKey) return Promise.resolve(REUSED_REQUEST_ID);
      return known.pending ?? Promise.resolve(known.outcome as Outcome);
    }
    const pending = compute().then(settle);
    this.byRequestId.set(requestId, { nirKey, pending });
    return pending;
  }

  /** Forgets everything (counters and stored outcomes); work in progress finishes uncounted. */
  reset(): void {
    this.generation++;
    this.perNir.clear();
    this.byRequestId.clear();
    this.checks = 0;
  }

  private counters(nirKey: string): NirCounters {
    let entry = this.perNir.get(nirKey);
    if (entry === undefined) {
      entry = { calls: 0, answered: 0, checks: 0 };
      this.perNir.set(nirKey, entry);
    }
    return entry;
  }
}
