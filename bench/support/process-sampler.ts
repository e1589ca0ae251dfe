/**
 * What the gateway side costs during a measured window: this process's CPU (user+system, in cores), its peak
 * RSS (sampled every 50 ms, plus the kernel's lifetime maxRSS), and how busy the whole machine was
 * (/proc/stat: includes the load generator, PostgreSQL and Redis).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface ProcessSample {
  /** CPU time of this (gateway-side) process over the window, in cores (1 = one core fully busy). */
  cpuCores: number;
  peakRssMB: number;
  /** Peak RSS of this process since it started (kernel maxRSS). */
  lifetimeMaxRssMB: number;
  /** Whole machine, all processes: busy share of all cores over the window (0-100). */
  machineCpuBusyPercent: number | null;
  cores: number;
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

export class ProcessSampler {
  private timer?: NodeJS.Timeout;
  private peakRss = 0;
  private cpu0 = process.cpuUsage();
  private t0 = process.hrtime.bigint();
  private ticks0 = machineTicks();

  start(): this {
    this.peakRss = process.memoryUsage.rss();
    this.cpu0 = process.cpuUsage();
    this.t0 = process.hrtime.bigint();
    this.ticks0 = machineTicks();
    this.timer = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    }, 50);
    this.timer.unref();
    return this;
  }

  stop(): ProcessSample {
    clearInterval(this.timer);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    const cpu = process.cpuUsage(this.cpu0);
    const wallUs = Number(process.hrtime.bigint() - this.t0) / 1000;
    const ticks1 = machineTicks();
    const busy =
      this.ticks0 && ticks1 && ticks1.total > this.ticks0.total
        ? Math.round(((ticks1.busy - this.ticks0.busy) / (ticks1.total - this.ticks0.total)) * 1000) / 10
        : null;
    return {
      cpuCores: Math.round(((cpu.user + cpu.system) / Math.max(1, wallUs)) * 100) / 100,
      peakRssMB: mb(this.peakRss),
      lifetimeMaxRssMB: mb(process.resourceUsage().maxRSS * 1024),
      machineCpuBusyPercent: busy,
      cores: availableParallelism(),
    };
  }
}
