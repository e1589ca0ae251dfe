/**
 * Production CDRi lot adapter (wire contract MODELLED, not certified — see soap/cdri-lot.codec.ts).
 *
 * It speaks to the lot endpoint through its own InsurerHttpClient built from the same options, and reads answers with
 * the unit adapter's cdriSoapCall, so the transport is exactly the unit one: keep-alive pool, mutual TLS with the ORG
 * AUTH_CLI certificate, hard deadline per exchange, and the same error mapping (timeouts, 5xx, 429 with retryAfterMs,
 * SOAP faults). Both operations are safe to repeat: a deposit is
 * idempotent on lotRef, a poll is a read (its cursor only acknowledges what we already hold).
 *
 * Questions are checked before anything is sent; an invalid one refuses the whole lot, naming its requestId (our own
 * id, never personal data) so the caller can drop it and resubmit.
 */
import { AmoRightsError, type AmoRightsLotGateway, type LotQuery, type LotStatus } from './amo-rights.port';
import { isValidFiness } from '../identifiers';
import { type InsurerHttpClient } from '../insurer/insurer-http-client';
import { cdriHttpClient, cdriSoapCall, type CdriSoapAdapterOptions, rightsQueryProblem } from './cdri-soap.adapter';
import {
  buildConsulterLotRequest,
  buildDeposerLotRequest,
  lotContentType,
  MAX_LOT_ITEMS,
  MAX_POLL_RESULTS,
  parseConsulterLotResponse,
  parseDeposerLotResponse,
} from './soap/cdri-lot.codec';
import { REQUEST_ID_PATTERN } from './soap/cdri-soap.codec';

export interface CdriLotAdapterOptions extends CdriSoapAdapterOptions {
  /**
   * URL of the lot service. Default: `<endpoint>/lot`, so the options of the unit adapter can be passed as they are
   * (the simulator mounts its lot service there).
   */
  lotEndpoint?: string;
  /** Most results asked for per poll (default 500, at most 5,000). */
  pollPageSize?: number;
}

/** lotRef: the same shape as request ids (printable ASCII, no space, 1-64 characters). */
const REFERENCE_PATTERN = REQUEST_ID_PATTERN;
/** Tickets are the insurer's: only checked to be something we can send back verbatim. */
const TICKET_PATTERN = /^[\x21-\x7e]{1,256}$/;

export class CdriLotAdapter implements AmoRightsLotGateway {
  private readonly client: InsurerHttpClient;
  private readonly pageSize: number;

  /** Takes the unit adapter's options (same endpoint, certificate, deadline and pool settings). */
  constructor(private readonly options: CdriLotAdapterOptions) {
    const endpoint = options.lotEndpoint ?? new URL(options.endpoint).href.replace(/\/?$/, '/lot');
    // Poll pages are larger than one answer: allow for a full page unless told otherwise.
    this.client = cdriHttpClient({ ...options, maxResponseBytes: options.maxResponseBytes ?? 16 * 1024 * 1024 }, endpoint);
    this.pageSize = options.pollPageSize ?? 500;
    if (!(Number.isInteger(this.pageSize) && this.pageSize >= 1 && this.pageSize <= MAX_POLL_RESULTS)) {
      throw new Error(`CdriLotAdapter: pollPageSize must be 1-${MAX_POLL_RESULTS}`);
    }
  }

  /** Deposits a lot; resolves with the insurer's ticket (the same one for a repeated lotRef). */
  async submitLot(lotRef: string, finess: string, queries: LotQuery[]): Promise<{ ticket: string }> {
    const invalid = (reason: string): AmoRightsError => new AmoRightsError('INVALID_QUERY', `invalid CDRi lot: ${reason}`);
    if (!REFERENCE_PATTERN.test(lotRef)) throw invalid('lotRef must be 1-64 printable ASCII characters without spaces');
    if (!isValidFiness(finess)) throw invalid('FINESS is not valid');
    if (queries.length === 0 || queries.length > MAX_LOT_ITEMS) throw invalid(`a lot holds 1-${MAX_LOT_ITEMS} queries`);
    const seen = new Set<string>();
    for (const q of queries) {
      const problem = q.requestId === undefined ? 'requestId is required' : rightsQueryProblem(q);
      // requestIds are ours (no personal data): naming the bad one lets the caller set it aside.
      const id = REQUEST_ID_PATTERN.test(String(q.requestId)) ? q.requestId : '(unreadable)';
      if (problem !== undefined) throw invalid(`query ${id}: ${problem}`);
      if (seen.has(q.requestId)) throw invalid(`query ${id}: requestId repeated within the lot`);
      seen.add(q.requestId);
    }
    const xml = buildDeposerLotRequest(lotRef, finess, queries, this.options.context);
    return cdriSoapCall(this.client, xml, lotContentType('deposerLot'), parseDeposerLotResponse);
  }

  /**
   * Results after `cursor` (0 first), whatever is ready; pass the returned cursor next time. Passing a cursor tells the
   * insurer we hold every result before it. `state` is 'done' once every result has been handed out.
   */
  async pollLot(ticket: string, cursor: number): Promise<LotStatus> {
    if (!TICKET_PATTERN.test(ticket)) throw new AmoRightsError('INVALID_QUERY', 'invalid CDRi lot ticket');
    if (!(Number.isInteger(cursor) && cursor >= 0)) throw new AmoRightsError('INVALID_QUERY', 'cursor must be an integer ≥ 0');
    const xml = buildConsulterLotRequest(ticket, cursor, this.pageSize, this.options.context);
    const status = await cdriSoapCall(this.client, xml, lotContentType('consulterLot'), parseConsulterLotResponse);
    if (status.cursor !== cursor + status.results.length) {
      // A cursor that does not move by the results given would make us skip or repeat some: refuse the page.
      throw new AmoRightsError('INSURER_FAULT', 'insurer lot cursor inconsistent with the results returned', 'REPONSE_MALFORMEE');
    }
    return status;
  }

  /** Reachability of the lot service (`<endpoint>/ping`). */
  ping(): Promise<boolean> {
    return this.client.ping('ping', this.options.pingTimeoutMs ?? Math.min(this.options.timeoutMs, 2000));
  }

  /** Closes pooled sockets. */
  close(): void {
    this.client.close();
  }
}
