/**
 * The shape of a pre-flight rule (issue 9 §2): controls are declared as data — a code, the draft field it looks at,
 * a severity and a message template — plus the check that finds where it is broken. The table itself is
 * preflight-rules.ts; running it is run-preflight.ts.
 *
 * Messages are built from the template and names only (field paths, B2 record and field names, limits): never a
 * value from the draft. A finding travels to the worklist CSV, the FHIR ClaimResponse and logs; a NIR or a birth
 * date must not ride along.
 */
import type { InvoiceDraft } from '../invoice-draft';
import type { InvoiceNumberRegistryPort, LatestRightsAnswer, LatestRightsAnswerPort } from './preflight-ports';

/**
 * error: the invoice is held until a corrected version comes in. wait: the invoice waits for a fresh CDRi answer
 * (outcome needs-rights-check), never leaves unchecked. warning: recorded, the invoice may leave.
 */
export type PreflightSeverity = 'error' | 'wait' | 'warning';

export type PreflightOutcome = 'ready' | 'held' | 'needs-rights-check';

/** Names a message may quote. All of them come from our declarations or validators, none from the draft. */
export interface MessageParams {
  readonly record?: string;
  readonly b2Field?: string;
  readonly limit?: string;
  /** A validator's reason (src/identifiers names the faulty part, never the value). */
  readonly detail?: string;
}

/** Where a rule is broken: the concrete path (`lines[2].careDate`) when it differs from the rule's field. */
export interface RuleHit {
  readonly field?: string;
  readonly params?: MessageParams;
  /** A rule may lower itself (e.g. a billing delay the caisse forced stays visible as a warning). */
  readonly severity?: PreflightSeverity;
}

export interface PreflightContext {
  /** The day of transmission, YYYY-MM-DD, in the establishment's time zone (the caller knows it; UTC would move
   *  "today" by one around midnight in Paris). */
  readonly today: string;
  /** Now, for the age of the CDRi answer. */
  readonly now: Date;
  /** A CDRi answer older than this is stale: the invoice waits for a new check. */
  readonly maxRightsAnswerAgeMs: number;
  /** FINESS juridique from configuration (issue 9 §1), checked like the géographique when given. */
  readonly legalFiness?: string;
  /** Version of this invoice number being checked (1 for the first, then one more per correction). */
  readonly invoiceVersion: number;
  /** RG_MF606: the caisse asked for this invoice, so a delay of one year or more is allowed (kept as a warning). */
  readonly billingDelayForced?: boolean;
  readonly rights: LatestRightsAnswerPort;
  readonly invoiceNumbers: InvoiceNumberRegistryPort;
}

/** What a check sees: the draft, the context, and the port answers fetched once per run (several rules share them). */
export interface PreflightRun {
  readonly draft: InvoiceDraft;
  readonly ctx: PreflightContext;
  /** False when the NIR or the dates are too broken to ask CDRi about: other rules hold the invoice then. */
  readonly rightsAskable: boolean;
  /** The latest CDRi answer, or undefined; asked once per run, and only when `rightsAskable`. */
  rightsAnswer(): Promise<LatestRightsAnswer | undefined>;
}

export interface PreflightRule {
  /** Stable code: PF-… (ours); where a B2 rule is the source, the description names it. */
  readonly code: string;
  /** Path into the draft; `[]` marks a per-line rule whose hits give the index, `*` a rule over every mapped field. */
  readonly field: string;
  readonly severity: PreflightSeverity;
  /** `{field}` and the MessageParams names ({record}, {b2Field}, {limit}, {detail}) are replaced; nothing else is. */
  readonly message: string;
  readonly check: (run: PreflightRun) => readonly RuleHit[] | Promise<readonly RuleHit[]>;
}

export interface PreflightFinding {
  readonly code: string;
  readonly field: string;
  readonly severity: PreflightSeverity;
  readonly message: string;
}

export interface PreflightResult {
  readonly outcome: PreflightOutcome;
  readonly findings: readonly PreflightFinding[];
}

/** One hit per path, for rules that report a single place. */
export const hitAt = (field: string, params?: MessageParams): RuleHit => ({ field, params });
