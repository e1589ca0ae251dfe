import type { AppConfig } from '../config/app-config';
import type { AppLogger } from '../observability/logger';
import type { AmoSimulator } from '../simulators/amo/amo-simulator';
import { CdriSimulator } from '../simulators/cdri/cdri-simulator';
import { startAmoSimulator } from './simulated-billing';

export interface RunningSimulators {
  /** The configuration with the simulators' endpoints filled in. */
  config: AppConfig;
  cdri?: CdriSimulator;
  amo?: AmoSimulator;
  stop(): Promise<void>;
}

/**
 * Embedded/simulation mode: the insurer simulators (real network servers speaking the insurers' wire formats through
 * the flows' own codecs) are started here, before the flows, like the embedded PostgreSQL — the flows only ever see
 * an endpoint. Production configuration starts none. In full simulation the AMO simulator comes with a SIMULATION
 * PKI and the transport configuration that points at it (src/app/simulated-billing.ts).
 */
export async function startSimulators(config: AppConfig, log: AppLogger): Promise<RunningSimulators> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  let filled = config;
  let cdri: CdriSimulator | undefined;
  let amo: AmoSimulator | undefined;
  try {
    if (config.cdri.mode === 'simulator') {
      const started = new CdriSimulator({ port: config.cdri.simulatorPort, latencyMs: config.cdri.simulatorLatencyMs });
      const { url } = await started.start();
      cdri = started;
      stops.push(() => started.stop());
      log.debug({ url }, 'CDRi simulator listening');
      filled = { ...filled, cdri: { ...config.cdri, endpoint: url } };
    }
    if (config.amoSimulator) {
      const started = await startAmoSimulator(filled, config.amoSimulator, log);
      amo = started.amo;
      stops.push(() => started.amo.stop());
      filled = started.config;
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { config: filled, cdri, amo, stop };
}
