import { ConfigError, readDefaults } from './load-config';
import { ConfigReader, type RawEnv } from './config-readers';

/** Configuration of the stand-alone simulator process (scripts/cdri-simulator.ts). */
export function loadSimulatorConfig(env: RawEnv = process.env): { port: number; host: string; latencyMs: number } {
  const r = new ConfigReader(env, { ...readDefaults(), SIMULATOR_CDRI_HOST: '127.0.0.1' });
  const cfg = {
    port: r.int('SIMULATOR_CDRI_PORT', 0, 65535),
    host: r.string('SIMULATOR_CDRI_HOST'),
    latencyMs: r.int('SIMULATOR_CDRI_LATENCY_MS', 0, 60000),
  };
  if (r.errors.length) throw new ConfigError(r.errors);
  return cfg;
}
