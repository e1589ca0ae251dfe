/**
 * CDRi insurer simulator: a real HTTP(S) server speaking the same (modelled) SOAP as the adapter,
 * through the same codec, so tests and the embedded demo exercise the real wire path — sockets,
 * keep-alive, mutual TLS, timeouts — and not a mock.
 *
 * Answers come from `simulateRights` (deterministic per NIR, see simulated-patients.ts), overridable
 * per NIR at run time. On top of that, configurable latency/jitter, random faults from a SEEDED RNG
 * (reproducible runs) and capacity limits (maxConcurrent, rateLimitPerSecond → 429).
 *
 * Idempotent like the insurer we model: a question carrying an IdRequete already answered gets the stored answer back
 * at once (cdri-check-ledger.ts), so `checksFor` counts checks while `callsFor` counts HTTP calls (retries included).
 * A question keeps being worked on when its client gives up, as an insurer would: the client's retry finds the answer.
 * The lot service (`<path>/lot`, cdri-lot-simulator.ts) shares the same ledger and scenarios.
 *
 * NIRs are never kept in clear: per-NIR counters are keyed by an HMAC with a per-instance random key.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { type AddressInfo } from 'node:net';
import { type AmoRightsAnswer, type AmoRightsQuery } from '../../cdri/amo-rights.port';
import { buildFault, buildRightsResponse, faultHttpStatus, parseRightsRequest } from '../../cdri/soap/cdri-soap.codec';
import {
  type CdriSimulatorCounters,
  type CdriSimulatorOptions,
  type CdriSimulatorStats,
  DEFAULTS,
  MAX_BODY_BYTES,
  MAX_LOT_BODY_BYTES,
  TokenBucket,
  zeroCounters,
} from './cdri-simulator.options';
import { CdriCheckLedger, type Outcome } from './cdri-check-ledger';
import { CdriLotSimulator } from './cdri-lot-simulator';
import { RATE_LIMITED_RETRY_AFTER_SECONDS, type SimulatedOutcome, simulateRights } from './simulated-patients';
import { seededRandom } from '../../common/seeded-random';

export * from './cdri-simulator.options';

export class CdriSimulator {
  private opts: CdriSimulatorOptions;
  private server?: http.Server;
  private rng: () => number;
  private readonly ledger = new CdriCheckLedger();
  private readonly overrides = new Map<string, AmoRightsAnswer>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private counters: CdriSimulatorCounters = zeroCounters();
  private readonly bucket: TokenBucket;
  private readonly lots: CdriLotSimulator;

  constructor(options: Partial<CdriSimulatorOptions> = {}) {
    this.opts = { ...DEFAULTS, ...options, faults: { ...DEFAULTS.faults, ...options.faults } };
    this.rng = seededRandom(this.opts.seed);
    this.bucket = new TokenBucket(() => this.opts.rateLimitPerSecond);
    this.lots = new CdriLotSimulator({
      ledger: this.ledger,
      options: () => this.opts,
      counters: () => this.counters,
      decide: (query, key) => this.decide(query, key),
      later: (ms, value) => this.later(ms, value),
    });
  }

  /** `url`: the unit service; `lotUrl`: the lot service (`<url>/lot`). */
  async start(): Promise<{ port: number; url: string; lotUrl: string }> {
    if (this.server) throw new Error('CdriSimulator already started');
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    const tls = this.opts.tls;
    const server = tls
      ? https.createServer(
          {
            cert: tls.cert,
            key: tls.key,
            ca: tls.ca,
            requestCert: tls.requestCert ?? tls.ca !== undefined,
            rejectUnauthorized: tls.rejectUnauthorized ?? true,
            minVersion: 'TLSv1.2',
          },
          handler,
        )
      : http.createServer(handler);
    // Longer than client pools keep idle sockets, so the client closes first (no reset races).
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.on('connection', () => this.counters.connections++);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    const url = `${tls ? 'https' : 'http'}://${host}:${port}${this.opts.path}`;
    return { port, url, lotUrl: `${url}/lot` };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.lots.stop();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Changes behaviour at run time (latency, faults, limits apply to the next request). */
  configure(partial: Partial<CdriSimulatorOptions>): void {
    this.opts = { ...this.opts, ...partial, faults: { ...this.opts.faults, ...partial.faults } };
    if (partial.seed !== undefined) this.rng = seededRandom(partial.seed);
    if (partial.rateLimitPerSecond !== undefined) this.bucket.refill();
  }

  /** From now on, this NIR gets `answer` (e.g. rights closed between two checks). */
  overrideRights(nir: string, answer: AmoRightsAnswer): void {
    this.overrides.set(this.ledger.keyOf(nir), answer);
  }

  clearOverride(nir: string): void {
    this.overrides.delete(this.ledger.keyOf(nir));
  }

  /** HTTP calls about this NIR (unit service), retries and repeats included. */
  callsFor(nir: string): number {
    return this.ledger.callsFor(nir);
  }

  /** HTTP 200 answers with rights sent about this NIR. */
  answeredFor(nir: string): number {
    return this.ledger.answeredFor(nir);
  }

  /**
   * Checks of this NIR: distinct IdRequete given an answer (or a Sender fault), through the unit or the lot service,
   * plus each such answered question sent without an IdRequete. "Checked exactly once" = 1.
   */
  checksFor(nir: string): number {
    return this.ledger.checksFor(nir);
  }

  stats(): CdriSimulatorStats {
    return {
      ...this.counters,
      distinctNirs: this.ledger.distinctNirs,
      distinctChecks: this.ledger.distinctChecks,
      callsFor: (nir) => this.callsFor(nir),
      checksFor: (nir) => this.checksFor(nir),
    };
  }

  /** Zeroes the counters, forgets stored answers and lots, drops the overrides (options and RNG state are kept). */
  reset(): void {
    this.counters = zeroCounters(this.counters.inFlight);
    this.ledger.reset();
    this.lots.reset();
    this.overrides.clear();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const lotPath = `${this.opts.path}/lot`;
    if ((path === `${this.opts.path}/ping` || path === `${lotPath}/ping`) && req.method === 'GET') {
      this.counters.pings++;
      return this.sendText(res, 200, 'pong');
    }
    if (path !== this.opts.path && path !== lotPath) return this.sendText(res, 404, 'not found');
    if (req.method !== 'POST') return this.sendText(res, 405, 'method not allowed', { Allow: 'POST' });
    const isLot = path === lotPath;
    const limit = isLot ? MAX_LOT_BODY_BYTES : MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    // A client that hangs up mid-upload must not become an unhandled 'error' that kills the process.
    req.on('error', () => undefined);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        this.sendText(res, 413, 'payload too large', { Connection: 'close' });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) return;
      const xml = Buffer.concat(chunks).toString('utf8');
      if (!isLot) return this.process(xml, res);
      const reply = this.lots.handle(xml);
      this.sendXml(res, reply.status, reply.xml);
    });
  }

  private process(xml: string, res: http.ServerResponse): void {
    let query: AmoRightsQuery;
    try {
      query = parseRightsRequest(xml).query;
    } catch {
      this.counters.malformed++;
      this.counters.faultsServed++;
      return this.sendXml(res, 400, buildFault('REQUETE_MALFORMEE', 'requête SOAP malformée'));
    }
    this.counters.calls++;
    const key = this.ledger.keyOf(query.nir);
    this.ledger.countCall(key);

    // Capacity limits model the insurer's front door: they answer at once, before any latency (and any replay).
    const retryAfter = this.admit();
    if (retryAfter !== undefined) return this.rateLimited(res, retryAfter);

    this.counters.inFlight++;
    res.once('close', () => this.counters.inFlight--);
    const compute = (): Promise<Outcome> => {
      const { outcome, delayMs } = this.decide(query, key);
      if (outcome === 'timeout') this.counters.timeoutsServed++;
      return this.later(delayMs, outcome);
    };
    void this.ledger.obtain(key, query.requestId, compute).then((outcome) => this.serve(res, outcome, key));
  }

  /** Resolves with `value` after `ms`; the timer is cleared by stop() (the promise is then left pending). */
  private later<T>(ms: number, value: T): Promise<T> {
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(value);
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Returns Retry-After seconds when the request must be refused, undefined when admitted. */
  private admit(): number | undefined {
    const { maxConcurrent } = this.opts;
    if (maxConcurrent !== undefined && this.counters.inFlight >= maxConcurrent) return 1;
    return this.bucket.take();
  }

  /** This question's outcome and delay: seeded random faults first, then the override or the scenario. */
  private decide(query: AmoRightsQuery, key: string): { outcome: Outcome; delayMs: number } {
    const { faults, latencyMs, jitterMs } = this.opts;
    // Always draw the same number of values so one request's faults do not shift the next one's.
    const [r429, r5xx, rTimeout, rFault, rJitter] = [this.rng(), this.rng(), this.rng(), this.rng(), this.rng()];
    const delayMs = latencyMs + Math.floor(rJitter * jitterMs);
    if (r429 < faults.rate429)
      return { outcome: { kind: 'http', status: 429, retryAfterSeconds: RATE_LIMITED_RETRY_AFTER_SECONDS }, delayMs };
    if (r5xx < faults.rate5xx) return { outcome: { kind: 'http', status: 503 }, delayMs };
    if (rTimeout < faults.rateTimeout) return { outcome: 'timeout', delayMs: Math.max(delayMs, this.opts.timeoutDelayMs) };
    if (rFault < faults.rateFault) {
      return { outcome: { kind: 'fault', code: 'ERREUR_TECHNIQUE', text: 'erreur technique simulée' }, delayMs };
    }
    const override = this.overrides.get(key);
    const outcome: SimulatedOutcome = override ? { kind: 'answer', answer: override } : simulateRights(query);
    const scenarioDelay = outcome.kind === 'answer' ? (outcome.delayMs ?? 0) : 0;
    return { outcome, delayMs: Math.max(delayMs, scenarioDelay) };
  }

  private serve(res: http.ServerResponse, outcome: Outcome, key: string): void {
    if (res.headersSent || res.destroyed) return; // the client gave up: nothing is sent, nothing is counted as sent
    // A client still waiting after the held delay gets what a front gateway would send.
    if (outcome === 'timeout') return this.sendText(res, 504, 'gateway timeout');
    switch (outcome.kind) {
      case 'answer':
        this.ledger.countAnswered(key);
        this.counters.answered++;
        return this.sendXml(res, 200, buildRightsResponse(outcome.answer));
      case 'fault':
        this.counters.faultsServed++;
        return this.sendXml(res, faultHttpStatus(outcome.code), buildFault(outcome.code, outcome.text));
      case 'http':
        if (outcome.status === 429) {
          return this.rateLimited(
            res,
            this.opts.rateLimitedRetryAfterSeconds ?? outcome.retryAfterSeconds ?? RATE_LIMITED_RETRY_AFTER_SECONDS,
          );
        }
        if (outcome.status >= 500) this.counters.http5xxServed++;
        return this.sendText(res, outcome.status, 'simulated HTTP error');
    }
  }

  private rateLimited(res: http.ServerResponse, retryAfterSeconds: number): void {
    this.counters.rateLimitedServed++;
    this.sendText(res, 429, 'too many requests', { 'Retry-After': String(retryAfterSeconds) });
  }

  private sendXml(res: http.ServerResponse, status: number, xml: string): void {
    this.send(res, status, xml, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
  }

  private sendText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    this.send(res, status, text, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  }

  private send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string>): void {
    if (res.headersSent || res.destroyed) return; // client gone (timed out) or answer already sent
    res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}
