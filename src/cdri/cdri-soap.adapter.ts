/**
 * Production CDRi adapter (wire contract MODELLED on INSi, not certified — see soap/cdri-soap.codec.ts).
 *
 * Only CDRi's own work lives here: checking the question, building the envelope, reading the answer or the SOAP fault,
 * and mapping the insurer's outcome to AmoRightsError. The exchange itself (keep-alive mutual-TLS pool, deadline, size
 * cap, idle-socket retry, outcome classification, Retry-After) is the shared InsurerHttpClient (src/insurer).
 *
 * Every failure ends as an AmoRightsError (a 429 — or a 503 that says when — carries the insurer's Retry-After as
 * retryAfterMs); messages are built only from our own words, error codes and redacted insurer text — never the NIR,
 * never the birth date, never the request body. The query's requestId travels as IdRequete, so a retry is the same
 * question to the insurer.
 */
import { isIsoDate, isValidFiness, validateNir } from '../identifiers';
import { InsurerCallError } from '../insurer/insurer-outcome';
import {
  failureOf,
  type InsurerExchangeEvent,
  InsurerHttpClient,
  type InsurerHttpResponse,
  type InsurerTlsOptions,
} from '../insurer/insurer-http-client';
import { type AmoRightsAnswer, AmoRightsError, type AmoRightsGateway, type AmoRightsQuery } from './amo-rights.port';
import {
  buildRightsRequest,
  type CdriContext,
  isInvalidRequestFault,
  parseRightsResponse,
  REQUEST_ID_PATTERN,
  SOAP_CONTENT_TYPE,
} from './soap/cdri-soap.codec';

export interface CdriSoapAdapterOptions {
  /** http:// (simulator) or https:// (insurer) URL of the service. */
  endpoint: string;
  /** Whole-exchange deadline (connect + send + answer). */
  timeoutMs: number;
  /**
   * Mutual TLS with the IGC Santé ORG AUTH_CLI certificate (cert + key, PEM). `ca` = the CA chain the
   * insurer's server certificate must chain to (default: Node's public roots). cert/key are optional
   * only so that a server-authenticated-only connection can be configured and tested; give both or none.
   */
  tls?: InsurerTlsOptions;
  context: CdriContext;
  /** Pooled sockets towards the insurer (default 64). */
  maxSockets?: number;
  /** Deadline of ping() (default min(timeoutMs, 2000)). */
  pingTimeoutMs?: number;
  /** Answers larger than this are refused (default 1 MiB, see DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Wire-level hook, once per exchange (metrics). */
  onExchange?: (event: InsurerExchangeEvent) => void;
}

/**
 * Why a query must not be sent, or undefined when it may. Reasons name fields, never values (they end up in logs).
 * Shared with the lot adapter, whose items are the same questions.
 */
export function rightsQueryProblem(query: AmoRightsQuery): string | undefined {
  const nir = validateNir(query.nir);
  if (!nir.ok) return `beneficiary ${nir.reason}`;
  if (query.assureNir !== undefined) {
    const assure = validateNir(query.assureNir);
    if (!assure.ok) return `assuré ${assure.reason}`;
  }
  if (!isIsoDate(query.dateOfCare)) return 'dateOfCare must be a YYYY-MM-DD date';
  if (query.birthDate !== undefined && !isIsoDate(query.birthDate)) return 'birthDate must be a YYYY-MM-DD date';
  if (query.birthRank !== undefined && !(Number.isInteger(query.birthRank) && query.birthRank >= 1 && query.birthRank <= 9)) {
    return 'birthRank must be 1-9';
  }
  if (!isValidFiness(query.finess)) return 'FINESS is not valid';
  if (!query.correlationId) return 'correlationId is required';
  if (query.requestId !== undefined && !REQUEST_ID_PATTERN.test(query.requestId)) {
    return 'requestId must be 1-64 printable ASCII characters without spaces';
  }
  return undefined;
}

