/**
 * Child-process open-loop load generator for the kiosk path: requests leave on a fixed schedule (rate/s), never
 * waiting for earlier ones. Mode 'gateway': POST /fhir/CoverageEligibilityRequest/$submit over node:http with a
 * keep-alive agent. Mode 'direct': the same questions straight to the CDRi simulator through CdriSoapAdapter.
 * Latency is measured from each request's scheduled time (no coordinated omission); the scheduler's own lag is
 * reported separately. Each request uses a distinct test NIR (open rights: numéro d'ordre 001-399).
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { CdriSoapAdapter } from '../../src/cdri/cdri-soap.adapter';
import type { CdriContext } from '../../src/cdri/soap/cdri-soap.codec';
import { FINESS_SYSTEM, NIR_SYSTEMS } from '../../src/fhir/fhir-systems';
import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { serveWorker } from './fork-worker';
import { type LatencySummary, round, summarize } from './stats';

export interface KioskLoadConfig {
  mode: 'gateway' | 'direct';
  gatewayUrl: string;
  simulatorUrl: string;
  apiKeys: string[];
  ratePerSecond: number;
  warmupSeconds: number;
  seconds: number;
  finess: string;
  cdri: { context: CdriContext; timeoutMs: number; maxSockets: number };
}

export interface KioskLoadResult {
  mode: KioskLoadConfig['mode'];
  requests: number;
  achievedRatePerSecond: number;
  latencyMs: LatencySummary;
  /** How late the scheduler fired requests (client-side; should stay ~1 ms). */
  schedulerLagMs: LatencySummary;
  outcomes: Record<string, number>;
  distinctNirs: number;
  clientCpuCores: number;
}

const DEPTS = ['75', '69', '13', '33', '59', '2A', '31', '44', '67', '06'];

/** Request i → a distinct valid test NIR with open rights (order 001-399, commune and department vary). */
function patient(i: number): { nir: string; birthDate: string } {
  const year = 30 + (i % 70);
  const month = 1 + (i % 12);
  const nir = makeTestNir({
    sex: 1 + (i % 2),
    year,
    month,
    dept: DEPTS[Math.floor(i / (399 * 989)) % DEPTS.length],
    commune: 1 + (Math.floor(i / 399) % 989),
    order: 1 + (i % 399),
  });
  return { nir, birthDate: `19${String(year).padStart(2, '0')}-${String(month).padStart(2, '0')}-15` };
}

function eligibilityRequest(nir: string, birthDate: string, dateOfCare: string, finess: string, requestId: string): string {
  return JSON.stringify({
    resourceType: 'CoverageEligibilityRequest',
    identifier: [{ system: 'urn:oid:1.2.250.1.999.2.1', value: requestId }],
    status: 'active',
    purpose: ['validation'],
    contained: [{ resourceType: 'Patient', id: 'pat', identifier: [{ system: NIR_SYSTEMS.testNir, value: nir }], birthDate }],
    patient: { reference: '#pat' },
    servicedDate: dateOfCare,
    created: new Date().toISOString(),
    provider: { identifier: { system: FINESS_SYSTEM, value: finess } },
    insurer: { display: 'AMO' },
  });
}

async function main(cfg: KioskLoadConfig, measuring: () => void): Promise<KioskLoadResult> {
  const dateOfCare = new Date().toISOString().slice(0, 10);
  const warmup = Math.round(cfg.ratePerSecond * cfg.warmupSeconds);
  const total = warmup + Math.round(cfg.ratePerSecond * cfg.seconds);
  const run = randomUUID().slice(0, 8);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL('/fhir/CoverageEligibilityRequest/$submit', cfg.gatewayUrl);
  const adapter =
    cfg.mode === 'direct'
      ? new CdriSoapAdapter({
          endpoint: cfg.simulatorUrl,
          timeoutMs: cfg.cdri.timeoutMs,
          maxSockets: cfg.cdri.maxSockets,
          context: cfg.cdri.context,
        })
      : undefined;

  const viaGateway = (i: number, p: { nir: string; birthDate: string }): Promise<string> => {
    const body = Buffer.from(eligibilityRequest(p.nir, p.birthDate, dateOfCare, cfg.finess, `${run}-${i}`));
    return new Promise((resolve) => {
      const req = http.request(target, {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/fhir+json',
          'Content-Length': body.length,
          'X-API-Key': cfg.apiKeys[i % cfg.apiKeys.length],
        },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', () => resolve('RESPONSE_ERROR'));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'ERROR'));
      req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.end(body);
    });
  };
  const direct = async (_i: number, p: { nir: string; birthDate: string }): Promise<string> => {
    try {
      const a = await adapter!.checkRights({
        nir: p.nir,
        birthDate: p.birthDate,
        dateOfCare,
        finess: cfg.finess,
        correlationId: randomUUID(),
      });
      return a.status === 'OPEN' ? '200' : `rights:${a.status}`;
    } catch (err) {
      return (err as { code?: string }).code ?? 'ERROR';
    }
  };
  const call = cfg.mode === 'direct' ? direct : viaGateway;

  const patients = Array.from({ length: total }, (_, i) => patient(i));
  const latencies = new Float64Array(total - warmup);
  const lags = new Float64Array(total - warmup);
  const outcomes: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / cfg.ratePerSecond;
  let cpu0 = process.cpuUsage();
  let measureStart = 0;
  const t0 = performance.now() + 20;

  await new Promise<void>((allScheduled) => {
    let i = 0;
    const tick = (): void => {
      const now = performance.now();
      while (i < total && t0 + i * interval <= now) {
        const n = i++;
        const due = t0 + n * interval;
        if (n === warmup) {
          measuring();
          cpu0 = process.cpuUsage();
          measureStart = due;
        }
        const lag = performance.now() - due;
        const p = call(n, patients[n]).then((outcome) => {
          if (n >= warmup) {
            latencies[n - warmup] = performance.now() - due;
            lags[n - warmup] = lag;
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          }
          inFlight.delete(p);
        });
        inFlight.add(p);
      }
      if (i < total) setTimeout(tick, Math.max(0, t0 + i * interval - performance.now()));
      else allScheduled();
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  const lastDue = t0 + (total - 1) * interval;
  await Promise.all([...inFlight]);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - measureStart;
  agent.destroy();
  adapter?.close();
  return {
    mode: cfg.mode,
    requests: total - warmup,
    achievedRatePerSecond: round(((total - warmup - 1) / (lastDue - measureStart)) * 1000, 1),
    latencyMs: summarize(latencies),
    schedulerLagMs: summarize(lags),
    outcomes,
    distinctNirs: new Set(patients.map((p) => p.nir)).size,
    clientCpuCores: round((cpu.user + cpu.system) / 1000 / wallMs, 2),
  };
}

serveWorker(main);
