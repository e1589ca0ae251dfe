/**
 * What the gateway side costs during a measured window: this process's CPU (in cores: 1 = one core fully busy)
 * and peak RSS (sampled every 50 ms, plus the kernel's lifetime maxRSS); and where the rest of the machine's CPU
 * went (/proc: PostgreSQL, Redis, the load generator, and everything else — other users' jobs included), since a
 * shared 2-core machine makes every number depend on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const RES_NS = 5e6; // event-loop delay sampling resolution (5 ms)

/** Optional gauge sampled with RSS, e.g. the gateway's PostgreSQL pool (clients waiting for a connection). */
export type PoolGauge = () => { total: number; idle: number; waiting: number };

export interface ProcessSample {
  /** This (gateway-side) process. */
  cpuCores: number;
  /** Share of the window the event loop was busy (1 = never idle). */
  eventLoopUtilization: number;
  /** How late the event loop ran timers (ms): blocking work and CPU starvation both show here. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Database pool: clients waiting for a free connection (mean and max over the samples). */
  dbPoolWaiting?: { mean: number; max: number; poolSize: number };
  peakRssMB: number;
  lifetimeMaxRssMB: number;
  machine: {
    cores: number;
    /** All processes together, in cores. */
    busyCores: number | null;
    postgresCores: number | null;
    redisCores: number | null;
    loadGeneratorCores: number | null;
    /** Named helper processes of the benchmark (e.g. the CDRi simulator), in cores. */
    helpers?: Record<string, number>;
    /** busy − everything above: other users' work on the same machine. */
    otherCores: number | null;
    loadAvg1: number;
  };
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: v.slice(0, 8).reduce((a, b) => a + b, 0) - idle, total: v.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** CPU ticks per process name of interest (postgres, redis-server), summed over their processes. */
function serviceTicks(): Map<number, { comm: string; ticks: number }> {
  const out = new Map<number, { comm: string; ticks: number }>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres' && !comm.startsWith('redis-server')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(pid), { comm, ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      /* process ended meanwhile */
    }
  }
  return out;
}

function pidTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
const r2 = (n: number): number => Math.round(n * 100) / 100;

export class ProcessSampler {
  private timer?: NodeJS.Timeout;
  private peakRss = 0;
  private cpu0 = process.cpuUsage();
  private t0 = process.hrtime.bigint();
  private ticks0 = machineTicks();
  private services0 = new Map<number, { comm: string; ticks: number }>();
  private elu0 = performance.eventLoopUtilization();
  private delay = monitorEventLoopDelay({ resolution: RES_NS / 1e6 });
  private waiting: number[] = [];
  private poolSize = 0;

  private helpers0: Record<string, number> = {};

  constructor(
    private readonly pool?: PoolGauge,
    private readonly helperPids: Record<string, number> = {},
  ) {}

  start(): this {
    this.elu0 = performance.eventLoopUtilization();
    this.delay.reset();
    this.delay.enable();
    this.waiting = [];
    this.peakRss = process.memoryUsage.rss();
    this.services0 = serviceTicks();
    this.helpers0 = Object.fromEntries(Object.entries(this.helperPids).map(([name, pid]) => [name, pidTicks(pid)]));
    this.ticks0 = machineTicks();
    this.cpu0 = process.cpuUsage();
    this.t0 = process.hrtime.bigint();
    this.timer = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
      if (this.pool) {
        const g = this.pool();
        this.waiting.push(g.waiting);
        this.poolSize = Math.max(this.poolSize, g.total);
      }
    }, 50);
    this.timer.unref();
    return this;
  }

  /** `loadGeneratorCores`: what the child reported for the same window. */
  stop(loadGeneratorCores?: number): ProcessSample {
    clearInterval(this.timer);
    this.delay.disable();
    const elu = performance.eventLoopUtilization(this.elu0);
    const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e4) / 100);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    const cpu = process.cpuUsage(this.cpu0);
    const wallS = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const ticks1 = machineTicks();
    const services1 = serviceTicks();
    const cores = availableParallelism();
    const self = (cpu.user + cpu.system) / 1e6 / wallS;
    let pg = 0;
    let redis = 0;
    for (const [pid, s] of services1) {
      const d = (s.ticks - (this.services0.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND / wallS;
      if (s.comm === 'postgres') pg += d;
      else redis += d;
    }
    const helpers = Object.fromEntries(
      Object.entries(this.helperPids).map(([name, pid]) => [
        name,
        r2((pidTicks(pid) - (this.helpers0[name] ?? 0)) / TICKS_PER_SECOND / wallS),
      ]),
    );
    const helpersTotal = Object.values(helpers).reduce((a, b) => a + b, 0);
    const busy =
      this.ticks0 && ticks1 && ticks1.total > this.ticks0.total
        ? ((ticks1.busy - this.ticks0.busy) / (ticks1.total - this.ticks0.total)) * cores
        : null;
    return {
      cpuCores: r2(self),
      eventLoopUtilization: r2(elu.utilization),
      // The histogram records timer intervals (resolution + delay): the resolution is taken off.
      eventLoopDelayMs: {
        p50: ms(this.delay.percentile(50) - RES_NS),
        p99: ms(this.delay.percentile(99) - RES_NS),
        max: ms(this.delay.max - RES_NS),
      },
      ...(this.pool
        ? {
            dbPoolWaiting: {
              mean: r2(this.waiting.reduce((a, b) => a + b, 0) / Math.max(1, this.waiting.length)),
              max: Math.max(0, ...this.waiting),
              poolSize: this.poolSize,
            },
          }
        : {}),
      peakRssMB: mb(this.peakRss),
      lifetimeMaxRssMB: mb(process.resourceUsage().maxRSS * 1024),
      machine: {
        cores,
        busyCores: busy === null ? null : r2(busy),
        postgresCores: r2(pg),
        redisCores: r2(redis),
        loadGeneratorCores: loadGeneratorCores ?? null,
        ...(Object.keys(helpers).length > 0 ? { helpers } : {}),
        otherCores: busy === null ? null : r2(Math.max(0, busy - self - pg - redis - helpersTotal - (loadGeneratorCores ?? 0))),
        loadAvg1: r2(loadavg()[0]),
      },
    };
  }
}
