import { ServiceKey } from './service-registry';

/**
 * AMO rights as one flow offers them to the others (issue 9 §2): the CDRi flow publishes it, FIDES pre-flight uses it
 * to judge an invoice against the latest rights answer and to queue a check when there is none young enough. The
 * key and the shapes live here because flows never import each other.
 */

/** The beneficiary whose rights are asked about. NIRs with their key (15 characters). */
export interface AmoRightsSubject {
  /** The beneficiary's NIR: their own when known, else the insured person's. */
  readonly beneficiaryNir: string;
  /** The insured person's NIR, when different from the beneficiary's. */
  readonly insuredNir?: string;
  /**
   * YYYY-MM-DD, when known: several beneficiaries may share one NIR (children under a parent's); an answer asked for
   * another birth date is not theirs, and a check asks the insurer for this one.
   */
  readonly birthDate?: string;
}

/** The latest answered rights check, in the words pre-flight compares with an invoice. */
export interface AmoRightsSnapshot {
  /** The answered check, for the audit trail. */
  readonly checkId: string;
  readonly answeredAt: Date;
  /** OPEN, CLOSED or UNKNOWN_PATIENT, as CDRi says. */
  readonly status: string;
  readonly grandRegime?: string;
  readonly caisse?: string;
  readonly centre?: string;
  /** YYYY-MM-DD; no end = open-ended. */
  readonly periods: readonly { readonly start: string; readonly end?: string }[];
  /** Exonerations of the ticket modérateur the insurer confirmed, by justification code. */
  readonly exonerations: readonly { readonly code: string; readonly end?: string }[];
}

export interface AmoRightsCheckRequest extends AmoRightsSubject {
  /** YYYY-MM-DD: rights are asked for this day. */
  readonly dateOfCare: string;
  /** FINESS géographique asking. */
  readonly finess: string;
  /** Who asks, stored with the check (e.g. `fides-preflight`). */
  readonly requestedBy: string;
  /** The same key yields the same check: a retry after a crash queues nothing new. */
  readonly idempotencyKey: string;
  readonly correlationId: string;
}

export type AmoRightsCheckState = 'pending' | 'answered' | 'failed';

export interface AmoRightsService {
  /** The most recent answered check for that beneficiary, from any source (kiosk, HL7, lot, billing); undefined when none. */
  latestAnswer(subject: AmoRightsSubject): Promise<AmoRightsSnapshot | undefined>;
  /**
   * Stores a pending check (idempotent on its key) and queues it to be asked. Asking again with the key of a check
   * still pending queues it again (a lost job), one of a finished check changes nothing.
   */
  queueCheck(req: AmoRightsCheckRequest): Promise<{ checkId: string; state: AmoRightsCheckState }>;
  /** Where a queued check stands; undefined when it no longer exists (retention). */
  checkState(checkId: string): Promise<AmoRightsCheckState | undefined>;
}

/** Published by the CDRi flow; absent when no flow provides rights (FIDES invoices then wait, see PREFLIGHT.md). */
export const AMO_RIGHTS = new ServiceKey<AmoRightsService>('amo-rights');
