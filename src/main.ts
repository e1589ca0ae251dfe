import 'reflect-metadata';
import { Gateway } from './app/gateway';
import { ConfigError, loadConfig } from './config/load-config';
import { createLogger } from './observability/logger';
import { EmbeddedPostgresError } from './persistence/embedded-postgres';
import { DataDirInUseError } from './persistence/embedded-postgres-recovery';

/**
 * A terminal's Ctrl-C reaches the whole process group, and `npm start` forwards the signal it received too: one
 * keypress arrives here twice, a moment apart. Signals within this window count as one; a later one forces exit.
 */
const SAME_KEYPRESS_MS = 1_000;

/** `npm start`: boots the gateway from the environment over config/defaults.json; SIGTERM/SIGINT stop it gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  // Logs are written asynchronously: flush them before any exit, or the last lines (often the why) are lost.
  const exit = (code: number) => log.flush(() => process.exit(code));
  const gateway = await Gateway.start(config, log).catch((err) => {
    if (err instanceof ConfigError) {
      // Found at boot, after the variables themselves (e.g. a configured certificate expired): listed the same way.
      process.stderr.write(`${err.message}\n`);
      return log.flush(() => process.exit(2));
    }
    if (err instanceof EmbeddedPostgresError || err instanceof DataDirInUseError) {
      // Says what to do; a stack would only hide it. PostgreSQL's own output went to the debug log.
      const [reason, ...output] = err.message.split('\n');
      log.fatal({ postgresOutput: output.length ? output.slice(-5) : undefined }, `Passerelle could not start: ${reason}`);
    } else {
      log.fatal({ err }, 'Passerelle could not start');
    }
    exit(1);
  });
  if (!gateway) return;
  let firstSignalAt: number | undefined;
  const shutdown = (signal: string) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt > SAME_KEYPRESS_MS) exit(1);
      return;
    }
    firstSignalAt = Date.now();
    log.info({ signal }, 'Stopping');
    gateway
      .stop()
      .then(() => {
        log.info('Stopped');
        exit(0);
      })
      .catch((err) => {
        log.error({ err }, 'Unclean stop');
        exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
