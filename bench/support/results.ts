/**
 * Benchmark results: one JSON object per line on stdout (machine-readable), everything human-readable on
 * stderr, and the whole run written to bench/results/latest.json (git-ignored) as a JSON array.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type BenchResult = { bench: string } & Record<string, unknown>;

const collected: BenchResult[] = [];

export function emit(result: BenchResult): void {
  collected.push(result);
  process.stdout.write(JSON.stringify(result) + '\n');
}

export function note(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** bench/results/ at the repository root, whether we run from bench/ (ts) or dist/bench/ (js). */
export function resultsDir(): string {
  const root = __dirname.includes(`${join('dist', 'bench')}`) ? join(__dirname, '..', '..', '..') : join(__dirname, '..', '..');
  return join(root, 'bench', 'results');
}

export function writeLatest(): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, JSON.stringify(collected, null, 2) + '\n');
  return file;
}
