import { basename, dirname, resolve } from 'node:path';
import { type ConfigReader } from './config-readers';

/**
 * The AMO simulator of full simulation mode (embedded PostgreSQL + CDRi simulator + FIDES on + no
 * SIGNING_SEAL_P12_FILE): the composition root (src/app/simulators.ts) then makes a simulation PKI, starts the
 * simulator and fills the transport configuration to point at it. Never present otherwise.
 */
export interface AmoSimulatorConfig {
  /** Simulation PKI, returns folder and spool: beside the embedded PostgreSQL's directory (./data/pg-simulation). */
  dir: string;
  /** SMTP port the simulator listens on (127.0.0.1); 0 = any free port. */
  smtpPort: number;
  arlDelayMs: number;
  rspDelayMs: number;
}

/** Reads SIMULATOR_AMO_*; `pgDir` is EMBEDDED_PG_DIR (the simulation's files live beside it). */
export function readAmoSimulatorConfig(r: ConfigReader, pgDir: string): AmoSimulatorConfig {
  return {
    dir: resolve(dirname(pgDir), `${basename(pgDir)}-simulation`),
    smtpPort: r.int('SIMULATOR_AMO_SMTP_PORT', 0, 65535),
    arlDelayMs: r.int('SIMULATOR_AMO_ARL_DELAY_MS', 0, 600000),
    rspDelayMs: r.int('SIMULATOR_AMO_RSP_DELAY_MS', 0, 3600000),
  };
}
