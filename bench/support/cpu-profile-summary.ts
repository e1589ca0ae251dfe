/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and says where the samples of a time window went: by function (self
 * and inclusive), and by package (self), as shares of the non-idle samples. `window` (V8 profile microseconds)
 * restricts it to part of the profile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  samples: number;
  /** Share of the window the gateway's thread was idle (waiting for I/O). */
  idlePercent: number;
  gcPercent: number;
  /** Self time by package (node_modules/<pkg>, node: internals, src/<folder>), % of non-idle samples. */
  byPackage: ProfileShare[];
  /** Self time by function, % of non-idle samples. */
  topSelf: ProfileShare[];
  /** Inclusive time of the project's own functions (src/), % of non-idle samples: where a request spends. */
  topInclusiveSrc: ProfileShare[];
}

function where(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node:internals';
  const src = url.indexOf('/dist/src/');
  if (src >= 0) return `src/${url.slice(src + '/dist/src/'.length).split('/')[0]}`;
  return url.replace(/^file:\/\//, '');
}

function fnKey(n: CpuProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const nm = url.lastIndexOf('node_modules/');
  const dist = url.lastIndexOf('/dist/');
  let file = url;
  if (nm >= 0) file = url.slice(nm + 'node_modules/'.length);
  else if (dist >= 0) file = url.slice(dist + '/dist/'.length);
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

const pct = (n: number, of: number): number => Math.round((n / Math.max(1, of)) * 1000) / 10;

function top(counts: Map<string, number>, of: number, n: number): ProfileShare[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, c]) => ({ name, percent: pct(c, of) }));
}

export function summarizeCpuProfile(file: string, window?: { fromUs: number; toUs: number }, n = 12): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);

  const self = new Map<string, number>();
  const pkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let t = p.startTime;
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const node = byId.get(p.samples[i]);
    if (!node) continue;
    total++;
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idle++;
      continue;
    }
    if (name === '(garbage collector)') gc++;
    const key = fnKey(node);
    self.set(key, (self.get(key) ?? 0) + 1);
    const w = where(node.callFrame.url) || name;
    pkg.set(w, (pkg.get(w) ?? 0) + 1);
    // Inclusive: each src/ function counted once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!;
      if (!f.callFrame.url.includes('/dist/src/')) continue;
      const k = fnKey(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + 1);
    }
  }
  const busy = total - idle;
  return {
    file,
    samples: total,
    idlePercent: pct(idle, total),
    gcPercent: pct(gc, busy),
    byPackage: top(pkg, busy, n),
    topSelf: top(self, busy, n),
    topInclusiveSrc: top(inclusive, busy, n),
  };
}

/** The single .cpuprofile a child wrote into `dir` (one directory per profiled process). */
export function profileIn(dir: string): string | undefined {
  const f = readdirSync(dir)
    .filter((x) => x.endsWith('.cpuprofile'))
    .sort();
  return f.length > 0 ? join(dir, f[f.length - 1]) : undefined;
}
