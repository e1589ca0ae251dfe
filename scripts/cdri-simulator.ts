import { loadSimulatorConfig } from '../src/config/simulator-config';
import { CdriSimulator } from '../src/simulators/cdri/cdri-simulator';

/** Runs the CDRi simulator alone (docker compose, manual tests): SIMULATOR_CDRI_PORT/HOST/LATENCY_MS. */
async function main(): Promise<void> {
  const cfg = loadSimulatorConfig();
  const sim = new CdriSimulator({ port: cfg.port, host: cfg.host, latencyMs: cfg.latencyMs });
  const { url } = await sim.start();
  process.stdout.write(`${JSON.stringify({ msg: 'CDRi simulator listening', url })}\n`);
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
