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
  const gateway = await Gateway.start(config, log).catch((err) => {
    log.fatal({ err }, 'Passerelle could not start');
    log.flush();
    process.exit(1);
  });
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    log.info({ signal }, 'Stopping');
    gateway
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err }, 'Unclean stop');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
