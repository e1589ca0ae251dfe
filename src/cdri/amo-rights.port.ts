/**
 * The port through which every flow asks the mandatory insurer (AMO) for a patient's rights.
 *
 * Implemented by the CDRi SOAP adapter (production, modelled on INSi — not certified) and served
 * in tests and embedded mode by the CDRi simulator, which speaks the same SOAP on a real HTTP socket.
 */
export interface AmoRightsQuery {
  /** NIR of the beneficiary (15 chars, validated before any call). */
  nir: string;
  /** NIR of the assuré (ouvrant droit) when different from the beneficiary. */
  assureNir?: string;
  /** Birth date YYYY-MM-DD (needed to pick a beneficiary among several under one assuré). */
  birthDate?: string;
  /** Rank of birth for twins (1..9), optional. */
  birthRank?: number;
  /** Date of care YYYY-MM-DD: rights are asked for this day. */
  dateOfCare: string;
  /** FINESS géographique of the site asking. */
  finess: string;
  /** Correlation id propagated to the insurer's context header. */
  correlationId: string;
  /**
   * Stable id of this question (IdRequete) [modelled]: a repeat with the same id — our retry after a crash between
   * the insurer's answer and our commit — is the same question, which an idempotent insurer answers once.
   */
  requestId?: string;
}

export interface AmoOrganism {
  /** Code grand régime, 2 digits (01 = régime général). */
  grandRegime: string;
  /** Caisse gestionnaire, 3 digits. */
  caisse: string;
  /** Centre gestionnaire, 4 digits. */
  centre: string;
  /** Code gestion, 2 chars. */
  codeGestion: string;
}

export interface RightsPeriod {
  start: string;
  /** Absent = open-ended. */
  end?: string;
}

export type RightsStatus = 'OPEN' | 'CLOSED' | 'UNKNOWN_PATIENT';

export interface AmoRightsAnswer {
  status: RightsStatus;
  organism?: AmoOrganism;
  periods: RightsPeriod[];
  /** Nature d'assurance: MA (maladie), MT (maternité), AT (accident du travail / maladie pro), ... */
  natureAssurance?: 'MA' | 'MT' | 'AT';
  /** Exonération du ticket modérateur, with its reason (ALD, ...). */
  exoneration?: { code: string; label: string; end?: string };
  c2s: boolean;
  ame: boolean;
  maternity: boolean;
  atmp?: { reference: string; date: string };
  /** The beneficiaries found under the assuré, when the insurer returned several. */
  beneficiaries?: Array<{ rank: number; birthDate: string; quality: string }>;
  /** Insurer's own reference for this answer (for audit). */
  insurerReference: string;
}

/** Errors an insurer exchange can end in; each maps to one HL7 / FHIR outcome. */
export type AmoRightsErrorCode = 'INSURER_TIMEOUT' | 'INSURER_UNAVAILABLE' | 'INSURER_FAULT' | 'INSURER_RATE_LIMITED' | 'INVALID_QUERY';

export class AmoRightsError extends Error {
  constructor(
    readonly code: AmoRightsErrorCode,
    message: string,
    /** Insurer-side fault code when the insurer sent one (SOAP faultcode). */
    readonly insurerCode?: string,
    /**
     * How long the insurer asked us to wait (HTTP Retry-After, capped at 5 min by src/insurer) before the next call,
     * when it said so: the lot worker pauses that long and the kiosk's 503 carries it, instead of a guess of ours.
     */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AmoRightsError';
  }

  /** Transient errors are worth retrying with backoff; the others are final. */
  get transient(): boolean {
    return this.code !== 'INVALID_QUERY' && this.code !== 'INSURER_FAULT';
  }
}

export interface AmoRightsGateway {
  /** Asks the AMO for the rights on the date of care. Rejects with AmoRightsError only. */
  checkRights(query: AmoRightsQuery): Promise<AmoRightsAnswer>;
  /** Cheap reachability probe for /health. */
  ping(): Promise<boolean>;
}

/** One question of a lot, with our stable id for it. */
export interface LotQuery extends AmoRightsQuery {
  requestId: string;
}

export type LotItemResult =
  | { requestId: string; ok: true; answer: AmoRightsAnswer }
  | { requestId: string; ok: false; code: AmoRightsErrorCode; insurerCode?: string; message: string };

export interface LotStatus {
  ticket: string;
  /** 'processing' while results are still coming; 'done' once every query has a result. */
  state: 'processing' | 'done';
  total: number;
  processed: number;
  /** Results not fetched before (each result is returned once per `after` cursor). */
  results: LotItemResult[];
  /** Cursor to pass to the next poll. */
  cursor: number;
}

/**
 * The lot exchange [modelled]: a batch of rights questions submitted at once with the establishment's structure
 * certificate, then polled until every answer is in. Submission is idempotent on `lotRef`.
 */
export interface AmoRightsLotGateway {
  submitLot(lotRef: string, finess: string, queries: LotQuery[]): Promise<{ ticket: string }>;
  pollLot(ticket: string, cursor: number): Promise<LotStatus>;
}
