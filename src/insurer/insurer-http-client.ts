/**
 * One HTTP(S) endpoint of an insurer, owned for the life of the process: what every insurer adapter (CDRi rights and
 * lots today, ROC tomorrow) needs below its codec.
 *
 * - Keep-alive pool (lifo, maxSockets): the mutual-TLS handshake with the ORG AUTH_CLI certificate is paid once per
 *   pooled socket, not per call — the kiosk path allows p99 ≤ 5 ms on top of the insurer's own latency.
 * - Hard deadline over connect + send + the whole answer; the request is destroyed when it fires, so nothing hangs.
 * - Answer size cap, aborting the download past it (see DEFAULT_MAX_RESPONSE_BYTES).
 * - One retry on a pooled socket the server closed while idle (see post()).
 * - Outcomes in one vocabulary (insurer-outcome.ts), reported to an optional hook for metrics.
 *
 * The client does not judge an HTTP answer: it resolves with any status so that a codec can read a SOAP fault carried
 * by a 400/500; `failureOf()` turns an answer the codec did not claim into an InsurerCallError.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { classifyHttpStatus, InsurerCallError, type InsurerOutcome } from './insurer-outcome';
import { parseRetryAfter } from './retry-after';

/**
 * 1 MiB: a rights answer is a few KB (a family of beneficiaries stays under 20 KB), so this is ample headroom while
 * bounding memory to maxSockets × 1 MiB if a front end starts streaming an error page or garbage. Paged lot polls set
 * their own, larger cap.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Sockets towards one insurer endpoint; the insurer's allowance is enforced above us (semaphore), not here. */
export const DEFAULT_MAX_SOCKETS = 64;

export interface InsurerTlsOptions {
  /** Client certificate and key (PEM); give both or none. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** CA chain the insurer's server certificate must chain to (default: Node's public roots). */
  ca?: string | Buffer | Array<string | Buffer>;
  servername?: string;
  /**
   * Run before every exchange: throws when the client certificate must not be presented now (expired, wrong
   * purpose). The exchange then fails without connecting, as `unavailable` (retried once the certificate is renewed).
   */
  checkClientCertificate?: () => void;
}

/** One exchange as seen by metrics: how it ended and how long it took (retry included). */
export interface InsurerExchangeEvent {
  outcome: InsurerOutcome;
  durationSeconds: number;
  /** HTTP status when an answer came. */
  status?: number;
}

export interface InsurerHttpClientOptions {
  /** http:// (simulator) or https:// (insurer) URL of the service. */
  endpoint: string;
  /** Whole-exchange deadline (connect + send + answer). */
  timeoutMs: number;
  /** Mutual TLS (requires an https endpoint). */
  tls?: InsurerTlsOptions;
  /** Pooled sockets (default DEFAULT_MAX_SOCKETS). */
  maxSockets?: number;
  /** Answers larger than this are aborted (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Accept header of every request (e.g. application/soap+xml). */
  accept?: string;
  /** Called once per post(), after it ends. Must not throw. */
  onExchange?: (event: InsurerExchangeEvent) => void;
}

export interface InsurerHttpResponse {
  status: number;
  contentType: string;
  body: string;
  /** The insurer's Retry-After in ms (capped), when it sent a readable one. */
  retryAfterMs?: number;
}

/** Internal marker: the deadline fired (so the 'error' that destroy() triggers is read as a timeout). */
class DeadlineExceeded extends Error {}
/** Internal marker: the answer grew beyond maxResponseBytes. */
class ResponseTooLarge extends Error {}

/** The failure an answer means when the codec did not claim it (anything but a success it could read). */
export function failureOf(res: InsurerHttpResponse): InsurerCallError {
  const outcome = classifyHttpStatus(res.status, res.retryAfterMs);
  const detail = `HTTP_${res.status}`;
  switch (outcome) {
    case 'throttled':
      return new InsurerCallError('throttled', `insurer asked to slow down (HTTP ${res.status})`, detail, res.retryAfterMs, res.status);
    case 'unavailable':
      return new InsurerCallError('unavailable', `insurer unavailable (HTTP ${res.status})`, detail, undefined, res.status);
    case 'ok':
    case 'refused':
    case 'timeout':
      return new InsurerCallError('refused', `unexpected insurer HTTP status ${res.status}`, detail, undefined, res.status);
  }
}

export class InsurerHttpClient {
  readonly url: URL;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;

