import type { AppConfig } from '../config/app-config';
import type { AppLogger } from '../observability/logger';
import { CdriSimulator } from '../simulators/cdri/cdri-simulator';

export interface RunningSimulators {
  /** The configuration with the simulators' endpoints filled in. */
  config: AppConfig;
  cdri?: CdriSimulator;
  stop(): Promise<void>;
}

/**
 * Embedded/simulation mode: the insurer simulators (real network servers speaking the insurers' wire formats through
 * the flows' own codecs) are started here, before the flows, like the embedded PostgreSQL — the flows only ever see
 * an endpoint. Production configuration starts none.
 */
export async function startSimulators(config: AppConfig, log: AppLogger): Promise<RunningSimulators> {
  if (config.cdri.mode !== 'simulator') return { config, stop: async () => undefined };
  const cdri = new CdriSimulator({ port: config.cdri.simulatorPort, latencyMs: config.cdri.simulatorLatencyMs });
  const { url } = await cdri.start();
  log.debug({ url }, 'CDRi simulator listening');
  return { config: { ...config, cdri: { ...config.cdri, endpoint: url } }, cdri, stop: () => cdri.stop() };
}
