/**
 * Runs a load generator in a child process (node:child_process.fork of its compiled JS), so that the client's CPU
 * is not charged to the gateway's event loop. Protocol over IPC: parent sends { type: 'start', config }; the child
 * sends { type: 'measuring' } when warm-up is over, then { type: 'done', result } or { type: 'error', message }.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';

export type WorkerMessage<R> = { type: 'measuring' } | { type: 'done'; result: R } | { type: 'error'; message: string };

/** `file` is relative to this directory (dist/bench/support at run time), e.g. 'mllp-load.worker.js'. */
export function runWorker<C, R>(file: string, config: C, hooks: { onMeasuring?: () => void } = {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const child = fork(join(__dirname, file), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
    };
    child.on('message', (m: WorkerMessage<R>) => {
      if (m.type === 'measuring') hooks.onMeasuring?.();
      else if (m.type === 'done') settle(() => resolve(m.result));
      else if (m.type === 'error') settle(() => reject(new Error(`${file}: ${m.message}`)));
    });
    child.once('error', (err) => settle(() => reject(err)));
    child.once('exit', (code, signal) => settle(() => reject(new Error(`${file} exited (${code ?? signal}) without a result`))));
    child.send({ type: 'start', config });
  });
}

/** Child side: waits for the config, runs `main`, reports, exits. */
export function serveWorker<C, R>(main: (config: C, measuring: () => void) => Promise<R>): void {
  process.once('message', (m: { type: 'start'; config: C }) => {
    const measuring = (): void => void process.send?.({ type: 'measuring' });
    main(m.config, measuring).then(
      (result) => process.send?.({ type: 'done', result }, () => process.exit(0)),
      (err: Error) => process.send?.({ type: 'error', message: err?.stack ?? String(err) }, () => process.exit(1)),
    );
  });
}