  constructor(private readonly options: InsurerHttpClientOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new Error('InsurerHttpClient: endpoint must be an http or https URL');
    }
    if (options.tls && this.url.protocol !== 'https:') {
      throw new Error('InsurerHttpClient: tls options require an https endpoint');
    }
    if (options.tls && (options.tls.cert === undefined) !== (options.tls.key === undefined)) {
      throw new Error('InsurerHttpClient: tls.cert and tls.key go together');
    }
    if (!(options.timeoutMs > 0)) throw new Error('InsurerHttpClient: timeoutMs must be > 0');
    this.timeoutMs = options.timeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const pool = { keepAlive: true, maxSockets: options.maxSockets ?? DEFAULT_MAX_SOCKETS, scheduling: 'lifo' as const };
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

  /** A URL below the endpoint (`ping` → `<endpoint>/ping`). */
  resolve(path: string): URL {
    return new URL(this.url.href.replace(/\/?$/, `/${path}`));
  }

  /**
   * POSTs to the endpoint under the deadline. Resolves with any HTTP answer; rejects with InsurerCallError only.
   *
   * A pooled socket the server closed while idle fails before any byte of answer: the request never reached the
   * insurer's application, so it is sent once more within the same deadline. Callers must only carry operations safe
   * to repeat (a read keyed by a request id, a deposit keyed by its reference, a poll).
   */
  async post(payload: string | Buffer, contentType: string): Promise<InsurerHttpResponse> {
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const started = process.hrtime.bigint();
    const deadline = Date.now() + this.timeoutMs;
    let outcome: InsurerOutcome = 'unavailable';
    let status: number | undefined;
    try {
      this.checkClientCertificate();
      let response: InsurerHttpResponse;
      try {
        response = await this.exchange(this.url, 'POST', body, contentType, this.timeoutMs);
      } catch (err) {
        const remaining = deadline - Date.now();
        if (!(err as { reusedSocketReset?: boolean }).reusedSocketReset || remaining <= 0) throw err;
        response = await this.exchange(this.url, 'POST', body, contentType, remaining);
      }
      status = response.status;
      outcome = classifyHttpStatus(response.status, response.retryAfterMs);
      return response;
    } catch (err) {
      const failure = this.toError(err);
      outcome = failure.outcome;
      throw failure;
    } finally {
      this.options.onExchange?.({ outcome, status, durationSeconds: Number(process.hrtime.bigint() - started) / 1e9 });
    }
  }

  /** GET `<endpoint>/<path>` answers 2xx within timeoutMs; never rejects. */
  async ping(path = 'ping', timeoutMs = Math.min(this.timeoutMs, 2000)): Promise<boolean> {
    try {
      this.checkClientCertificate();
      const res = await this.exchange(this.resolve(path), 'GET', undefined, '', timeoutMs);
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }

  /** Closes pooled sockets (application shutdown, tests). */
  close(): void {
    this.agent.destroy();
  }

  /** One HTTP exchange under a hard deadline; the request is destroyed when it fires (never hangs). */
  private exchange(
    url: URL,
    method: string,
    payload: Buffer | undefined,
    contentType: string,
    timeoutMs: number,
  ): Promise<InsurerHttpResponse> {
    return new Promise<InsurerHttpResponse>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {};
      if (this.options.accept) headers.Accept = this.options.accept;
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
          finish(() => {
            const retryAfter = res.headers['retry-after'];
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              body: Buffer.concat(chunks).toString('utf8'),
              retryAfterMs: parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined),
            });
          }),
        );
      });
      req.end(payload);
    });
  }

  private checkClientCertificate(): void {
    try {
      this.options.tls?.checkClientCertificate?.();
    } catch (err) {
      // The code only (EXPIRED, WRONG_PURPOSE…): the full reason is in the boot check and /health.
      const code = (err as { code?: string }).code ?? 'UNUSABLE';
      throw new InsurerCallError('unavailable', `our client certificate cannot be used (${code})`, 'CLIENT_CERTIFICATE');
    }
  }

  private toError(err: unknown): InsurerCallError {
    if (err instanceof InsurerCallError) return err;
    if (err instanceof DeadlineExceeded) {
      return new InsurerCallError('timeout', `insurer did not answer within ${this.timeoutMs} ms`, 'TIMEOUT');
    }
    if (err instanceof ResponseTooLarge) {
      return new InsurerCallError('refused', `insurer answer larger than ${this.maxResponseBytes} bytes`, 'RESPONSE_TOO_LARGE');
    }
    // Only the error code: Node's messages can carry addresses and TLS details, never useful to a caller.
    const code = (err as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
    return new InsurerCallError('unavailable', `insurer unreachable (${code})`, code);
  }
}