/** The shared client for a CDRi endpoint (SOAP 1.2 answers). */
export function cdriHttpClient(options: CdriSoapAdapterOptions, endpoint = options.endpoint): InsurerHttpClient {
  return new InsurerHttpClient({
    endpoint,
    timeoutMs: options.timeoutMs,
    tls: options.tls,
    maxSockets: options.maxSockets,
    maxResponseBytes: options.maxResponseBytes,
    accept: 'application/soap+xml',
    onExchange: options.onExchange,
  });
}

/**
 * One CDRi SOAP exchange: the shared client's call, then CDRi's reading of the answer. `parse` decodes a 200 (or a
 * SOAP fault). Shared with CdriLotAdapter; every operation it carries must be safe to repeat once (see post()).
 */
export async function cdriSoapCall<T>(client: InsurerHttpClient, xml: string, contentType: string, parse: (body: string) => T): Promise<T> {
  let response: InsurerHttpResponse;
  try {
    response = await client.post(xml, contentType);
  } catch (err) {
    throw err instanceof InsurerCallError ? toAmoRightsError(err) : err;
  }
  return interpret(response, parse);
}

function interpret<T>(res: InsurerHttpResponse, parse: (body: string) => T): T {
  if (res.status === 200) return parseAnswer(res.body, parse);
  // SOAP 1.2 binding: faults come with 400 (Sender) or 500 (Receiver); a 5xx without an envelope is
  // a front end or proxy failing, i.e. the service is unavailable.
  const isSoap = /soap\+xml|text\/xml|application\/xml/i.test(res.contentType) || res.body.includes('Envelope');
  if ((res.status === 400 || res.status === 500) && isSoap) {
    try {
      parseAnswer(res.body, parse);
    } catch (err) {
      const garbled = err instanceof AmoRightsError && err.insurerCode === 'REPONSE_MALFORMEE';
      if (!(garbled && res.status === 500)) throw err;
    }
    if (res.status === 400) {
      throw new AmoRightsError('INSURER_FAULT', 'insurer HTTP 400 without a SOAP fault', 'HTTP_400');
    }
  }
  throw toAmoRightsError(failureOf(res));
}

function parseAnswer<T>(body: string, parse: (body: string) => T): T {
  try {
    return parse(body);
  } catch (err) {
    if (err instanceof AmoRightsError && err.code === 'INSURER_FAULT' && isInvalidRequestFault(err.insurerCode)) {
      throw new AmoRightsError('INVALID_QUERY', err.message, err.insurerCode);
    }
    throw err;
  }
}

/** The shared outcome vocabulary → CDRi's typed errors. Exhaustive over the outcomes. */
function toAmoRightsError(err: InsurerCallError): AmoRightsError {
  switch (err.outcome) {
    case 'timeout':
      return new AmoRightsError('INSURER_TIMEOUT', err.message);
    case 'unavailable':
      // A transport failure keeps its message only (the code is in it); an HTTP one names its status.
      return new AmoRightsError('INSURER_UNAVAILABLE', err.message, err.status !== undefined ? err.detail : undefined);
    case 'throttled':
      return new AmoRightsError('INSURER_RATE_LIMITED', err.message, err.detail, err.retryAfterMs);
    case 'refused':
      return new AmoRightsError('INSURER_FAULT', err.message, err.detail === 'RESPONSE_TOO_LARGE' ? 'REPONSE_TROP_GRANDE' : err.detail);
  }
}

export class CdriSoapAdapter implements AmoRightsGateway {
  private readonly client: InsurerHttpClient;

  constructor(private readonly options: CdriSoapAdapterOptions) {
    this.client = cdriHttpClient(options);
  }

  async checkRights(query: AmoRightsQuery): Promise<AmoRightsAnswer> {
    const problem = rightsQueryProblem(query);
    if (problem !== undefined) throw new AmoRightsError('INVALID_QUERY', `invalid CDRi query: ${problem}`);
    return cdriSoapCall(this.client, buildRightsRequest(query, this.options.context), SOAP_CONTENT_TYPE, parseRightsResponse);
  }

  ping(): Promise<boolean> {
    return this.client.ping('ping', this.options.pingTimeoutMs ?? Math.min(this.options.timeoutMs, 2000));
  }

  /** Closes pooled sockets (application shutdown, tests). */
  close(): void {
    this.client.close();
  }
}
