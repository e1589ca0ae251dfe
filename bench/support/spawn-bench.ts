/**
 * Runs a compiled benchmark script that has no exported entry point in its own node process and collects the
 * JSON lines it prints on stdout (its stderr goes straight through). Rejects if it exits non-zero.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { BenchResult } from './results';

export function spawnBench(file: string, args: string[] = []): Promise<BenchResult[]> {
  if (!existsSync(file)) return Promise.reject(new Error(`${file} not found (did the build run?)`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const results: BenchResult[] = [];
      for (const line of out.split('\n')) {
        const t = line.trim();
        if (!t) continue;
        try {
          const parsed = JSON.parse(t) as BenchResult;
          if (parsed && typeof parsed === 'object' && typeof parsed.bench === 'string') results.push(parsed);
          else process.stderr.write(`${t}\n`);
        } catch {
          process.stderr.write(`${t}\n`); // not a result line: keep stdout machine-readable
        }
      }
      if (code === 0) resolve(results);
      else reject(new Error(`${file} exited with ${code ?? signal}`));
    });
  });
}
