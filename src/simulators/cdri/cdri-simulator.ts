/**
 * CDRi insurer simulator: a real HTTP(S) server speaking the same (modelled) SOAP as the adapter,
 * through the same codec, so tests and the embedded demo exercise the real wire path — sockets,
 * keep-alive, mutual TLS, timeouts — and not a mock.
 *
 * Answers come from `simulateRights` (deterministic per NIR, see simulated-patients.ts), overridable
 * per NIR at run time. On top of that, configurable latency/jitter, random faults from a SEEDED RNG
 * (reproducible runs) and capacity limits (maxConcurrent, rateLimitPerSecond → 429).
 *
 * NIRs are never kept in clear: per-NIR counters are keyed by an HMAC with a per-instance random key.
 */
import { createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { AmoRightsAnswer, AmoRightsQuery } from '../../cdri/amo-rights.port';
import {
  buildFault,
  buildRightsResponse,
  faultHttpStatus,
  parseRightsRequest,
} from '../../cdri/soap/cdri-soap.codec';
import {
  CdriSimulatorCounters,
  CdriSimulatorOptions,
  CdriSimulatorStats,
  DEFAULTS,
  MAX_BODY_BYTES,
  seededRng,
  zeroCounters,
} from './cdri-simulator.options';
import { SimulatedOutcome, simulateRights } from './simulated-patients';

export * from './cdri-simulator.options';

export class CdriSimulator {
  private opts: CdriSimulatorOptions;
  private server?: http.Server;
  private rng: () => number;
  private readonly hmacKey = randomBytes(32);
  private readonly perNir = new Map<string, { calls: number; answered: number }>();
  private readonly overrides = new Map<string, AmoRightsAnswer>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private counters: CdriSimulatorCounters = zeroCounters();
  private bucket = { tokens: 0, at: 0 };

  constructor(options: Partial<CdriSimulatorOptions> = {}) {
    this.opts = { ...DEFAULTS, ...options, faults: { ...DEFAULTS.faults, ...options.faults } };
    this.rng = seededRng(this.opts.seed);
    this.refillBucket(true);
  }

  async start(): Promise<{ port: number; url: string }> {
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
    return { port, url: `${tls ? 'https' : 'http'}://${host}:${port}${this.opts.path}` };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Changes behaviour at run time (latency, faults, limits apply to the next request). */
  configure(partial: Partial<CdriSimulatorOptions>): void {
    this.opts = { ...this.opts, ...partial, faults: { ...this.opts.faults, ...partial.faults } };
    if (partial.seed !== undefined) this.rng = seededRng(partial.seed);
    if (partial.rateLimitPerSecond !== undefined) this.refillBucket(true);
  }

  /** From now on, this NIR gets `answer` (e.g. rights closed between two checks). */
  overrideRights(nir: string, answer: AmoRightsAnswer): void {
    this.overrides.set(this.keyOf(nir), answer);
  }

  clearOverride(nir: string): void {
    this.overrides.delete(this.keyOf(nir));
  }

  callsFor(nir: string): number {
    return this.perNir.get(this.keyOf(nir))?.calls ?? 0;
  }

  answeredFor(nir: string): number {
    return this.perNir.get(this.keyOf(nir))?.answered ?? 0;
  }

  stats(): CdriSimulatorStats {
    return { ...this.counters, distinctNirs: this.perNir.size, callsFor: (nir) => this.callsFor(nir) };
  }

  /** Zeroes the counters and drops the overrides (options and RNG state are kept). */
  reset(): void {
    this.counters = zeroCounters(this.counters.inFlight);
    this.perNir.clear();
    this.overrides.clear();
  }

  private keyOf(nir: string): string {
    return createHmac('sha256', this.hmacKey).update(nir).digest('base64url');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === `${this.opts.path}/ping` && req.method === 'GET') {
      this.counters.pings++;
      return this.sendText(res, 200, 'pong');
    }
    if (path !== this.opts.path) return this.sendText(res, 404, 'not found');
    if (req.method !== 'POST') return this.sendText(res, 405, 'method not allowed', { Allow: 'POST' });
    const chunks: Buffer[] = [];
    let size = 0;
    // A client that hangs up mid-upload must not become an unhandled 'error' that kills the process.
    req.on('error', () => undefined);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        this.sendText(res, 413, 'payload too large', { Connection: 'close' });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (size <= MAX_BODY_BYTES) this.process(Buffer.concat(chunks).toString('utf8'), res);
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
    const key = this.keyOf(query.nir);
    const entry = this.perNir.get(key) ?? { calls: 0, answered: 0 };
    entry.calls++;
    this.perNir.set(key, entry);

    // Capacity limits model the insurer's front door: they answer at once, before any latency.
    const retryAfter = this.admit();
    if (retryAfter !== undefined) return this.rateLimited(res, retryAfter);

    this.counters.inFlight++;
    const timer = { ref: undefined as NodeJS.Timeout | undefined };
    res.once('close', () => {
      this.counters.inFlight--;
      if (timer.ref) {
        clearTimeout(timer.ref);
        this.timers.delete(timer.ref);
      }
    });
    const { outcome, delayMs } = this.decide(query, key);
    if (outcome === 'timeout') this.counters.timeoutsServed++;
    timer.ref = setTimeout(() => {
      this.timers.delete(timer.ref as NodeJS.Timeout);
      this.serve(res, outcome, entry);
    }, delayMs);
    this.timers.add(timer.ref);
  }

  /** Returns Retry-After seconds when the request must be refused, undefined when admitted. */
  private admit(): number | undefined {
    const { maxConcurrent, rateLimitPerSecond } = this.opts;
    if (maxConcurrent !== undefined && this.counters.inFlight >= maxConcurrent) return 1;
    if (rateLimitPerSecond !== undefined && rateLimitPerSecond > 0) {
      this.refillBucket(false);
      if (this.bucket.tokens < 1) return Math.max(1, Math.ceil((1 - this.bucket.tokens) / rateLimitPerSecond));
      this.bucket.tokens -= 1;
    }
    return undefined;
  }

  private refillBucket(full: boolean): void {
    const rate = this.opts.rateLimitPerSecond ?? 0;
    const now = Date.now();
    const burst = Math.max(1, rate); // a rate below 1/s still lets one request through, then one per 1/rate s
    this.bucket.tokens = full ? burst : Math.min(burst, this.bucket.tokens + ((now - this.bucket.at) * rate) / 1000);
    this.bucket.at = now;
  }

  private decide(query: AmoRightsQuery, key: string): { outcome: SimulatedOutcome | 'timeout'; delayMs: number } {
    const { faults, latencyMs, jitterMs } = this.opts;
    // Always draw the same number of values so one request's faults do not shift the next one's.
    const [r429, r5xx, rTimeout, rFault, rJitter] = [this.rng(), this.rng(), this.rng(), this.rng(), this.rng()];
    const delayMs = latencyMs + Math.floor(rJitter * jitterMs);
    if (r429 < faults.rate429) return { outcome: { kind: 'http', status: 429, retryAfterSeconds: 1 }, delayMs };
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

  private serve(res: http.ServerResponse, outcome: SimulatedOutcome | 'timeout', entry: { answered: number }): void {
    // A client still waiting after the held delay gets what a front gateway would send.
    if (outcome === 'timeout') return this.sendText(res, 504, 'gateway timeout');
    switch (outcome.kind) {
      case 'answer':
        entry.answered++;
        this.counters.answered++;
        return this.sendXml(res, 200, buildRightsResponse(outcome.answer));
      case 'fault':
        this.counters.faultsServed++;
        return this.sendXml(res, faultHttpStatus(outcome.code), buildFault(outcome.code, outcome.text));
      case 'http':
        if (outcome.status === 429) return this.rateLimited(res, outcome.retryAfterSeconds ?? 1);
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
