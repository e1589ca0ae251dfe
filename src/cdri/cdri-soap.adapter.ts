/**
 * Production CDRi adapter (wire contract MODELLED on INSi, not certified — see soap/cdri-soap.codec.ts).
 *
 * Speed budget: the kiosk path allows p99 ≤ 5 ms on top of the insurer's own latency, so this is
 * node:http(s) with a keep-alive Agent (the mutual-TLS handshake with the ORG AUTH_CLI certificate is
 * paid once per pooled socket, not per call), template-string XML and one small parse per answer.
 *
 * Every failure ends as an AmoRightsError (a 429 carries the insurer's Retry-After as retryAfterMs); messages are
 * built only from our own words, error codes and redacted insurer text — never the NIR, never the birth date, never
 * the request body. The query's requestId travels as IdRequete, so a retry is the same question to the insurer.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { AmoRightsAnswer, AmoRightsError, AmoRightsGateway, AmoRightsQuery } from './amo-rights.port';
import { isIsoDate, isValidFiness, validateNir } from '../identifiers';
import {
  buildRightsRequest,
  CdriContext,
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
  tls?: { cert?: string | Buffer; key?: string | Buffer; ca?: string | Buffer | Array<string | Buffer>; servername?: string };
  context: CdriContext;
  /** Pooled sockets towards the insurer (default 64). */
  maxSockets?: number;
  /** Deadline of ping() (default min(timeoutMs, 2000)). */
  pingTimeoutMs?: number;
  /** Answers larger than this are refused (default 1 MiB). */
  maxResponseBytes?: number;
}

