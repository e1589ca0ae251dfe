import { execFileSync } from 'node:child_process';
import { waitFor } from './wait-for';

/**
 * Restarts the local Redis the way the machine starts it (no persistence): every BullMQ job in it is lost.
 * Used to prove that lots resume from the database, not from the queue.
 */
export async function restartRedis(): Promise<void> {
  try {
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave'], { stdio: 'ignore' });
  } catch {
    /* redis-cli exits non-zero when the server closes the connection on shutdown */
  }
  await waitFor('Redis to stop', async () => !ping(), 10000, 100);
  execFileSync('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '-::1',
    '--port',
    '6379',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    '/var/lib/redis',
    '--logfile',
    '/var/log/redis/ci.log',
  ]);
  await waitFor('Redis to answer', async () => ping(), 10000, 100);
}

function ping(): boolean {
  try {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { encoding: 'utf8' }).trim() === 'PONG';
  } catch {
    return false;
  }
}
