import 'reflect-metadata';
import { Gateway } from './app/gateway';
import { ConfigError, loadConfig } from './config/load-config';
import { createLogger } from './observability/logger';

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
    log.fatal({ err }, 'Passerelle could not start');
    exit(1);
  });
  if (!gateway) return;
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) exit(1);
    log.info({ signal }, 'Stopping');
    gateway
      .stop()
      .then(() => exit(0))
      .catch((err) => {
        log.error({ err }, 'Unclean stop');
        exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