interface RawResponse {
  status: number;
  contentType: string;
  body: string;
  retryAfter?: string;
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

/** Retry-After (delta-seconds or HTTP-date, RFC 9110 §10.2.3) in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Internal marker: the deadline fired (so the 'error' that destroy() triggers is read as a timeout). */
class DeadlineExceeded extends Error {}
/** Internal marker: the answer grew beyond maxResponseBytes. */
class ResponseTooLarge extends Error {}

export class CdriSoapAdapter implements AmoRightsGateway {
  private readonly url: URL;
  private readonly pingUrl: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: CdriSoapAdapterOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new Error('CdriSoapAdapter: endpoint must be an http or https URL');
    }
    if (options.tls && this.url.protocol !== 'https:') {
      throw new Error('CdriSoapAdapter: tls options require an https endpoint');
    }
    if (options.tls && (options.tls.cert === undefined) !== (options.tls.key === undefined)) {
      throw new Error('CdriSoapAdapter: tls.cert and tls.key go together');
    }
    if (!(options.timeoutMs > 0)) throw new Error('CdriSoapAdapter: timeoutMs must be > 0');
    this.pingUrl = new URL(this.url.href.replace(/\/?$/, '/ping'));
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    const pool = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
    if (this.url.protocol === 'https:') {
      this.transport = https;
      // TLS material lives on the Agent so pooled sockets (and TLS sessions) are reused across calls.
      this.agent = new https.Agent({
        ...pool,
        cert: options.tls?.cert,
        key: options.tls?.key,
        ca: options.tls?.ca,
        servername: options.tls?.servername,
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
      });
    } else {
      this.transport = http;
      this.agent = new http.Agent(pool);
    }
  }

  async checkRights(query: AmoRightsQuery): Promise<AmoRightsAnswer> {
    const problem = rightsQueryProblem(query);
    if (problem !== undefined) throw new AmoRightsError('INVALID_QUERY', `invalid CDRi query: ${problem}`);
    return this.soapCall(buildRightsRequest(query, this.options.context), SOAP_CONTENT_TYPE, parseRightsResponse);
  }

  /**
   * One SOAP exchange with the endpoint: deadline, pooled (mutual TLS) sockets, the idle-socket retry and the error
   * mapping of checkRights. `parse` decodes a 200 (or a SOAP fault). Public so that CdriLotAdapter speaks to the
   * insurer exactly as this adapter does; every operation it carries must be safe to repeat once.
   */
  async soapCall<T>(xml: string, contentType: string, parse: (body: string) => T): Promise<T> {
    const payload = Buffer.from(xml, 'utf8');
    const deadline = Date.now() + this.options.timeoutMs;
    let response: RawResponse;
    try {
      response = await this.post(payload, contentType, this.options.timeoutMs);
    } catch (err) {
      // A pooled socket the server closed while idle fails before any byte of answer: every operation carried here
      // is safe to repeat (a rights read keyed by IdRequete, a lot deposit keyed by lotRef, a poll), so one immediate
      // retry within the same deadline avoids a spurious error.
      const remaining = deadline - Date.now();
      if (!(err as { reusedSocketReset?: boolean }).reusedSocketReset || remaining <= 0) throw this.toError(err);
      try {
        response = await this.post(payload, contentType, remaining);
      } catch (retryErr) {
        throw this.toError(retryErr);
      }
    }
    return this.interpret(response, parse);
  }

  async ping(): Promise<boolean> {
    const timeoutMs = this.options.pingTimeoutMs ?? Math.min(this.options.timeoutMs, 2000);
    try {
      const res = await this.exchange(this.pingUrl, 'GET', undefined, '', timeoutMs);
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }

  /** Closes pooled sockets (application shutdown, tests). */
  close(): void {
    this.agent.destroy();
  }

  private post(payload: Buffer, contentType: string, timeoutMs: number): Promise<RawResponse> {
    return this.exchange(this.url, 'POST', payload, contentType, timeoutMs);
  }

  /** One HTTP exchange under a hard deadline; the request is destroyed when it fires (never hangs). */
  private exchange(url: URL, method: string, payload: Buffer | undefined, contentType: string, timeoutMs: number): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { Accept: 'application/soap+xml' };
      if (payload) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = payload.length;
      }
      const req = this.transport.request(url, { method, agent: this.agent, headers });
      let settled = false;
      let gotResponse = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      // Reject first, then destroy: whatever error the teardown raises afterwards is ignored.
      const abort = (err: Error) => {
        finish(() => reject(err));
        req.destroy();
      };
      const timer = setTimeout(() => abort(new DeadlineExceeded()), timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!gotResponse && req.reusedSocket && err.code === 'ECONNRESET') {
          (err as { reusedSocketReset?: boolean }).reusedSocketReset = true;
        }
        finish(() => reject(err));
      });
      req.on('response', (res) => {
        gotResponse = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) abort(new ResponseTooLarge());
          else chunks.push(chunk);
        });
        res.on('error', (err) => finish(() => reject(err)));
        res.on('aborted', () => finish(() => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))));
        res.on('end', () =>
          finish(() =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              body: Buffer.concat(chunks).toString('utf8'),
              retryAfter: typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined,
            }),
          ),
        );
      });
      req.end(payload);
    });
  }

  private interpret<T>(res: RawResponse, parse: (body: string) => T): T {
    const isSoap = /soap\+xml|text\/xml|application\/xml/i.test(res.contentType) || res.body.includes('Envelope');
    if (res.status === 200) return this.parse(res.body, parse);
    if (res.status === 429) {
      const retryAfterMs = parseRetryAfter(res.retryAfter);
      throw new AmoRightsError('INSURER_RATE_LIMITED', 'insurer rate limit (HTTP 429)', 'HTTP_429', retryAfterMs);
    }
    // SOAP 1.2 binding: faults come with 400 (Sender) or 500 (Receiver); a 5xx without an envelope is
    // a front end or proxy failing, i.e. the service is unavailable.
    if ((res.status === 400 || res.status === 500) && isSoap) {
      try {
        this.parse(res.body, parse);
      } catch (err) {
        const garbled = err instanceof AmoRightsError && err.insurerCode === 'REPONSE_MALFORMEE';
        if (!(garbled && res.status === 500)) throw err;
      }
      if (res.status === 400) {
        throw new AmoRightsError('INSURER_FAULT', 'insurer HTTP 400 without a SOAP fault', 'HTTP_400');
      }
    }
    if (res.status >= 500) {
      throw new AmoRightsError('INSURER_UNAVAILABLE', `insurer unavailable (HTTP ${res.status})`, `HTTP_${res.status}`);
    }
    throw new AmoRightsError('INSURER_FAULT', `unexpected insurer HTTP status ${res.status}`, `HTTP_${res.status}`);
  }

  private parse<T>(body: string, parse: (body: string) => T): T {
    try {
      return parse(body);
    } catch (err) {
      if (err instanceof AmoRightsError && err.code === 'INSURER_FAULT' && isInvalidRequestFault(err.insurerCode)) {
        throw new AmoRightsError('INVALID_QUERY', err.message, err.insurerCode);
      }
      throw err;
    }
  }

  private toError(err: unknown): AmoRightsError {
    if (err instanceof AmoRightsError) return err;
    if (err instanceof DeadlineExceeded) {
      return new AmoRightsError('INSURER_TIMEOUT', `insurer did not answer within ${this.options.timeoutMs} ms`);
    }
    if (err instanceof ResponseTooLarge) {
      return new AmoRightsError('INSURER_FAULT', `insurer answer larger than ${this.maxResponseBytes} bytes`, 'REPONSE_TROP_GRANDE');
    }
    // Only the error code: Node's messages can carry addresses and TLS details, never useful to a caller.
    const code = (err as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
    return new AmoRightsError('INSURER_UNAVAILABLE', `insurer unreachable (${code})`);
  }
}
