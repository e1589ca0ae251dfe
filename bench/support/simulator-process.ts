/** Parent side of cdri-simulator.worker: a CDRi simulator in a forked child process. */
import { fork } from 'node:child_process';
import { join } from 'node:path';

export interface SimulatorProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function startSimulatorProcess(latencyMs: number): Promise<SimulatorProcess> {
  const child = fork(join(__dirname, 'cdri-simulator.worker.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('message', (m: { type: 'ready'; url: string } | { type: 'error'; message: string }) => {
      if (m.type === 'ready') {
        resolve({
          url: m.url,
          pid: child.pid ?? 0,
          stop: async () => {
            if (child.connected) child.disconnect();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(timer);
          },
        });
      } else reject(new Error(`CDRi simulator process: ${m.message}`));
    });
    child.once('exit', (code) => reject(new Error(`CDRi simulator process exited (${code}) before it was ready`)));
    child.send({ type: 'start', latencyMs });
  });
}
